/**
 * Data-parallel training on worker threads. Each step, the batch is split: the main thread and
 * every worker compute the gradients of their share on their own copy of the model; the main
 * thread averages them (weighted by share size, in a fixed order) into a shared buffer, and every
 * thread applies the same Adam update — so the copies stay bit-identical without sending weights.
 *
 *   g = Σ_i (n_i / n) · g_i         (the gradient of the batch-mean loss)
 */
import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { holdSingleThreadedBlas } from '../kernels';
import { splitBatch } from '../threads/sizing';
import { WorkerHandle } from '../threads/worker-handle';
import { getOptimizerLearningRate, lossAndGradients, setOptimizerLearningRate, type TrainingEngine } from './engine';
import type { TrainableModel } from './types';

/** The worker thread's entry point, src/workers/training.ts (started by path: the worker imports the models, this file does not). */
const WORKER_SCRIPT = path.join(__dirname, '..', 'workers', 'training.js');

/** Messages main → worker. */
export type ToWorker =
  | { type: 'step'; x: Float32Array; eps: Float32Array; n: number }
  | { type: 'apply'; lr: number }
  | { type: 'exit' };

/** Messages worker → main. */
export type FromWorker = { type: 'ready' } | { type: 'grads'; metrics: number[] } | { type: 'error'; message: string; stack?: string };

type TrainingWorker = WorkerHandle<ToWorker, FromWorker>;

/** What a worker needs to rebuild the model (`spec`, a ModelSpec for our models) and join the training. */
export interface WorkerInit<Spec> {
  backend: string;
  spec: Spec;
  weights: Float32Array[];
  optimizer: { iterations: number; moments: Float32Array[] };
  /** Shared gradient slots: [worker slot (its own grads) | combined grads]. */
  gradsSlot: SharedArrayBuffer;
  combined: SharedArrayBuffer;
}

/** Flattens tensors into `out` in order. */
function copyInto(out: Float32Array, tensors: tf.Tensor[]): void {
  let offset = 0;
  for (const t of tensors) {
    const v = t.dataSync() as Float32Array;
    out.set(v, offset);
    offset += v.length;
  }
}

/**
 * out = Σ_i weights[i] · parts[i], element by element, parts in order (float32 rounding after
 * each term). A plain function over local typed arrays: V8 compiles it to a tight loop (~0,5 ms
 * for the VAE's 105.220 values; the same loop written inline in the async step ran ~8× slower).
 */
export function weightedSum(out: Float32Array, parts: Float32Array[], weights: number[]): void {
  const n = out.length;
  const first = parts[0];
  const w0 = weights[0];
  for (let j = 0; j < n; j++) out[j] = w0 * first[j];
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i];
    const w = weights[i];
    for (let j = 0; j < n; j++) out[j] += w * part[j];
  }
}

export class ParallelEngine implements TrainingEngine {
  readonly threads: number;
  private readonly variables: tf.Variable[];
  private readonly sizes: number[];
  private readonly own: Float32Array;
  private readonly combined: Float32Array;
  private readonly slots: Float32Array[];

  private constructor(
    private readonly model: TrainableModel,
    private readonly optimizer: tf.Optimizer,
    private readonly workers: TrainingWorker[],
    buffers: { combined: SharedArrayBuffer; slots: SharedArrayBuffer[] },
    /** Gives back the BLAS threads (every thread of the pool calls the BLAS with one). */
    private readonly releaseBlas: () => void,
  ) {
    this.variables = model.namedVariables().map((v) => v.variable);
    this.sizes = this.variables.map((v) => v.size);
    const total = this.sizes.reduce((a, b) => a + b, 0);
    this.own = new Float32Array(total);
    this.combined = new Float32Array(buffers.combined);
    this.slots = buffers.slots.map((b) => new Float32Array(b));
    this.threads = workers.length + 1;
  }

