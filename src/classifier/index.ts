/** The MNIST digit classifier (network, shipped weights, classifyDigits, summaries, training). Re-exports only. */
export * from './network';
export * from './classify';
export * from './stats';
export * from './train';
export * from './run-files';
