/**
 * Conv2DBackpropFilter for the cpu backend (the stock one takes ~11 s per layer and batch).
 *
 * Maths: dW[kh, kw, ci, co] = Σ_{b,oh,ow} x[b, oh·sh + kh − pt, ow·sw + kw − pl, ci] · dy[b, oh, ow, co].
 * Read with ci as the "batch", b as the "input channel" and (oh, ow) as the filter taps, this is
 * a forward convolution with stride 1 and dilation (sh, sw):
 *     dW'[ci, kh, kw, co] = Σ_{oh,ow,b} xT[ci, kh + oh·sh − pt, kw + ow·sw − pl, b] · dyT[oh, ow, b, co]
 * with xT = x transposed to [Cin, H, W, B] and dyT = dy as a filter [OH, OW, B, Cout]. It runs
 * through the blocked product of ../common/conv_gemm.ts (reduction length OH·OW·B), whose
 * output placement writes dW' straight in the [KH, KW, Cin, Cout] order.
 */
import * as tf from '@tensorflow/tfjs';
import { convGemmPacked } from '../common/conv_gemm';
import { conv2dGeometry, isChannelsLast, convAttrs, type BackpropFilterAttrs } from '../geometry';
import { CPU, output, stock, valuesF32, type BackendCpuLike } from './context';
import type { KernelArgs } from '../registry';

/** xT[c, h, w, b] = x[b, h, w, c]. */
function toChannelsFirstBatchLast(x: Float32Array, B: number, HW: number, C: number): Float32Array {
  const out = new Float32Array(B * HW * C);
  for (let b = 0; b < B; b++) {
    let s = b * HW * C;
    for (let p = 0; p < HW; p++) {
      let d = p * B + b;
      for (let c = 0; c < C; c++, d += HW * B) out[d] = x[s++];
    }
  }
  return out;
}

/**
 * dy [B, P, Cout] packed as the 4-column panels of the [P·B, Cout] matrix dyT[(p, b), co]
 * (the layout convGemmPacked expects for the filter).
 */
function packDyAsFilter(dy: Float32Array, B: number, P: number, cout: number): Float32Array {
  const K = P * B;
  const panels = Math.ceil(cout / 4);
  const wp = new Float32Array(panels * K * 4);
  for (let jp = 0; jp < panels; jp++) {
    const j0 = jp * 4;
    const nj = Math.min(4, cout - j0);
    for (let b = 0; b < B; b++) {
      for (let p = 0; p < P; p++) {
        const s = (b * P + p) * cout + j0;
        const d = (jp * K + p * B + b) * 4;
        for (let c = 0; c < nj; c++) wp[d + c] = dy[s + c];
      }
    }
  }
  return wp;
}

export function conv2DBackpropFilterCpu(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendCpuLike;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = convAttrs<BackpropFilterAttrs>(args.attrs);
  if (!isChannelsLast(attrs.dataFormat) || x.dtype !== 'float32' || dy.dtype !== 'float32') {
    return stock('Conv2DBackpropFilter', backend, args.inputs, args.attrs);
  }
  const g = conv2dGeometry(x.shape, attrs.filterShape, attrs.strides, attrs.pad, 1, attrs.dimRoundingMode);
  const { batch: B, inHeight: H, inWidth: W, inChannels: cin, outHeight: OH, outWidth: OW, outChannels: cout } = g;
  if (dy.shape[1] !== OH || dy.shape[2] !== OW || dy.shape[3] !== cout) {
    throw new Error(`Conv2DBackpropFilter: dy shape ${dy.shape} does not match the convolution (${OH}×${OW}×${cout})`);
  }
  const KH = g.filterHeight;
  const KW = g.filterWidth;
  const dw = new Float32Array(KH * KW * cin * cout);
  if (B > 0 && OH * OW > 0) {
    const xT = toChannelsFirstBatchLast(valuesF32(backend, x), B, H * W, cin);
    const wp = packDyAsFilter(valuesF32(backend, dy), B, OH * OW, cout);
    const spec = {
      batch: cin,
      inHeight: H,
      inWidth: W,
      inChannels: B,
      filterHeight: OH,
      filterWidth: OW,
      outChannels: cout,
      strideHeight: 1,
      strideWidth: 1,
      dilationHeight: g.strideHeight,
      dilationWidth: g.strideWidth,
      padTop: g.padTop,
      padLeft: g.padLeft,
      outHeight: KH,
      outWidth: KW,
    };
    // Output pixel (ci, kh, kw) → dW row (kh·KW + kw)·Cin + ci.
    convGemmPacked(xT, wp, spec, dw, { batchStride: 1, rowStride: KW * cin, colStride: cin, offset: 0 });
  }
  return output(backend, [...attrs.filterShape], dw);
}

export const conv2DBackpropFilterCpuConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: CPU,
  kernelFunc: conv2DBackpropFilterCpu as unknown as tf.KernelFunc,
};
