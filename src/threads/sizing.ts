/**
 * How many threads to use and how to share a batch between them (training and encoding pools).
 */
import { availableParallelism } from 'node:os';

/**
 * The worker count for `workers: 'auto'`. The wasm backend runs one thread per instance, so
 * training uses data-parallel threads, up to 4: on this 2-core machine that is 2 (measured
 * fastest for wasm; see `npm run bench`); tfjs-node parallelises inside TensorFlow (1).
 * With the native BLAS each thread's GEMMs run on one BLAS thread (holdSingleThreadedBlas): all
 * of a step is then parallel (GEMMs, im2col, element-wise kernels, Adam), where OpenBLAS's own
 * threads under one training thread would parallelise only the GEMMs (about 60% of a step);
 * the bench prints both set-ups ("BLAS" column). On a teacher's 8-core laptop this gives 4
 * training threads × 1 BLAS thread: at batch 32 each thread then has 8 images, and more threads
 * would mostly add per-step overhead (messages, summing the gradients, every thread applying
 * Adam) — not measured on such a machine; `--workers N` overrides it.
 */
export function defaultWorkerCount(backendName: string, batchSize: number): number {
  const cores = availableParallelism();
  if (backendName === 'tensorflow' || cores < 2 || batchSize < 8) return 1;
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
