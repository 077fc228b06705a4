/**
 * Conv2DBackpropInput for the wasm backend: the input gradient of a convolution, and the
 * forward pass of Conv2DTranspose. The stock kernel is a plain loop (~10× slower than the
 * XNNPACK Conv2D); this one is made of XNNPACK convolutions.
 *
 * Maths (../geometry.ts, equation (2)): with stride s the rows of dx split into s phases
 * ph = 0 … s−1; phase ph is an ordinary stride-1 convolution of dy with a flipped sub-filter
 * holding only the taps k ≡ ph + pt (mod s). So dx is s_h·s_w exact stride-1 convolutions (for
 * 3×3, stride 2: sub-filters 2×2, 2×1, 1×2, 1×1 — no multiplication by the zeros that the
 * "dilate dy then convolve" formulation inserts), whose outputs are interleaved into dx.
 * With stride 1 it is a single convolution with the filter flipped and its channels swapped,
 *     dx = conv(dy, w'),  w'[a, b, co, ci] = w[KH−1−a, KW−1−b, ci, co],  pad' = K−1−pad.
 * When dx has very few channels (Conv2DTranspose to one channel, or the first layer's input
 * gradient) XNNPACK's convolution is inefficient (one output channel); then
 *     z[N, KH·KW·Cin] = dy[N, Cout] · wᵀ[Cout, KH·KW·Cin],   dx = col2im(z)
 * (a well-shaped matrix product, then a scatter-add of KH·KW·Cin values per output pixel).
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dGeometry, isChannelsLast, phaseFilter, transposedPhases, type Conv2DGeometry, type TransposedPhase, convAttrs, type BackpropInputAttrs } from '../geometry';
import { col2im, scatterPhase, zeroPhase } from '../common/layout';
import { alloc, free, heapF32, offsetOf, simd, sizeOf, stock, WASM, withShape, type BackendWasmLike } from './context';
import type { KernelArgs } from '../registry';

/** Up to this many dx channels, the matrix product + col2im route is used (measured faster for 1 and 2). */
export const backpropInputOptions = { smallInChannels: 2 };

/** dx = col2im(dy · wᵀ) (few dx channels). */
function viaCol2im(backend: BackendWasmLike, dy: tf.TensorInfo, w: Float32Array, g: Conv2DGeometry, inputShape: number[]): tf.TensorInfo {
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const cout = g.outChannels;
  const n = g.batch * g.outHeight * g.outWidth;
  const wT = alloc(backend, [cout, K]);
  const wt = heapF32(backend, wT);
  for (let kk = 0; kk < K; kk++) for (let co = 0; co < cout; co++) wt[co * K + kk] = w[kk * cout + co];
  const z = stock('BatchMatMul', backend, { a: withShape(dy, [n, cout]), b: wT }, { transposeA: false, transposeB: false });
  free(backend, wT);
  const dx = alloc(backend, inputShape);
  col2im(heapF32(backend, z), g, heapF32(backend, dx));
  free(backend, z);
  return dx;
}

/**
 * One phase: conv(dy cropped/padded, sub-filter) → [B, rows.count, cols.count, Cin], or null when
 * the phase reads only padding (its dx positions are zero).
 */
function phaseConv(
  backend: BackendWasmLike,
  dy: tf.TensorInfo,
  w: Float32Array,
  filterShape: number[],
  rows: TransposedPhase,
  cols: TransposedPhase,
  sh: number,
  sw: number,
): tf.TensorInfo | null {
  const [B, OH, OW, cout] = dy.shape;
  const cin = filterShape[2];
  // Negative padding = rows of dy that this phase never reads: crop them.
  const r0 = Math.max(0, -rows.padBefore);
  const r1 = OH - Math.max(0, -rows.padAfter);
  const c0 = Math.max(0, -cols.padBefore);
  const c1 = OW - Math.max(0, -cols.padAfter);
  if (r1 <= r0 || c1 <= c0) return null;
  const cropped = r0 > 0 || c0 > 0 || r1 < OH || c1 < OW;
  const src = cropped ? stock('Slice', backend, { x: dy }, { begin: [0, r0, c0, 0], size: [B, r1 - r0, c1 - c0, cout] }) : dy;
  const f = alloc(backend, [rows.taps, cols.taps, cout, cin]);
  phaseFilter(w, filterShape, rows, cols, sh, sw, heapF32(backend, f));
  const pad: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [Math.max(0, rows.padBefore), Math.max(0, rows.padAfter)],
    [Math.max(0, cols.padBefore), Math.max(0, cols.padAfter)],
    [0, 0],
  ];
  const out = stock('Conv2D', backend, { x: src, filter: f }, { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1] });
  free(backend, f);
  if (cropped) free(backend, src);
  if (out.shape[1] !== rows.count || out.shape[2] !== cols.count) {
    free(backend, out);
    throw new Error(`Conv2DBackpropInput phase has shape ${out.shape}, expected ${rows.count}×${cols.count}`);
  }
  return out;
}

