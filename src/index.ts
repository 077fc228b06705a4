/** vae-didatico: the one entry point that notebooks, the CLI and tests import. Re-exports only. */
export * from './errors';
export * from './backend';
export * from './notebook';
export * from './progress';
