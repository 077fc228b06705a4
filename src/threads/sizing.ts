/**
 * How many threads to use and how to share a batch between them (training and encoding pools).
 */
import { availableParallelism } from 'node:os';

/**
 * The worker count that measured fastest on this machine (see `npm run bench`): the wasm backend
 * runs one thread per instance, so use every core; tfjs-node parallelises inside TensorFlow.
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
