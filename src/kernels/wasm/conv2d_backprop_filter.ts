/**
 * Conv2DBackpropFilter for the wasm backend (the stock backend has none, so it cannot train
 * convolutions).
 *
 * Maths: for y = conv(x, w) (NHWC, equation (1) of ../geometry.ts),
 *     dW[kh, kw, ci, co] = Σ_{b,oh,ow} x[b, oh·sh + kh − pt, ow·sw + kw − pl, ci] · dy[b, oh, ow, co],
 * i.e. with the transposed im2col matrix colT[(kh,kw,ci), n] (n = (b,oh,ow)) it is the product
 *     dW[KH·KW·Cin, Cout] = colT[KH·KW·Cin, N] · dy[N, Cout].
 * The product is the stock BatchMatMul, which is XNNPACK's fully-connected operator (~33 GFLOP/s
 * here, with dy as its packed "weights"); only its non-transposed form is fast (transposeA/B
 * take a ~12× slower path), hence colT rather than col. Batches are processed in chunks whose
 * colT stays a few MB; the chunk results are summed.
 * (With Cin = 1, colT has only 9 rows, a shape XNNPACK handles poorly — ~3 ms for 14.5 MFLOP at
 * batch 32 — but the transposed product dWᵀ = dyᵀ · col measured no faster.)
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dGeometry, isChannelsLast, type Conv2DGeometry, convAttrs, type BackpropFilterAttrs } from '../geometry';
import { im2colTransposed, validRange } from '../common/layout';
import { alloc, copyRange, free, heapF32, offsetOf, simd, stock, WASM, type BackendWasmLike } from './context';
import type { SimdKernels } from './simd';
import type { KernelArgs } from '../registry';

/** Upper bound on colT's size per chunk, in floats (default 2^21 = 8 MB). */
let chunkFloats = 1 << 21;
/** At most this many images per chunk (larger chunks measured slower, e.g. at batch 128). */
const MAX_CHUNK_IMAGES = 32;

/** Sets the chunk bound (tests use a small one to exercise chunking); returns the previous one. */
export function setBackpropFilterChunkFloats(n: number): number {
  const previous = chunkFloats;
  chunkFloats = Math.max(1, Math.floor(n));
  return previous;
}

/** common/layout.ts's im2colTransposed with the SIMD row kernel (byte offsets in the heap). */
function im2colTransposedSimd(k: SimdKernels, xOff: number, g: Conv2DGeometry, b0: number, nb: number, dstOff: number): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = g;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, padTop: pt, padLeft: pl } = g;
  const nc = nb * OH * OW;
  const lo: number[] = [];
  const hi: number[] = [];
  for (let kw = 0; kw < KW; kw++) [lo[kw], hi[kw]] = validRange(W, OW, sw, kw * dw - pl);
  const step = sw * C * 4;
  const rowStride = nc * 4;
  for (let b = 0; b < nb; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const n0 = (b * OH + oh) * OW;
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * sh + kh * dh - pt;
        const ok = ih >= 0 && ih < H;
        const rowBase = ((b0 + b) * H + ih) * W;
        for (let kw = 0; kw < KW; kw++) {
          const l = ok ? lo[kw] : OW;
          const h = ok ? hi[kw] : OW;
          const src = l < h ? xOff + (rowBase + l * sw + kw * dw - pl) * C * 4 : 0;
          k.im2colRow(src, step, dstOff + ((kh * KW + kw) * C * nc + n0) * 4, rowStride, C, OW, l, h);
        }
      }
    }
  }
}

export function conv2DBackpropFilterWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasmLike;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = convAttrs<BackpropFilterAttrs>(args.attrs);
  if (!isChannelsLast(attrs.dataFormat)) {
    throw new Error(`wasm Conv2DBackpropFilter supports only NHWC, got ${attrs.dataFormat}`);
  }
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error('wasm Conv2DBackpropFilter: float32 only');
  const g = conv2dGeometry(x.shape, attrs.filterShape, attrs.strides, attrs.pad, 1, attrs.dimRoundingMode);
  const filterShape = [...attrs.filterShape];
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const cout = g.outChannels;
  const pixels = g.outHeight * g.outWidth;
  if (dy.shape[1] !== g.outHeight || dy.shape[2] !== g.outWidth || dy.shape[3] !== cout) {
    throw new Error(`Conv2DBackpropFilter: dy shape ${dy.shape} does not match the convolution (${g.outHeight}×${g.outWidth}×${cout})`);
  }
  if (g.batch === 0 || pixels === 0 || K === 0 || cout === 0) {
    const out = alloc(backend, filterShape);
    heapF32(backend, out).fill(0);
    return out;
  }
  const perChunk = Math.max(1, Math.min(g.batch, MAX_CHUNK_IMAGES, Math.floor(chunkFloats / (K * pixels))));
  let out: tf.TensorInfo | null = null;
  for (let b0 = 0; b0 < g.batch; b0 += perChunk) {
    const nb = Math.min(perChunk, g.batch - b0);
    const n = nb * pixels;
    const colT = alloc(backend, [K, n]);
    // A fresh copy of dy's rows: XNNPACK caches the packed "weights" by tensor id (see context.ts).
    const dyChunk = copyRange(backend, dy, b0 * pixels * cout, [n, cout]);
    const k = simd(backend);
    if (k) im2colTransposedSimd(k, offsetOf(backend, x), g, b0, nb, offsetOf(backend, colT));
    else im2colTransposed(heapF32(backend, x), g, b0, nb, heapF32(backend, colT));
    const prod = stock('BatchMatMul', backend, { a: colT, b: dyChunk }, { transposeA: false, transposeB: false });
    free(backend, colT, dyChunk);
    if (out === null) {
      out = prod;
    } else {
      const acc = heapF32(backend, out);
      const part = heapF32(backend, prod);
      for (let i = 0; i < acc.length; i++) acc[i] += part[i];
      free(backend, prod);
    }
  }
  return { dataId: out!.dataId, shape: filterShape, dtype: 'float32' };
}

export const conv2DBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: WASM,
  kernelFunc: conv2DBackpropFilterWasm as unknown as tf.KernelFunc,
};
