/**
 * Shared types of the training loop: what a trainable model offers, what callbacks receive.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedVariable } from './checkpoint';

/** What the training loop needs from a model (VariationalAutoencoder and Autoencoder). */
export interface TrainableModel {
  /** 'vae' or 'ae' (written in params.json and the run manifest). */
  readonly kind: 'vae' | 'ae';
  /** Metric names, the first is the optimised loss: ['loss', 'vae_r_loss', 'vae_kl_loss']. */
  readonly metricNames: readonly string[];
  /** Shape of one image. */
  readonly inputDim: [number, number, number];
  /** Latent dimension. */
  readonly zDim: number;
  /** z → image. */
  readonly decoder: tf.LayersModel;
  /** The whole model (what checkpoints save). */
  readonly model: tf.LayersModel;
  /** Trainable variables, in a fixed order, with their save names. */
  namedVariables(): NamedVariable[];
  /** Loss terms of a batch (same order as metricNames); eps ~ N(0, I) of shape [n, zDim]. */
  lossTerms(x: tf.Tensor4D, eps: tf.Tensor2D, training: boolean): tf.Scalar[];
}

/** Sizes of the run, known when training starts. */
export interface TrainParams {
  epochs: number;
  initialEpoch: number;
  batchSize: number;
  samples: number;
  stepsPerEpoch: number;
  seed: number;
}

/** Metrics after one batch. */
export interface BatchLogs {
  /** 1-based epoch number. */
  epoch: number;
  /** 0-based batch index within the epoch. */
  batch: number;
  /** Images in this batch. */
  size: number;
  /** This batch's metrics. */
  metrics: Record<string, number>;
  /** Mean of the metrics over the epoch so far (what Keras' progress bar shows). */
  running: Record<string, number>;
}

/** Metrics after one epoch. */
export interface EpochLogs {
  /** 1-based epoch number. */
  epoch: number;
  /** Means over the epoch's images. */
  metrics: Record<string, number>;
  /** Wall-clock seconds of the epoch (including callbacks run during it). */
  seconds: number;
  /** Training images per second over the epoch. */
  imagesPerSecond: number;
  /** Learning rate used in this epoch. */
  learningRate: number;
}

/** Why training ended. */
export type StopReason = 'completed' | 'interrupted' | 'nan' | 'error';

export interface TrainResult {
  /** One entry per epoch completed in this call. */
  history: EpochLogs[];
  stopReason: StopReason;
  /** Last completed epoch (1-based; equals initialEpoch when none completed). */
  lastEpoch: number;
}

/** What every callback gets: the model, the optimiser, the run sizes, and a way to stop. */
export interface TrainContext {
  readonly model: TrainableModel;
  readonly optimizer: tf.Optimizer;
  readonly params: TrainParams;
  /** Sets the learning rate used from the next step on. */
  setLearningRate(lr: number): void;
  /** Current learning rate. */
  learningRate(): number;
  /** Asks the loop to stop after the current batch. */
  requestStop(reason: StopReason): void;
}

/** Training events; every method may be async (the loop awaits it). */
export interface Callback {
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: TrainContext): void | Promise<void>;
  onBatchEnd?(logs: BatchLogs, ctx: TrainContext): void | Promise<void>;
  onEpochEnd?(logs: EpochLogs, ctx: TrainContext): void | Promise<void>;
  onTrainEnd?(result: TrainResult, ctx: TrainContext): void | Promise<void>;
}
