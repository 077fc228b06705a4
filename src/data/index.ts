/** The data module: IDX reader, downloader and the MNIST / Fashion-MNIST loaders. Re-exports only. */
export * from './idx';
export * from './spec';
export * from './download';
export * from './datasets';
