export * from './types';
export * from './rng';
export * from './engine';
export * from './loop';
export * from './callbacks';
export * from './checkpoint';
export type { FitOptions } from './fit';
