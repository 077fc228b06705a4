/**
 * Data-parallel training over worker threads (see the fast-training issue). Placeholder until
 * the worker engine lands: one thread everywhere.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors';
import type { TrainingEngine } from './engine';
import type { TrainableModel } from './types';

/** The fastest measured worker count for a backend and batch size. */
export function defaultWorkerCount(backendName: string, batchSize: number): number {
  void backendName;
  void batchSize;
  return 1;
}

/** Creates an engine that splits each batch over `workers` threads. */
export async function createParallelEngine(
  model: TrainableModel,
  optimizer: tf.Optimizer,
  workers: number,
  backendName: string,
): Promise<TrainingEngine> {
  void model;
  void optimizer;
  throw new ConfigError(`Treino com ${workers} threads ainda não está disponível no backend ${backendName}.`);
}
