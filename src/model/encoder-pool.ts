/**
 * Encoding on every core. The wasm backend runs one thread per instance, so a large encode (the
 * 10,000 test digits) is split like a training batch: worker threads hold copies of the encoder, each
 * encodes its share while this thread encodes the first one, and the parts are joined in order.
 *
 *   const pool = await EncoderPool.create(vae);      // starts the workers once (a fraction of a second)
 *   const [mu, logVar] = await pool.encode(xTest);    // = vae.encoderMuLogVar.predict(xTest)
 *   await pool.dispose();
 */
import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { initBackend } from '../backend';
import { ShapeError } from '../errors';
import { holdSingleThreadedBlas } from '../kernels';
import { defaultWorkerCount, splitBatch } from '../threads/sizing';
import { WorkerHandle } from '../threads/worker-handle';
import type { AnyAutoencoder, ModelSpec } from './factory';

/** The worker thread's entry point, src/workers/encoding.ts (started by path). */
const WORKER_SCRIPT = path.join(__dirname, '..', 'workers', 'encoding.js');

/** Messages main → worker and back. */
export type ToEncoderWorker = { type: 'encode'; x: Float32Array; n: number; batchSize: number } | { type: 'exit' };
export type FromEncoderWorker = { type: 'ready' } | { type: 'encoded'; outputs: Float32Array[] } | { type: 'error'; message: string };

/** What a worker needs to rebuild the model. */
export interface EncoderWorkerInit {
  backend: string;
  spec: ModelSpec;
  /** Every weight of the model (trainable or not), in `model.getWeights()` order. */
  weights: { values: Float32Array; shape: number[] }[];
}

/** The encoder a model exposes to its users: x → [mu, log_var] (VAE) or x → [z] (plain AE). */
function encoderOf(model: AnyAutoencoder): tf.LayersModel {
  return model.kind === 'vae' ? model.encoderMuLogVar : model.encoder;
}

/** Runs the encoder on x [n, h, w, c]; one Float32Array per output. */
export function encodeArrays(model: AnyAutoencoder, x: tf.Tensor4D, batchSize: number): Float32Array[] {
  const out = encoderOf(model).predict(x, { batchSize });
  const outputs = Array.isArray(out) ? out : [out];
  const arrays = outputs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outputs);
  return arrays;
}

type EncoderWorker = WorkerHandle<ToEncoderWorker, FromEncoderWorker>;

export class EncoderPool {
  private constructor(
    private readonly model: AnyAutoencoder,
    private readonly workers: EncoderWorker[],
    /** Gives back the BLAS threads (every thread of the pool calls the BLAS with one). */
    private readonly releaseBlas: () => void,
  ) {}

  /** Threads in all, this one included. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Starts `threads − 1` workers (default: as many threads as training uses on this backend). */
  static async create(model: AnyAutoencoder, options: { threads?: number } = {}): Promise<EncoderPool> {
    const backend = (await initBackend()).name; // the backend already chosen (or the default choice)
    const threads = options.threads ?? defaultWorkerCount(backend, 1000);
    if (!(Number.isInteger(threads) && threads >= 1)) throw new ShapeError(`threads deve ser um inteiro ≥ 1; recebido ${threads}.`);
    const weights = model.model.getWeights().map((w) => ({ values: w.dataSync().slice() as Float32Array, shape: w.shape }));
    const init: EncoderWorkerInit = { backend, spec: model.spec(), weights };
    const releaseBlas = threads > 1 ? holdSingleThreadedBlas() : () => {};
    const workers = Array.from({ length: threads - 1 }, () => new WorkerHandle<ToEncoderWorker, FromEncoderWorker>(new Worker(WORKER_SCRIPT, { workerData: init }), 'de codificação'));
    try {
      await Promise.all(workers.map((w) => w.reply()));
    } catch (err) {
      await Promise.all(workers.map((w) => w.worker.terminate()));
      releaseBlas();
      throw err;
    }
    return new EncoderPool(model, workers, releaseBlas);
  }

  /** The encoder's outputs for x, split over the threads: [mu, logVar] for a VAE, [z] for an AE. */
  async encode(x: tf.Tensor4D, options: { batchSize?: number } = {}): Promise<tf.Tensor2D[]> {
    const batchSize = options.batchSize ?? 1000;
    const [n, h, w, c] = x.shape;
    const [eh, ew, ec] = this.model.inputDim;
    if (x.rank !== 4 || h !== eh || w !== ew || c !== ec) {
      throw new ShapeError(`As imagens devem ter forma [N, ${eh}, ${ew}, ${ec}]; recebido [${x.shape.join(', ')}].`);
    }
    if (n === 0) throw new ShapeError('Nenhuma imagem para codificar (N = 0).');
    // Whole batches per thread: every batch then holds the same images as in a single-thread
    // predict, and the BLAS (whose rounding may depend on a product's size) gives the same numbers.
    const shares = splitBatch(Math.ceil(n / batchSize), this.threads).map((b) => b * batchSize);
    shares[shares.length - 1] -= shares.reduce((a, b) => a + b, 0) - n;
    const pixels = h * w * c;
    const all = x.dataSync() as Float32Array;
    // Workers first, so they compute while this thread encodes the first share.
    let start = shares[0];
    const parts: Promise<FromEncoderWorker>[] = [];
    for (let i = 1; i < shares.length; i++) {
      const xs = all.slice(start * pixels, (start + shares[i]) * pixels);
      const worker = this.workers[i - 1];
      parts.push(worker.reply());
      worker.send({ type: 'encode', x: xs, n: shares[i], batchSize }, [xs.buffer]);
      start += shares[i];
    }
    const own = tf.tidy(() => encodeArrays(this.model, x.slice(0, shares[0]), batchSize));
    const answers = await Promise.all(parts);
    const pieces = [own, ...answers.map((a) => (a as Extract<FromEncoderWorker, { type: 'encoded' }>).outputs)];
    return own.map((_, k) => {
      const width = own[k].length / shares[0];
      const joined = new Float32Array(n * width);
      let offset = 0;
      for (const p of pieces) {
        joined.set(p[k], offset);
        offset += p[k].length;
      }
      return tf.tensor2d(joined, [n, width]);
    });
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop({ type: 'exit' })));
    this.releaseBlas();
  }
}