  /** Starts `threads − 1` workers holding copies of the model and of the Adam state. */
  static async create<Spec>(model: TrainableModel & { spec(): Spec }, optimizer: tf.Optimizer, threads: number, backend: string): Promise<ParallelEngine> {
    const variables = model.namedVariables().map((v) => v.variable);
    const total = variables.reduce((a, v) => a + v.size, 0);
    const weights = variables.map((v) => v.dataSync().slice() as Float32Array);
    const state = await optimizer.getWeights();
    const iterations = state.length ? (await state[0].tensor.data())[0] : 0;
    const moments = await Promise.all(state.slice(1).map(async (w) => (await w.tensor.data()).slice() as Float32Array));
    const combined = new SharedArrayBuffer(total * 4);
    const slots = Array.from({ length: threads - 1 }, () => new SharedArrayBuffer(total * 4));
    const releaseBlas = holdSingleThreadedBlas();
    const handles = slots.map((slot) => {
      const init: WorkerInit<Spec> = { backend, spec: model.spec(), weights, optimizer: { iterations, moments }, gradsSlot: slot, combined };
      return new WorkerHandle<ToWorker, FromWorker>(new Worker(WORKER_SCRIPT, { workerData: init }), 'de treino');
    });
    try {
      await Promise.all(handles.map((h) => h.reply()));
    } catch (err) {
      await Promise.all(handles.map((h) => h.worker.terminate()));
      releaseBlas();
      throw err;
    }
    return new ParallelEngine(model, optimizer, handles, { combined, slots }, releaseBlas);
  }

  async step(x: Float32Array, eps: Float32Array, n: number): Promise<number[]> {
    const [h, w, c] = this.model.inputDim;
    const pixels = h * w * c;
    const z = this.model.zDim;
    const shares = splitBatch(n, this.workers.length + 1);
    // Send the workers their shares first, so they compute while this thread does its own.
    let start = shares[0];
    const replies: Promise<FromWorker>[] = [];
    for (let i = 1; i < shares.length; i++) {
      const xs = x.slice(start * pixels, (start + shares[i]) * pixels);
      const es = eps.slice(start * z, (start + shares[i]) * z);
      replies.push(this.workers[i - 1].reply());
      this.workers[i - 1].send({ type: 'step', x: xs, eps: es, n: shares[i] }, [xs.buffer, es.buffer]);
      start += shares[i];
    }
    const xt = tf.tensor4d(x.subarray(0, shares[0] * pixels), [shares[0], h, w, c]);
    const et = tf.tensor2d(eps.subarray(0, shares[0] * z), [shares[0], z]);
    const held: tf.Tensor[] = [xt, et];
    let ownMetrics: number[];
    try {
      const { metrics, grads } = lossAndGradients(this.model, this.variables, xt, et);
      held.push(...metrics, ...Object.values(grads));
      ownMetrics = metrics.map((m) => m.dataSync()[0]);
      copyInto(this.own, this.variables.map((v) => grads[v.name]));
    } finally {
      tf.dispose(held);
    }
    const answers = await Promise.all(replies);

    // g = Σ_i (n_i / n) g_i, always summed in the same order.
    const weights = shares.map((s) => s / n);
    weightedSum(this.combined, [this.own, ...this.slots.slice(0, shares.length - 1)], weights);
    const lr = getOptimizerLearningRate(this.optimizer);
    for (const worker of this.workers) worker.send({ type: 'apply', lr });
    this.applyCombined();

    const result = ownMetrics.map((m) => m * weights[0]);
    answers.forEach((a, i) => {
      if (a.type === 'grads') a.metrics.forEach((m, k) => (result[k] += m * weights[i + 1]));
    });
    return result;
  }

  private applyCombined(): void {
    const grads: tf.NamedTensorMap = {};
    let offset = 0;
    this.variables.forEach((v, i) => {
      grads[v.name] = tf.tensor(this.combined.subarray(offset, offset + this.sizes[i]), v.shape);
      offset += this.sizes[i];
    });
    this.optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }

  setLearningRate(lr: number): void {
    setOptimizerLearningRate(this.optimizer, lr);
  }

  /** The main thread applies every update itself: its copy is always current. */
  async sync(): Promise<void> {}

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop({ type: 'exit' })));
    this.releaseBlas();
  }
}

/** Creates the data-parallel engine with `threads` threads in all (this one included). */
export function createParallelEngine<Spec>(
  model: TrainableModel & { spec(): Spec },
  optimizer: tf.Optimizer,
  threads: number,
  backendName: string,
): Promise<TrainingEngine> {
  return ParallelEngine.create(model, optimizer, threads, backendName);
}
