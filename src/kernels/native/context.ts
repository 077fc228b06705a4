/**
 * What the native kernels share: float offsets of tensors in the wasm heap, one Float32Array over
 * the whole heap (taken after every allocation of a call, see ../wasm/context.ts), the run loops
 * (SIMD or JS) and the batch chunking.
 *
 * Chunks: im2col writes K = KH·KW·Cin floats per output pixel (288 for the 28×28×32 layer), so a
 * whole batch would be megabytes, written once and read once by the GEMM. Chunks of whole images
 * whose col matrix stays within `chunkFloats` (default 2^18 floats = 1 MB, within this CPU's 2 MB
 * L2) keep it in cache between the two; the GEMMs stay large enough (≥ ~900 rows) to run at speed.
 */
import * as tf from '@tensorflow/tfjs';
import { activationLoop } from '../common/elementwise';
import { alloc, offsetOf, simd, type BackendWasmLike } from '../wasm/context';
import { jsRuns, simdRuns, type Runs } from './layout';

let chunkFloats = 1 << 18;

/** Sets the chunk bound in floats (tests use a small one to exercise chunking); returns the previous one. */
export function setNativeChunkFloats(n: number): number {
  const previous = chunkFloats;
  chunkFloats = Math.max(1, Math.floor(n));
  return previous;
}

/** The chunk bound in floats (the C kernels chunk by the same rule). */
export function nativeChunkFloats(): number {
  return chunkFloats;
}

/** Images per chunk when each image needs `floatsPerImage` floats of scratch (at least 1). */
export function imagesPerChunk(floatsPerImage: number, batch: number): number {
  return Math.max(1, Math.min(batch, Math.floor(chunkFloats / Math.max(1, floatsPerImage))));
}

/** Float offset of a float32 tensor in the heap. */
export function at(backend: BackendWasmLike, info: tf.TensorInfo): number {
  return offsetOf(backend, info) / 4;
}

/** The whole heap as floats (valid until the next allocation). */
export function heap(backend: BackendWasmLike): Float32Array {
  return new Float32Array(backend.wasm.HEAPU8.buffer);
}

/**
 * Scratch for the run loops: a tensor of `maxRun` zeros (the source of zero runs: at least the
 * longest run zeroed, KW·C floats for a padded row of im2col). Allocate it
 * with the call's other buffers, then bind with `runsFor` after the last allocation.
 */
export function allocZeros(backend: BackendWasmLike, maxRun: number): tf.TensorInfo {
  return alloc(backend, [Math.max(4, maxRun)]);
}

/** The run loops for this call (SIMD when available), with `zeros` filled. */
export function runsFor(backend: BackendWasmLike, zeros: tf.TensorInfo): Runs {
  const h = heap(backend);
  const z = at(backend, zeros);
  h.fill(0, z, z + zeros.shape[0]);
  const k = simd(backend);
  return k ? simdRuns(k, z) : jsRuns(h);
}

/** Fused activations the native kernels apply themselves (others go to the stock kernels). */
export type NativeActivation = 'linear' | 'relu' | 'leakyrelu';

export function nativeActivation(name: unknown): NativeActivation | null {
  if (name === undefined || name === null || name === 'linear') return 'linear';
  return name === 'relu' || name === 'leakyrelu' ? name : null;
}

/**
 * In place on n floats at float offset `off`: relu y = x > 0 ? x : 0 and leakyrelu
 * y = x > 0 ? x : α·x (α as a float32, like the stock wasm kernels).
 */
export function applyActivation(backend: BackendWasmLike, off: number, n: number, activation: NativeActivation, alpha = 0.2): void {
  if (activation === 'linear' || n === 0) return;
  const k = simd(backend);
  if (activation === 'leakyrelu' && k) {
    k.leakyRelu(4 * off, 4 * off, n, alpha);
    return;
  }
  const view = heap(backend).subarray(off, off + n);
  activationLoop(view, activation, alpha);
}

/** In place on `rows` × `cols` floats at float offset `off`: y[r, c] += bias[c] (bias at float offset `biasOff`). */
export function addBiasRowsInPlace(backend: BackendWasmLike, off: number, rows: number, cols: number, biasOff: number): void {
  const h = heap(backend);
  const bias = h.subarray(biasOff, biasOff + cols);
  for (let r = 0, o = off; r < rows; r++, o += cols) {
    for (let c = 0; c < cols; c++) h[o + c] += bias[c];
  }
}
