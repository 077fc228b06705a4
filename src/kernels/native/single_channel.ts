/**
 * The convolutions with one input channel (Cin = 1: the VAE's first Conv2D, and its last
 * Conv2DTranspose, whose dx has one channel) on the direct SIMD kernels of
 * ../wasm/simd/direct.ts instead of im2col + GEMM: with K = KH·KW·Cin = 9 the GEMMs are thin
 * (~20 GFLOP/s) and im2col / col2im move runs of one to three floats.
 *
 * Maths, with ih = oh·sh + kh − pt and iw = ow·sw + kw − pl (equation (1) of ../geometry.ts),
 * terms outside the image omitted:
 *     y[b, oh, ow, co]  = bias[co] + Σ_{kh,kw} x[b, ih, iw, 0] · w[kh, kw, 0, co]
 *     dx[b, ih, iw, 0]  = Σ_{(kh,kw,oh,ow) with (1)} Σ_co dy[b, oh, ow, co] · w[kh, kw, 0, co]
 *     dW[kh, kw, 0, co] = Σ_{b,oh,ow} x[b, ih, iw, 0] · dy[b, oh, ow, co]
 * Along each axis, which taps (1) allows is a table of triples per output index (see direct.ts):
 *   forward taps, for output o: the taps k ∈ [first, first + taps) with 0 ≤ o·s + k − p < in;
 *   transposed taps, for input i: the taps k ≡ i + p (mod s) with 0 ≤ o = (i + p − k)/s < out.
 * The kernels take any stride and padding; they apply when Cout % 4 == 0, dilation is 1, the
 * problem is not empty and the SIMD module is available (not with setSimdEnabled(false) or
 * VAE_KERNELS_SIMD=0). Otherwise each function here returns null and its caller keeps the
 * general im2col + GEMM path. With the C library loaded, its direct kernels take these layers
 * first (cDirectTakes in ./conv_c.ts: faster, and on every core); these are then the path
 * without it.
 */
import * as tf from '@tensorflow/tfjs';
import type { Conv2DGeometry } from '../geometry';
import { validRange } from '../common/layout';
import { alloc, free, type BackendWasmLike } from '../wasm/context';
import { directFor, type DirectKernels } from '../wasm/simd/direct';
import { applyActivation, at, heap, type NativeActivation } from './context';

/** Calls that ran on the direct kernels since the process started (the tests check the routing). */
const directCalls = { forward: 0, inputGradient: 0, filterGradient: 0 };

export function singleChannelCalls(): Readonly<typeof directCalls> {
  return { ...directCalls };
}

/** The direct kernels for this convolution, or null when they do not apply. */
function kernelsFor(backend: BackendWasmLike, g: Conv2DGeometry): DirectKernels | null {
  const applies =
    g.inChannels === 1 &&
    g.outChannels % 4 === 0 &&
    g.dilationHeight === 1 &&
    g.dilationWidth === 1 &&
    g.batch * g.inHeight * g.inWidth * g.outHeight * g.outWidth * g.outChannels > 0;
  // Whatever the thread count: a result must not depend on how many threads computed it (an
  // EncoderPool gives what one thread gives). On 2 threads the C kernels would be a little faster
  // here (1.000 images: 23–27 ms against 29–33 ms), on one thread the direct kernels are.
  return applies ? directFor(backend.wasm.asm?.memory ?? backend.wasm.wasmMemory ?? null) : null;
}

/** One entry of a tap table (see ../wasm/simd/direct.ts). */
type Triple = [number, number, number];

/** Forward taps along one axis: for o < outSize, [first k, taps, i of the first k]. */
function forwardTaps(inSize: number, outSize: number, filterSize: number, stride: number, pad: number): Triple[] {
  const taps: Triple[] = [];
  for (let o = 0; o < outSize; o++) {
    const start = o * stride - pad;
    const first = Math.max(0, -start);
    const end = Math.min(filterSize, inSize - start);
    taps.push([first, Math.max(0, end - first), start + first]);
  }
  return taps;
}

/** Transposed taps along one axis: for i < inSize, [first k, taps (k, k+s, …), o of the first k]. */
function transposedTaps(inSize: number, outSize: number, filterSize: number, stride: number, pad: number): Triple[] {
  const taps: Triple[] = [];
  for (let i = 0; i < inSize; i++) {
    let first = 0;
    let count = 0;
    for (let k = (i + pad) % stride; k < filterSize; k += stride) {
      const o = (i + pad - k) / stride;
      if (o < 0 || o >= outSize) continue;
      if (count === 0) first = k;
      count++;
    }
    taps.push([first, count, count > 0 ? (i + pad - first) / stride : 0]);
  }
  return taps;
}

/** For each kw: [first ow, count, iw of that ow], the ow range where tap kw reads inside the image. */
function filterGradientColumns(g: Conv2DGeometry): Triple[] {
  const columns: Triple[] = [];
  for (let kw = 0; kw < g.filterWidth; kw++) {
    const [lo, hi] = validRange(g.inWidth, g.outWidth, g.strideWidth, kw - g.padLeft);
    columns.push([lo, hi - lo, lo * g.strideWidth + kw - g.padLeft]);
  }
  return columns;
}

/**
 * A scratch tensor holding `tables` (i32 triples, written here) followed by `floats` floats: the
 * byte offsets of each table and of the floats. Allocate it last: the offsets stay valid.
 */