export function conv2DBackpropInputWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasmLike;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = convAttrs<BackpropInputAttrs>(args.attrs);
  if (!isChannelsLast(attrs.dataFormat)) {
    throw new Error(`wasm Conv2DBackpropInput supports only NHWC, got ${attrs.dataFormat}`);
  }
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') throw new Error('wasm Conv2DBackpropInput: float32 only');
  const inputShape = [...attrs.inputShape];
  const g = conv2dGeometry(inputShape, filter.shape, attrs.strides, attrs.pad, 1, attrs.dimRoundingMode);
  if (dy.shape[1] !== g.outHeight || dy.shape[2] !== g.outWidth || dy.shape[3] !== g.outChannels) {
    throw new Error(`Conv2DBackpropInput: dy shape ${dy.shape} does not match the convolution (${g.outHeight}×${g.outWidth}×${g.outChannels})`);
  }
  if (sizeOf(inputShape) === 0) return alloc(backend, inputShape);
  const sh = g.strideHeight;
  const sw = g.strideWidth;
  const rowPhases = transposedPhases(g.inHeight, g.outHeight, g.filterHeight, sh, g.padTop);
  const colPhases = transposedPhases(g.inWidth, g.outWidth, g.filterWidth, sw, g.padLeft);
  // The filter is small: copy it out of the heap (heap views die at the next allocation).
  const w = heapF32(backend, filter).slice();
  const dims = { batch: g.batch, height: g.inHeight, width: g.inWidth, channels: g.inChannels };
  if (g.inChannels <= backpropInputOptions.smallInChannels) return viaCol2im(backend, dy, w, g, inputShape);
  if (sh === 1 && sw === 1) {
    const out = phaseConv(backend, dy, w, filter.shape, rowPhases[0], colPhases[0], 1, 1);
    if (out) return { dataId: out.dataId, shape: inputShape, dtype: 'float32' };
    const zeros = alloc(backend, inputShape);
    heapF32(backend, zeros).fill(0);
    return zeros;
  }
  const dx = alloc(backend, inputShape);
  for (const rows of rowPhases) {
    for (const cols of colPhases) {
      if (rows.count === 0 || cols.count === 0) continue;
      const part = rows.taps > 0 && cols.taps > 0 ? phaseConv(backend, dy, w, filter.shape, rows, cols, sh, sw) : null;
      if (part) {
        const k = simd(backend);
        if (k) {
          // dx[b, ph + sh·t, pw + sw·u, :] = part[b, t, u, :]: one strided copy per (b, t).
          const len = g.inChannels * 4;
          const partOff = offsetOf(backend, part);
          const dxOff = offsetOf(backend, dx);
          for (let b = 0; b < g.batch; b++) {
            for (let t = 0; t < rows.count; t++) {
              const src = partOff + (b * rows.count + t) * cols.count * len;
              const dst = dxOff + ((b * g.inHeight + rows.phase + sh * t) * g.inWidth + cols.phase) * len;
              k.copy2d(src, dst, cols.count, len, len, sw * len);
            }
          }
        } else {
          scatterPhase(heapF32(backend, part), heapF32(backend, dx), dims, rows.count, cols.count, rows.phase, cols.phase, sh, sw);
        }
        free(backend, part);
      } else {
        zeroPhase(heapF32(backend, dx), dims, rows.count, cols.count, rows.phase, cols.phase, sh, sw);
      }
    }
  }
  return dx;
}

export const conv2DBackpropInputWasmConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: WASM,
  kernelFunc: conv2DBackpropInputWasm as unknown as tf.KernelFunc,
};
