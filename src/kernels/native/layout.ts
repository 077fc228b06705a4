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

/** im2col of images b0 … b0+nb−1 (x and col are float offsets in the heap). */
export function im2col(runs: Runs, x: number, g: Conv2DGeometry, b0: number, nb: number, col: number): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = g;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, padTop: pt, padLeft: pl } = g;
  const K = KH * KW * C;
  const lo: number[] = [];
  const hi: number[] = [];
  for (let kw = 0; kw < KW; kw++) [lo[kw], hi[kw]] = validRange(W, OW, sw, kw * dw - pl);
  for (let b = 0; b < nb; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const rowBase = col + (b * OH + oh) * OW * K;
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * sh + kh * dh - pt;
        const inside = ih >= 0 && ih < H;
        const xRow = x + ((b0 + b) * H + ih) * W * C;
        for (let kw = 0; kw < KW; kw++) {
          const d = rowBase + (kh * KW + kw) * C;
          if (!inside) {
            runs.zero(d, OW, C, K);
            continue;
          }
          const l = lo[kw];
          const h = hi[kw];
          if (l > 0) runs.zero(d, l, C, K);
          if (h > l) runs.copy(xRow + (l * sw + kw * dw - pl) * C, d + l * K, h - l, C, sw * C, K);
          if (h < OW) runs.zero(d + h * K, OW - h, C, K);
        }
      }
    }
  }
}

/** col2im of z (rows of images b0 … b0+nb−1) added into dx, whose rows of those images must be zero. */
export function col2imAdd(runs: Runs, z: number, g: Conv2DGeometry, b0: number, nb: number, dx: number): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = g;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, padTop: pt, padLeft: pl } = g;
  const K = KH * KW * C;
  const lo: number[] = [];
  const hi: number[] = [];
  for (let kw = 0; kw < KW; kw++) [lo[kw], hi[kw]] = validRange(W, OW, sw, kw * dw - pl);
  for (let b = 0; b < nb; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const rowBase = z + (b * OH + oh) * OW * K;
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * sh + kh * dh - pt;
        if (ih < 0 || ih >= H) continue;
        const dxRow = dx + ((b0 + b) * H + ih) * W * C;
        for (let kw = 0; kw < KW; kw++) {
          const l = lo[kw];
          const h = hi[kw];
          if (h > l) runs.add(rowBase + l * K + (kh * KW + kw) * C, dxRow + (l * sw + kw * dw - pl) * C, h - l, C, K, sw * C);
        }
      }
    }
  }
}
