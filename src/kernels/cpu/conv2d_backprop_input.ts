/**
 * Conv2DBackpropInput for the cpu backend (input gradient of Conv2D; forward pass of
 * Conv2DTranspose). As in ../wasm/conv2d_backprop_input.ts, dx is split into stride_h·stride_w
 * phases, each an exact stride-1 convolution of dy with a flipped sub-filter (../geometry.ts,
 * equation (2)); each phase runs through the blocked product of ../common/conv_gemm.ts and
 * writes its rows straight into their interleaved places in dx.
 * With ≤ 2 dx channels (Conv2DTranspose to one channel, the first layer's input gradient) the
 * 4-wide blocks would be mostly padding; then z = dy · wᵀ (a 1×1 convolution through the same
 * product) and dx = col2im(z), as in ../wasm/conv2d_backprop_input.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { convGemm, convGemmPacked, packColumns } from '../common/conv_gemm';
import { col2im } from '../common/layout';
import { conv2dGeometry, isChannelsLast, phaseFilter, transposedPhases, convAttrs, type BackpropInputAttrs } from '../geometry';
import { CPU, output, stock, valuesF32, type BackendCpuLike } from './context';
import type { KernelArgs } from '../registry';

export function conv2DBackpropInputCpu(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendCpuLike;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = convAttrs<BackpropInputAttrs>(args.attrs);
  if (!isChannelsLast(attrs.dataFormat) || dy.dtype !== 'float32' || filter.dtype !== 'float32') {
    return stock('Conv2DBackpropInput', backend, args.inputs, args.attrs);
  }
  const inputShape = [...attrs.inputShape];
  const g = conv2dGeometry(inputShape, filter.shape, attrs.strides, attrs.pad, 1, attrs.dimRoundingMode);
  const [B, H, W, cin] = inputShape;
  const [OH, OW, cout] = [dy.shape[1], dy.shape[2], dy.shape[3]];
  if (OH !== g.outHeight || OW !== g.outWidth || cout !== g.outChannels) {
    throw new Error(`Conv2DBackpropInput: dy shape ${dy.shape} does not match the convolution (${g.outHeight}×${g.outWidth}×${g.outChannels})`);
  }
  const sh = g.strideHeight;
  const sw = g.strideWidth;
  const w = valuesF32(backend, filter);
  const dyv = valuesF32(backend, dy);
  if (cin <= 2) {
    const K = g.filterHeight * g.filterWidth * cin;
    const wT = new Float32Array(cout * K);
    for (let k = 0; k < K; k++) for (let co = 0; co < cout; co++) wT[co * K + k] = w[k * cout + co];
    const z = new Float32Array(B * OH * OW * K);
    const spec = {
      batch: B, inHeight: OH, inWidth: OW, inChannels: cout, filterHeight: 1, filterWidth: 1, outChannels: K,
      strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0, outHeight: OH, outWidth: OW,
    };
    convGemm(dyv, wT, spec, z);
    const out = new Float32Array(B * H * W * cin);
    col2im(z, g, out);
    return output(backend, inputShape, out);
  }
  const dx = new Float32Array(B * H * W * cin); // phases that no tap reaches stay zero
  for (const rows of transposedPhases(H, OH, g.filterHeight, sh, g.padTop)) {
    for (const cols of transposedPhases(W, OW, g.filterWidth, sw, g.padLeft)) {
      if (rows.count === 0 || cols.count === 0 || rows.taps === 0 || cols.taps === 0) continue;
      const sub = phaseFilter(w, filter.shape, rows, cols, sh, sw, new Float32Array(rows.taps * cols.taps * cout * cin));
      const spec = {
        batch: B,
        inHeight: OH,
        inWidth: OW,
        inChannels: cout,
        filterHeight: rows.taps,
        filterWidth: cols.taps,
        outChannels: cin,
        strideHeight: 1,
        strideWidth: 1,
        dilationHeight: 1,
        dilationWidth: 1,
        padTop: rows.padBefore,
        padLeft: cols.padBefore,
        outHeight: rows.count,
        outWidth: cols.count,
      };
      // Output pixel (b, t, u) of the phase is dx pixel (b, ph + sh·t, pw + sw·u).
      const place = { batchStride: H * W, rowStride: sh * W, colStride: sw, offset: rows.phase * W + cols.phase };
      convGemmPacked(dyv, packColumns(sub, rows.taps * cols.taps * cout, cin), spec, dx, place);
    }
  }
  return output(backend, inputShape, dx);
}

export const conv2DBackpropInputCpuConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: CPU,
  kernelFunc: conv2DBackpropInputCpu as unknown as tf.KernelFunc,
};
