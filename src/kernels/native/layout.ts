/**
 * Data movement around the native GEMMs, on the wasm heap: im2col, col2im and bias rows.
 * Everything is a list of "runs" (count rows of len floats, with a source and destination step),
 * done by the SIMD loops of ../wasm/simd (copyRuns / addRuns) or, without them, by JS loops.
 *
 * im2col of images b0 … b0+nb−1 of x [B, H, W, C] (NHWC; equation (1) of ../geometry.ts):
 *     col[n, (kh·KW + kw)·C + ci] = x[b, oh·sh + kh·dh − pt, ow·sw + kw·dw − pl, ci]   (0 outside)
 * with n = ((b − b0)·OH + oh)·OW + ow: a row-major [nb·OH·OW, K] matrix, K = KH·KW·C, so that
 *     y[n, co]  = Σ_k col[n, k] · w[k, co]        (forward: y = col · W, W = the filter as [K, Cout])
 *     dW[k, co] = Σ_n col[n, k] · dy[n, co]       (filter gradient: dW = colᵀ · dy)
 * For fixed (b, oh, kh, kw) the valid ow form one range, and along it both x and col advance by a
 * fixed step: one run of C floats per pixel.
 *
 * col2im, the adjoint: dx = 0, then dx[b, ih, iw, ci] += z[n, (kh·KW + kw)·C + ci] over the same
 * index pairs; with z = dy · Wᵀ it is the input gradient of the convolution (Conv2DBackpropInput).
 */
import type { Conv2DGeometry } from '../geometry';
import { validRange } from '../common/layout';
import type { SimdKernels } from '../wasm/simd';

/** Run operations on one Float32Array (the heap); offsets, lengths and steps in floats. */
export interface Runs {
  /** count times: dst[0 … len) = src[0 … len), then src += srcStep, dst += dstStep. */
  copy(src: number, dst: number, count: number, len: number, srcStep: number, dstStep: number): void;
  /** Like copy, with dst += src. */
  add(src: number, dst: number, count: number, len: number, srcStep: number, dstStep: number): void;
  /** count runs of len zeros, dst += dstStep. */
  zero(dst: number, count: number, len: number, dstStep: number): void;
}

/** Runs on the SIMD loops; `zeros` is the float offset of at least `maxLen` zeros in the heap. */
export function simdRuns(k: SimdKernels, zeros: number): Runs {
  return {
    copy: (s, d, count, len, ss, ds) => k.copyRuns(4 * s, 4 * d, count, 4 * len, 4 * ss, 4 * ds),
    add: (s, d, count, len, ss, ds) => k.addRuns(4 * s, 4 * d, count, 4 * len, 4 * ss, 4 * ds),
    zero: (d, count, len, ds) => k.copyRuns(4 * zeros, 4 * d, count, 4 * len, 0, 4 * ds),
  };
}

/** Runs as JS loops over `heap` (the fallback when the SIMD module is unavailable). */
export function jsRuns(heap: Float32Array): Runs {
  return {
    copy(s, d, count, len, ss, ds) {
      for (let r = 0; r < count; r++, s += ss, d += ds) for (let i = 0; i < len; i++) heap[d + i] = heap[s + i];
    },
    add(s, d, count, len, ss, ds) {
      for (let r = 0; r < count; r++, s += ss, d += ds) for (let i = 0; i < len; i++) heap[d + i] += heap[s + i];
    },
    zero(d, count, len, ds) {
      for (let r = 0; r < count; r++, d += ds) heap.fill(0, d, d + len);
    },
  };
}

/**
 * The ow ranges of one output row: [lo[kw], hi[kw]) where tap kw reads inside the image, and, for
 * stride 1 and dilation 1, the interior [inner0, inner1) where every tap does. There, for one
 * pixel, the KW taps are KW·C consecutive floats both in x (iw = ow − pl + kw) and in col
 * ((kh·KW + kw)·C + ci): one run of KW·C floats per pixel instead of KW runs of C.
 */
