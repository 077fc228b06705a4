/**
 * Conv2DBackpropInput on the native GEMM: the input gradient of a convolution, and the forward
 * pass of Conv2DTranspose.
 *
 * Maths (./layout.ts): dx = col2im(z) with
 *     z[n, k] = Σ_co dy[n, co] · W[k, co],   i.e.  z[N, K] = dy · Wᵀ   (W read transposed in place),
 * one GEMM per chunk of images, whose z is scattered-added into that chunk's images of dx. No
 * multiplication by the zeros that the "dilate dy, then convolve" formulation inserts: the FLOPs
 * are those of the forward convolution. A 1×1 stride-1 unpadded convolution needs no col2im:
 * dx = dy · Wᵀ directly.
 *
 * With the C library loaded the whole kernel is one C call (./conv_c.ts): the direct kernels of
 * ./c/direct.c when the channels fill whole vectors, else the same im2col + GEMM in ./c/conv.c;
 * the loops below are the path without it.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dGeometry, isChannelsLast, convAttrs, type BackpropInputAttrs } from '../geometry';
import type { KernelArgs } from '../registry';
import { conv2DBackpropInputWasm } from '../wasm/conv2d_backprop_input';
import { alloc, free, sizeOf, WASM, type BackendWasmLike } from '../wasm/context';
import { sgemm } from './blas';
import { cDirectTakes, cConvBackpropInput } from './conv_c';
import { isPointwise } from './conv2d';
import { allocZeros, at, heap, imagesPerChunk, runsFor } from './context';
import { col2imAdd } from './layout';
import { singleChannelInputGradient } from './single_channel';

export function conv2DBackpropInputNative(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasmLike;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = convAttrs<BackpropInputAttrs>(args.attrs);
  if (!isChannelsLast(attrs.dataFormat) || dy.dtype !== 'float32' || filter.dtype !== 'float32') return conv2DBackpropInputWasm(args);
  const inputShape = [...attrs.inputShape];
  const g = conv2dGeometry(inputShape, filter.shape, attrs.strides, attrs.pad, 1, attrs.dimRoundingMode);
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const cout = g.outChannels;
  const pixels = g.outHeight * g.outWidth;
  if (dy.shape[1] !== g.outHeight || dy.shape[2] !== g.outWidth || dy.shape[3] !== cout) {
    throw new Error(`Conv2DBackpropInput: dy shape ${dy.shape} does not match the convolution (${g.outHeight}×${g.outWidth}×${cout})`);
  }
  const singleChannel = cDirectTakes(g, 'inputGradient') ? null : singleChannelInputGradient(backend, dy, filter, g, inputShape);
  if (singleChannel) return singleChannel;
  const viaC = cConvBackpropInput(backend, dy, filter, g, inputShape);
  if (viaC) return viaC;
  const dx = alloc(backend, inputShape);
  const total = sizeOf(inputShape);
  if (total === 0) return dx;
  const direct = isPointwise(g);
  const perChunk = direct ? g.batch : imagesPerChunk(pixels * K, g.batch);
  const z = direct || K === 0 || pixels === 0 ? null : alloc(backend, [perChunk * pixels * K]);
  const zeros = allocZeros(backend, g.inChannels);
  const runs = runsFor(backend, zeros);
  const h = heap(backend);
  const dxo = at(backend, dx);
  const dyo = at(backend, dy);
  const wo = at(backend, filter);
  const gemm = sgemm();
  if (direct && cout > 0) {
    gemm(false, true, g.batch * pixels, K, cout, 1, h.subarray(dyo), cout, h.subarray(wo), cout, 0, h.subarray(dxo), K);
  } else {
    h.fill(0, dxo, dxo + total);
    if (z && cout > 0) {
      for (let b0 = 0; b0 < g.batch; b0 += perChunk) {
        const nb = Math.min(perChunk, g.batch - b0);
        const zo = at(backend, z);
        gemm(false, true, nb * pixels, K, cout, 1, h.subarray(dyo + b0 * pixels * cout), cout, h.subarray(wo), cout, 0, h.subarray(zo), K);
        col2imAdd(runs, zo, g, b0, nb, dxo);
      }
    }
  }
  free(backend, z, zeros);
  return dx;
}

export const conv2DBackpropInputNativeConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: WASM,
  kernelFunc: conv2DBackpropInputNative as unknown as tf.KernelFunc,
};
