/**
 * How many threads to use and how to share a batch between them (training and encoding pools).
 */
import { availableParallelism } from 'node:os';
import { kernelsUseEveryCore } from '../kernels';

/**
 * The worker count for `workers: 'auto'` (training) and for EncoderPool.
 *
 * With the native path's C kernels (wasm + OpenBLAS + C + OpenMP: `npm run doctor` says which),
 * every convolution and every large element-wise pass already runs on all cores, so one thread
 * is fastest: on this 2-core machine 928–1.160 images/s (batch 32, with checkpoints) against
 * 689–886 with 2 data-parallel workers, and encoding the 10.000 test digits 7.670–10.312
 * images/s against 4.150–5.680 with a 2-thread pool (`npm run bench`, three runs of 2026-12-02:
 * bench/results-2026-12-02-d*.json). The workers pay for their messages, the gradient sum,
 * every thread's Adam step and two copies of the model competing for the same caches. On a
 * teacher's 8-core laptop this means one thread with 8 OpenMP threads inside each kernel
 * (not measured on such a machine; `--workers N` overrides it).
 *
 * Without the C kernels the wasm backend runs one thread per instance, so training uses
 * data-parallel threads, up to 4 (on this machine 2: measured fastest for plain wasm, see
 * `npm run bench`), each calling the BLAS with one thread (holdSingleThreadedBlas).
 * tfjs-node parallelises inside TensorFlow (1).
 */
export function defaultWorkerCount(backendName: string, batchSize: number): number {
  const cores = availableParallelism();
  if (backendName === 'tensorflow' || cores < 2 || batchSize < 8 || kernelsUseEveryCore(backendName)) return 1;
  return Math.min(cores, 4);
}

/** Sizes of the shares of a batch of n over k threads (the first ones get the remainder). */
export function splitBatch(n: number, k: number): number[] {
  const shares = Math.min(k, n);
  return Array.from({ length: shares }, (_, i) => Math.floor(n / shares) + (i < n % shares ? 1 : 0));
}

/**
 * A requested worker count, capped by the cores of this machine (each worker holds a copy of the
 * model and of its backend: `workers: 200` would take gigabytes and run no faster). `warn` gets the note.
 */
export function capWorkerCount(requested: number, warn: (message: string) => void = console.warn): number {
  const cores = availableParallelism();
  if (requested <= cores) return requested;
  warn(`Aviso: workers = ${requested} é mais que os ${cores} núcleos desta máquina; usando ${cores} (--workers ${cores}).`);
  return cores;
}
