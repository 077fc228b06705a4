/** vae-didatico: the one entry point that notebooks, the CLI and tests import. Re-exports only. */
export * from './errors';
export * from './backend';
export { nativeBlasStatus, type NativeBlasStatus } from './kernels';
export * from './notebook';
export * from './progress';
export * from './data';
export * from './loss';
export * from './model';
export * from './train';
export * from './plots';
export * from './analysis';
export * from './diagnostics';
export * from './io/files';
export * from './io/images';
export * from './io/model-files';
