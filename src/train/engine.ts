/**
 * A training engine runs one optimisation step on a batch. The loop does not care whether the
 * step runs here (LocalEngine) or is split over worker threads (ParallelEngine, parallel.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainableModel } from './types';

export interface TrainingEngine {
  /** Threads that compute each step (1 = this thread only). */
  readonly threads: number;
  /** One step on `n` images (`x`: n·h·w·c pixels, `eps`: n·zDim normal noise); returns the batch metrics. */
  step(x: Float32Array, eps: Float32Array, n: number): Promise<number[]>;
  /** Learning rate of the next steps. */
  setLearningRate(lr: number): void;
  /** Makes the main thread's model and optimiser hold the current state (before a checkpoint). */
  sync(): Promise<void>;
  /** Releases threads and buffers. The model stays usable. */
  dispose(): Promise<void>;
}

/**
 * Computes loss terms and gradients of one batch. Returns [metrics..., grads] kept outside any
 * tidy: the caller disposes them.
 */
export function lossAndGradients(
  model: TrainableModel,
  variables: tf.Variable[],
  x: tf.Tensor4D,
  eps: tf.Tensor2D,
): { metrics: tf.Scalar[]; grads: tf.NamedTensorMap } {
  let extra: tf.Scalar[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const terms = model.lossTerms(x, eps, true);
    extra = terms.slice(1).map((t) => tf.keep(t));
    return terms[0];
  }, variables);
  return { metrics: [value, ...extra], grads };
}

/** Sets the learning rate of a tfjs optimiser (a protected field; read at every step). */
export function setOptimizerLearningRate(optimizer: tf.Optimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

/** Reads the learning rate of a tfjs optimiser. */
export function getOptimizerLearningRate(optimizer: tf.Optimizer): number {
  return (optimizer as unknown as { learningRate: number }).learningRate;
}

/** Runs every step in this thread, on the chosen backend. */
export class LocalEngine implements TrainingEngine {
  readonly threads = 1;
  private readonly variables: tf.Variable[];

  constructor(
    private readonly model: TrainableModel,
    private readonly optimizer: tf.Optimizer,
  ) {
    this.variables = model.namedVariables().map((v) => v.variable);
  }

  async step(x: Float32Array, eps: Float32Array, n: number): Promise<number[]> {
    const [h, w, c] = this.model.inputDim;
    const xt = tf.tensor4d(x.subarray(0, n * h * w * c), [n, h, w, c]);
    const et = tf.tensor2d(eps.subarray(0, n * this.model.zDim), [n, this.model.zDim]);
    const held: tf.Tensor[] = [xt, et];
    try {
      const { metrics, grads } = lossAndGradients(this.model, this.variables, xt, et);
      held.push(...metrics, ...Object.values(grads));
      this.optimizer.applyGradients(grads);
      return metrics.map((m) => m.dataSync()[0]);
    } finally {
      tf.dispose(held); // also when the loss throws
    }
  }

  setLearningRate(lr: number): void {
    setOptimizerLearningRate(this.optimizer, lr);
  }

  async sync(): Promise<void> {}

  async dispose(): Promise<void> {}
}
