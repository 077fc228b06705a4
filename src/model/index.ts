export * from './options';
export * from './layers';
export * from './vae';
export * from './autoencoder';
export { EncoderPool } from './encoder-pool';
export * from './summary';
export * from './diagram';
export type { LoadRunOptions } from './base';
export { readParams, type ParamsFile, type CompileSettings, type RunManifest, PARAMS_FILE } from './params';
