/**
 * Conv2DBackpropFilter on the native GEMM.
 *
 * Maths (./layout.ts): dW[k, co] = Σ_n col[n, k] · dy[n, co], i.e.
 *     dW[K, Cout] = colᵀ · dy      (K = KH·KW·Cin, n = (b, oh, ow))
 * with colᵀ read in place by the BLAS (transA). Over chunks of images the GEMM accumulates into
 * dW itself (β = 0 for the first chunk, 1 after), so chunking costs no extra pass.
 *
 * With the C library loaded the whole kernel is one C call (./conv_c.ts): the direct kernels of
 * ./c/direct.c when the channels fill whole vectors, else the same im2col + GEMM in ./c/conv.c;
 * the loops below are the path without it.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dGeometry, isChannelsLast, convAttrs, type BackpropFilterAttrs } from '../geometry';
import type { KernelArgs } from '../registry';
import { conv2DBackpropFilterWasm } from '../wasm/conv2d_backprop_filter';
import { alloc, free, WASM, type BackendWasmLike } from '../wasm/context';
import { sgemm } from './blas';
import { cDirectTakes, cConvBackpropFilter } from './conv_c';
import { isPointwise } from './conv2d';
import { allocZeros, at, heap, imagesPerChunk, runsFor } from './context';
import { im2col } from './layout';
import { singleChannelFilterGradient } from './single_channel';

export function conv2DBackpropFilterNative(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasmLike;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = convAttrs<BackpropFilterAttrs>(args.attrs);
  if (!isChannelsLast(attrs.dataFormat) || x.dtype !== 'float32' || dy.dtype !== 'float32') return conv2DBackpropFilterWasm(args);
  const g = conv2dGeometry(x.shape, attrs.filterShape, attrs.strides, attrs.pad, 1, attrs.dimRoundingMode);
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const cout = g.outChannels;
  const pixels = g.outHeight * g.outWidth;
  if (dy.shape[1] !== g.outHeight || dy.shape[2] !== g.outWidth || dy.shape[3] !== cout) {
    throw new Error(`Conv2DBackpropFilter: dy shape ${dy.shape} does not match the convolution (${g.outHeight}×${g.outWidth}×${cout})`);
  }
  const singleChannel = cDirectTakes(g, 'filterGradient') ? null : singleChannelFilterGradient(backend, x, dy, g, [...attrs.filterShape]);
  if (singleChannel) return singleChannel;
  const viaC = cConvBackpropFilter(backend, x, dy, g, [...attrs.filterShape]);
  if (viaC) return viaC;
  const dw = alloc(backend, [...attrs.filterShape]);
  if (K === 0 || cout === 0) return dw;
  if (g.batch === 0 || pixels === 0) {
    heap(backend).fill(0, at(backend, dw), at(backend, dw) + K * cout);
    return dw;
  }
  const direct = isPointwise(g);
  const perChunk = direct ? g.batch : imagesPerChunk(pixels * K, g.batch);
  const col = direct ? null : alloc(backend, [perChunk * pixels * K]);
  const zeros = allocZeros(backend, g.filterWidth * g.inChannels);
  const runs = runsFor(backend, zeros);
  const h = heap(backend);
  const xo = at(backend, x);
  const dyo = at(backend, dy);
  const dwo = at(backend, dw);
  const gemm = sgemm();
  for (let b0 = 0; b0 < g.batch; b0 += perChunk) {
    const nb = Math.min(perChunk, g.batch - b0);
    let a = xo + b0 * pixels * K;
    if (col) {
      im2col(runs, xo, g, b0, nb, at(backend, col));
      a = at(backend, col);
    }
    gemm(true, false, K, cout, nb * pixels, 1, h.subarray(a), K, h.subarray(dyo + b0 * pixels * cout), cout, b0 === 0 ? 0 : 1, h.subarray(dwo), cout);
  }
  free(backend, col, zeros);
  return dw;
}

export const conv2DBackpropFilterNativeConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: WASM,
  kernelFunc: conv2DBackpropFilterNative as unknown as tf.KernelFunc,
};