function allocTables(backend: BackendWasmLike, tables: Triple[][], floats = 0): { tensor: tf.TensorInfo; tables: number[]; floats: number } {
  const ints = tables.reduce((n, t) => n + 3 * t.length, 0);
  const tensor = alloc(backend, [ints + floats]);
  const base = 4 * at(backend, tensor);
  const view = new Int32Array(backend.wasm.HEAPU8.buffer, base, ints);
  const offsets: number[] = [];
  let i = 0;
  for (const table of tables) {
    offsets.push(base + 4 * i);
    for (const triple of table) {
      view.set(triple, i);
      i += 3;
    }
  }
  return { tensor, tables: offsets, floats: base + 4 * ints };
}

/** act(bias + conv(x, w)) for Cin = 1 into a new tensor, or null when the direct kernel does not apply. */
export function singleChannelForward(
  backend: BackendWasmLike,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: Conv2DGeometry,
  bias: tf.TensorInfo | null,
  activation: NativeActivation,
  alpha: number,
): tf.TensorInfo | null {
  const kernels = kernelsFor(backend, g);
  if (!kernels) return null;
  const cout = g.outChannels;
  const y = alloc(backend, [g.batch, g.outHeight, g.outWidth, cout]);
  const rows = forwardTaps(g.inHeight, g.outHeight, g.filterHeight, g.strideHeight, g.padTop);
  const cols = forwardTaps(g.inWidth, g.outWidth, g.filterWidth, g.strideWidth, g.padLeft);
  const scratch = allocTables(backend, [rows, cols], bias ? 0 : cout);
  if (!bias) heap(backend).fill(0, scratch.floats / 4, scratch.floats / 4 + cout);
  kernels.forward({
    x: 4 * at(backend, x),
    filter: 4 * at(backend, filter),
    bias: bias ? 4 * at(backend, bias) : scratch.floats,
    y: 4 * at(backend, y),
    batch: g.batch,
    xImageBytes: 4 * g.inHeight * g.inWidth,
    rowTaps: scratch.tables[0],
    outHeight: g.outHeight,
    colTaps: scratch.tables[1],
    outWidth: g.outWidth,
    xRowBytes: 4 * g.inWidth,
    filterRowBytes: 4 * g.filterWidth * cout,
    channelBytes: 4 * cout,
  });
  free(backend, scratch.tensor);
  applyActivation(backend, at(backend, y), g.batch * g.outHeight * g.outWidth * cout, activation, alpha);
  directCalls.forward++;
  return y;
}

/** dx [B, H, W, 1] of the convolution, or null when the direct kernel does not apply. */
export function singleChannelInputGradient(backend: BackendWasmLike, dy: tf.TensorInfo, filter: tf.TensorInfo, g: Conv2DGeometry, inputShape: number[]): tf.TensorInfo | null {
  const kernels = kernelsFor(backend, g);
  if (!kernels) return null;
  const cout = g.outChannels;
  const dx = alloc(backend, inputShape);
  const rows = transposedTaps(g.inHeight, g.outHeight, g.filterHeight, g.strideHeight, g.padTop);
  const cols = transposedTaps(g.inWidth, g.outWidth, g.filterWidth, g.strideWidth, g.padLeft);
  const scratch = allocTables(backend, [rows, cols]);
  kernels.inputGradient({
    dy: 4 * at(backend, dy),
    filter: 4 * at(backend, filter),
    dx: 4 * at(backend, dx),
    batch: g.batch,
    dyImageBytes: 4 * g.outHeight * g.outWidth * cout,
    rowTaps: scratch.tables[0],
    inHeight: g.inHeight,
    colTaps: scratch.tables[1],
    inWidth: g.inWidth,
    dyRowBytes: 4 * g.outWidth * cout,
    filterRowBytes: 4 * g.filterWidth * cout,
    channelBytes: 4 * cout,
    strideHeight: g.strideHeight,
    strideWidth: g.strideWidth,
  });
  free(backend, scratch.tensor);
  directCalls.inputGradient++;
  return dx;
}

/** dW [KH, KW, 1, Cout] of the convolution, or null when the direct kernel does not apply. */
export function singleChannelFilterGradient(backend: BackendWasmLike, x: tf.TensorInfo, dy: tf.TensorInfo, g: Conv2DGeometry, filterShape: number[]): tf.TensorInfo | null {
  const kernels = kernelsFor(backend, g);
  if (!kernels) return null;
  const cout = g.outChannels;
  const dw = alloc(backend, filterShape);
  const rows = forwardTaps(g.inHeight, g.outHeight, g.filterHeight, g.strideHeight, g.padTop);
  const scratch = allocTables(backend, [rows, filterGradientColumns(g)]);
  const dwo = at(backend, dw);
  heap(backend).fill(0, dwo, dwo + g.filterHeight * g.filterWidth * cout);
  kernels.filterGradient({
    x: 4 * at(backend, x),
    dy: 4 * at(backend, dy),
    dw: 4 * dwo,
    batch: g.batch,
    xImageBytes: 4 * g.inHeight * g.inWidth,
    rowTaps: scratch.tables[0],
    outHeight: g.outHeight,
    tapColumns: scratch.tables[1],
    filterWidth: g.filterWidth,
    xRowBytes: 4 * g.inWidth,
    dyRowBytes: 4 * g.outWidth * cout,
    filterRowBytes: 4 * g.filterWidth * cout,
    channelBytes: 4 * cout,
    strideWidth: g.strideWidth,
  });
  free(backend, scratch.tensor);
  directCalls.filterGradient++;
  return dw;
}
