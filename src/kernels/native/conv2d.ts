/**
 * Conv2D and FusedConv2D (bias + linear / relu / leakyrelu) on the native GEMM.
 *
 * Maths (./layout.ts): with the filter [KH, KW, Cin, Cout] read as the row-major matrix
 * W[K, Cout], K = KH·KW·Cin (that is its memory layout: no repacking),
 *     y[n, co] = Σ_k col[n, k] · W[k, co] (+ bias[co]),   n = (b, oh, ow),
 * one GEMM [N×K]·[K×Cout] per chunk of images, written straight into y (NHWC is [N, Cout]).
 * The bias is copied into y's rows first and the GEMM adds to it (β = 1). A 1×1 stride-1
 * unpadded convolution needs no im2col: col is x itself.
 *
 * With the C library loaded the whole kernel is one C call (./conv_c.ts): the direct kernels of
 * ./c/direct.c when the channels fill whole vectors, else the same im2col + GEMM in ./c/conv.c;
 * the loops below are the path without it.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dGeometry, isChannelsLast, type Conv2DGeometry, convAttrs, type Conv2DAttrs } from '../geometry';
import type { KernelArgs } from '../registry';
import { alloc, free, sizeOf, stock, WASM, type BackendWasmLike } from '../wasm/context';
import { sgemm } from './blas';
import { cDirectTakes, cConvForward } from './conv_c';
import { allocZeros, applyActivation, at, heap, imagesPerChunk, nativeActivation, runsFor, type NativeActivation } from './context';
import { im2col } from './layout';
import { singleChannelForward } from './single_channel';

/** True when col = x (1×1 filter, stride 1, no padding). */
export function isPointwise(g: Conv2DGeometry): boolean {
  return g.filterHeight === 1 && g.filterWidth === 1 && g.strideHeight === 1 && g.strideWidth === 1 && g.padTop === 0 && g.padLeft === 0 && g.outHeight === g.inHeight && g.outWidth === g.inWidth;
}

/** y = act(conv(x, w) + bias) into a new tensor [B, OH, OW, Cout]. */
export function convForward(
  backend: BackendWasmLike,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: Conv2DGeometry,
  bias: tf.TensorInfo | null,
  activation: NativeActivation,
  alpha: number,
): tf.TensorInfo {
  const singleChannel = cDirectTakes(g, 'forward') ? null : singleChannelForward(backend, x, filter, g, bias, activation, alpha);
  if (singleChannel) return singleChannel;
  const viaC = cConvForward(backend, x, filter, g, bias, activation, alpha);
  if (viaC) return viaC;
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const cout = g.outChannels;
  const pixels = g.outHeight * g.outWidth;
  const y = alloc(backend, [g.batch, g.outHeight, g.outWidth, cout]);
  const n = g.batch * pixels;
  if (n === 0 || cout === 0) return y;
  const direct = isPointwise(g);
  const perChunk = direct ? g.batch : imagesPerChunk(pixels * K, g.batch);
  const col = direct || K === 0 ? null : alloc(backend, [perChunk * pixels * K]);
  const zeros = allocZeros(backend, Math.max(g.filterWidth * g.inChannels, cout));
  // Every allocation is done: heap offsets and views are stable until we return.
  const runs = runsFor(backend, zeros);
  const h = heap(backend);
  const xo = at(backend, x);
  const wo = at(backend, filter);
  const yo = at(backend, y);
  const gemm = sgemm();
  for (let b0 = 0; b0 < g.batch; b0 += perChunk) {
    const nb = Math.min(perChunk, g.batch - b0);
    const rows = nb * pixels;
    const yc = yo + b0 * pixels * cout;
    if (bias) runs.copy(at(backend, bias), yc, rows, cout, 0, cout);
    if (K === 0) {
      if (!bias) runs.zero(yc, rows, cout, cout);
      continue;
    }
    let a = xo + b0 * pixels * K;
    if (col) {
      im2col(runs, xo, g, b0, nb, at(backend, col));
      a = at(backend, col);
    }
    gemm(false, false, rows, cout, K, 1, h.subarray(a), K, h.subarray(wo), cout, bias ? 1 : 0, h.subarray(yc), cout);
  }
  applyActivation(backend, yo, n * cout, activation, alpha);
  free(backend, col, zeros);
  return y;
}

function geometryOf(x: tf.TensorInfo, filter: tf.TensorInfo, attrs: Conv2DAttrs): Conv2DGeometry {
  return conv2dGeometry(x.shape, filter.shape, attrs.strides, attrs.pad, attrs.dilations ?? 1, attrs.dimRoundingMode);
}

export function conv2DNative(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasmLike;
  const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = convAttrs<Conv2DAttrs>(args.attrs);
  if (!isChannelsLast(attrs.dataFormat) || x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4) {
    return stock('Conv2D', backend, args.inputs, args.attrs);
  }
  return convForward(backend, x, filter, geometryOf(x, filter, attrs), null, 'linear', 0);
}

export function fusedConv2DNative(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasmLike;
  const { x, filter, bias, preluActivationWeights } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
  const attrs = convAttrs<Conv2DAttrs>(args.attrs);
  const activation = nativeActivation(attrs.activation);
  const cout = filter.shape[3];
  const biasOk = !bias || (bias.dtype === 'float32' && sizeOf(bias.shape) === cout);
  if (!activation || preluActivationWeights || !biasOk || !isChannelsLast(attrs.dataFormat) || x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4) {
    return stock('FusedConv2D', backend, args.inputs, args.attrs);
  }
  return convForward(backend, x, filter, geometryOf(x, filter, attrs), bias ?? null, activation, attrs.leakyreluAlpha ?? 0.2);
}

export const conv2DNativeConfig: tf.KernelConfig = {
  kernelName: 'Conv2D',
  backendName: WASM,
  kernelFunc: conv2DNative as unknown as tf.KernelFunc,
};

export const fusedConv2DNativeConfig: tf.KernelConfig = {
  kernelName: 'FusedConv2D',
  backendName: WASM,
  kernelFunc: fusedConv2DNative as unknown as tf.KernelFunc,
};
