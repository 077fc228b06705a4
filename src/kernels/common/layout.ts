/**
 * Data-movement loops of the convolution kernels (plain JS over Float32Array views).
 */
import type { Conv2DGeometry } from '../geometry';

/** Valid output-column range [lo, hi) for filter column kw: 0 ≤ ow·s + kw·d − p < size. */
export function validRange(size: number, outSize: number, stride: number, offset: number): [number, number] {
  // offset = kw·d − p; need 0 ≤ ow·stride + offset ≤ size − 1.
  const lo = Math.max(0, Math.ceil(-offset / stride));
  const hi = Math.min(outSize, Math.floor((size - 1 - offset) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * Transposed im2col of images b0 … b0+nb−1 of x [B, H, W, C]:
 *     colT[(kh·KW + kw)·C + ci, n] = x[b, oh·sh + kh·dh − pt, ow·sw + kw·dw − pl, ci]   (0 outside)
 * with n = ((b − b0)·OH + oh)·OW + ow, so that the filter gradient is the plain product
 *     dW[KH·KW·C, Cout] = colT · dy[n, Cout].
 * Loop order: one output row (b, oh) at a time, so the x row being read stays in L1 and the
 * KH·KW·C output rows advance together.
 */
export function im2colTransposed(x: Float32Array, g: Conv2DGeometry, b0: number, nb: number, dst: Float32Array): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = g;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, padTop: pt, padLeft: pl } = g;
  const nc = nb * OH * OW;
  const lo = new Int32Array(KW);
  const hi = new Int32Array(KW);
  for (let kw = 0; kw < KW; kw++) [lo[kw], hi[kw]] = validRange(W, OW, sw, kw * dw - pl);
  const step = sw * C;
  for (let b = 0; b < nb; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const n0 = (b * OH + oh) * OW;
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * sh + kh * dh - pt;
        const rowOk = ih >= 0 && ih < H;
        const xRow = ((b0 + b) * H + ih) * W * C;
        for (let kw = 0; kw < KW; kw++) {
          const rBase = (kh * KW + kw) * C;
          const l = rowOk ? lo[kw] : OW;
          const h = rowOk ? hi[kw] : OW;
          for (let ci = 0; ci < C; ci++) {
            const d = (rBase + ci) * nc + n0;
            for (let ow = 0; ow < l; ow++) dst[d + ow] = 0;
            let s = xRow + (l * sw + kw * dw - pl) * C + ci;
            for (let ow = l; ow < h; ow++, s += step) dst[d + ow] = x[s];
            for (let ow = h; ow < OW; ow++) dst[d + ow] = 0;
          }
        }
      }
    }
  }
}

/**
 * Writes one phase of a strided transposed convolution into dx [B, H, W, C]:
 *     dx[b, ph + sh·t, pw + sw·u, :] = part[b, t, u, :]   for part [B, T, U, C].
 */
export function scatterPhase(
  part: Float32Array,
  dx: Float32Array,
  dims: { batch: number; height: number; width: number; channels: number },
  t: number,
  u: number,
  ph: number,
  pw: number,
  sh: number,
  sw: number,
): void {
  const { batch: B, height: H, width: W, channels: C } = dims;
  let s = 0;
  const step = sw * C;
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < t; i++) {
      let d = ((b * H + ph + sh * i) * W + pw) * C;
      if (C === 1) {
        for (let j = 0; j < u; j++, d += step) dx[d] = part[s++];
      } else {
        for (let j = 0; j < u; j++, d += step) {
          for (let c = 0; c < C; c++) dx[d + c] = part[s + c];
          s += C;
        }
      }
    }
  }
}

/** Zeroes the positions of phase (ph, pw) of dx [B, H, W, C] (a phase that no tap reaches). */
export function zeroPhase(
  dx: Float32Array,
  dims: { batch: number; height: number; width: number; channels: number },
  t: number,
  u: number,
  ph: number,
  pw: number,
  sh: number,
  sw: number,
): void {
  const { batch: B, height: H, width: W, channels: C } = dims;
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < t; i++) {
      let d = ((b * H + ph + sh * i) * W + pw) * C;
      for (let j = 0; j < u; j++, d += sw * C) dx.fill(0, d, d + C);
    }
  }
}

/** out = transpose of a row-major [rows, cols] matrix (out is [cols, rows]). */
export function transpose2d(src: Float32Array, rows: number, cols: number, out: Float32Array): void {
  const blk = 32;
  for (let r0 = 0; r0 < rows; r0 += blk) {
    const r1 = Math.min(rows, r0 + blk);
    for (let c0 = 0; c0 < cols; c0 += blk) {
      const c1 = Math.min(cols, c0 + blk);
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) out[c * rows + r] = src[r * cols + c];
      }
    }
  }
}

/**
 * col2im, the adjoint of im2col (col[n, (kh·KW + kw)·C + ci] = x[b, ih, iw, ci]): dx = 0, then for every output pixel n = (b, oh, ow) and tap
 *     dx[b, oh·sh + kh·dh − pt, ow·sw + kw·dw − pl, ci] += z[n, (kh·KW + kw)·C + ci]   (inside only)
 * With z = dy · Wᵀ this is the input gradient of the convolution.
 */
export function col2im(z: Float32Array, g: Conv2DGeometry, dx: Float32Array): void {
  const { batch: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = g;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, padTop: pt, padLeft: pl } = g;
  dx.fill(0);
  let o = 0;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * sh + kh * dh - pt;
          const rowOk = ih >= 0 && ih < H;
          for (let kw = 0; kw < KW; kw++, o += C) {
            const iw = ow * sw + kw * dw - pl;
            if (!rowOk || iw < 0 || iw >= W) continue;
            const d = ((b * H + ih) * W + iw) * C;
            for (let c = 0; c < C; c++) dx[d + c] += z[o + c];
          }
        }
      }
    }
  }
}