function columnRanges(g: Conv2DGeometry): { lo: number[]; hi: number[]; inner0: number; inner1: number } {
  const { inWidth: W, outWidth: OW, filterWidth: KW, strideWidth: sw, dilationWidth: dw, padLeft: pl } = g;
  const lo: number[] = [];
  const hi: number[] = [];
  for (let kw = 0; kw < KW; kw++) [lo[kw], hi[kw]] = validRange(W, OW, sw, kw * dw - pl);
  let inner0 = 0;
  let inner1 = 0;
  if (sw === 1 && dw === 1 && KW > 1) {
    inner0 = Math.max(...lo);
    inner1 = Math.max(inner0, Math.min(...hi));
  }
  return { lo, hi, inner0, inner1 };
}

/** im2col of images b0 … b0+nb−1 (x and col are float offsets in the heap). */
export function im2col(runs: Runs, x: number, g: Conv2DGeometry, b0: number, nb: number, col: number): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = g;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, padTop: pt, padLeft: pl } = g;
  const K = KH * KW * C;
  const { lo, hi, inner0, inner1 } = columnRanges(g);
  // Tap kw for the pixels ow ∈ [from, to): zeros outside the image, x inside.
  const tap = (xRow: number, d: number, kw: number, from: number, to: number) => {
    const l = Math.min(Math.max(lo[kw], from), to);
    const h = Math.min(Math.max(hi[kw], l), to);
    if (l > from) runs.zero(d + from * K, l - from, C, K);
    if (h > l) runs.copy(xRow + (l * sw + kw * dw - pl) * C, d + l * K, h - l, C, sw * C, K);
    if (to > h) runs.zero(d + h * K, to - h, C, K);
  };
  for (let b = 0; b < nb; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const rowBase = col + (b * OH + oh) * OW * K;
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * sh + kh * dh - pt;
        const d0 = rowBase + kh * KW * C;
        if (ih < 0 || ih >= H) {
          runs.zero(d0, OW, KW * C, K);
          continue;
        }
        const xRow = x + ((b0 + b) * H + ih) * W * C;
        if (inner1 > inner0) {
          runs.copy(xRow + (inner0 - pl) * C, d0 + inner0 * K, inner1 - inner0, KW * C, C, K);
          for (let kw = 0; kw < KW; kw++) {
            tap(xRow, d0 + kw * C, kw, 0, inner0);
            tap(xRow, d0 + kw * C, kw, inner1, OW);
          }
        } else {
          for (let kw = 0; kw < KW; kw++) tap(xRow, d0 + kw * C, kw, 0, OW);
        }
      }
    }
  }
}

/**
 * col2im of z (rows of images b0 … b0+nb−1) added into dx, whose rows of those images must be
 * zero. In the interior runs of KW·C floats (stride 1), consecutive pixels add into overlapping
 * dx ranges; the runs are done one after the other, so every term is added.
 */
export function col2imAdd(runs: Runs, z: number, g: Conv2DGeometry, b0: number, nb: number, dx: number): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = g;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, padTop: pt, padLeft: pl } = g;
  const K = KH * KW * C;
  const { lo, hi, inner0, inner1 } = columnRanges(g);
  const tap = (zRow: number, dxRow: number, kw: number, from: number, to: number) => {
    const l = Math.min(Math.max(lo[kw], from), to);
    const h = Math.min(Math.max(hi[kw], l), to);
    if (h > l) runs.add(zRow + l * K + kw * C, dxRow + (l * sw + kw * dw - pl) * C, h - l, C, K, sw * C);
  };
  for (let b = 0; b < nb; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const rowBase = z + (b * OH + oh) * OW * K;
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * sh + kh * dh - pt;
        if (ih < 0 || ih >= H) continue;
        const zRow = rowBase + kh * KW * C;
        const dxRow = dx + ((b0 + b) * H + ih) * W * C;
        if (inner1 > inner0) {
          runs.add(zRow + inner0 * K, dxRow + (inner0 - pl) * C, inner1 - inner0, KW * C, K, C);
          for (let kw = 0; kw < KW; kw++) {
            tap(zRow, dxRow, kw, 0, inner0);
            tap(zRow, dxRow, kw, inner1, OW);
          }
        } else {
          for (let kw = 0; kw < KW; kw++) tap(zRow, dxRow, kw, 0, OW);
        }
      }
    }
  }
}
