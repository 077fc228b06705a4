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
import { conv2dGeometry, isChannelsLast, convAttrs, type BackpropInputAttrs, type Conv2DGeometry } from '../geometry';
import type { KernelArgs } from '../registry';
import { conv2DBackpropInputWasm } from '../wasm/conv2d_backprop_input';
import { alloc, free, sizeOf, WASM, type BackendWasmLike } from '../wasm/context';
import { sgemm } from './blas';
import { cDirectTakes, cConvBackpropInput } from './conv_c';
import { isPointwise } from './conv2d';
import { addBiasRowsInPlace, allocZeros, applyActivation, at, heap, imagesPerChunk, runsFor, type NativeActivation } from './context';
import { col2imAdd } from './layout';
import { singleChannelInputGradient } from './single_channel';

export function conv2DBackpropInputNative(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasmLike;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = convAttrs<BackpropInputAttrs>(args.attrs);
  if (!isChannelsLast(attrs.dataFormat) || dy.dtype !== 'float32' || filter.dtype !== 'float32') return conv2DBackpropInputWasm(args);
  const inputShape = [...attrs.inputShape];
  return convBackpropInput(backend, dy, filter, conv2dGeometry(inputShape, filter.shape, attrs.strides, attrs.pad, 1, attrs.dimRoundingMode), inputShape);
}

/**
 * dx = act(input gradient of the convolution `g` for dy + bias) into a new tensor of
 * `inputShape`: with bias null and 'linear' the plain input gradient, else the forward pass of a
 * Conv2DTranspose layer with its bias and activation (../fused.ts), in the C call when the C
 * library is loaded, else in place after the one-channel SIMD kernel or the GEMM loops.
 */
export function convBackpropInput(
  backend: BackendWasmLike, dy: tf.TensorInfo, filter: tf.TensorInfo, g: Conv2DGeometry, inputShape: number[],
  bias: tf.TensorInfo | null = null, activation: NativeActivation = 'linear', alpha = 0,
): tf.TensorInfo {
  if (dy.shape[1] !== g.outHeight || dy.shape[2] !== g.outWidth || dy.shape[3] !== g.outChannels) {
    throw new Error(`Conv2DBackpropInput: dy shape ${dy.shape} does not match the convolution (${g.outHeight}×${g.outWidth}×${g.outChannels})`);
  }
  let dx = cDirectTakes(g, 'inputGradient') ? null : singleChannelInputGradient(backend, dy, filter, g, inputShape);
  if (!dx) {
    const viaC = cConvBackpropInput(backend, dy, filter, g, inputShape, bias, activation, alpha);
    if (viaC) return viaC;
    dx = gemmInputGradient(backend, dy, filter, g, inputShape);
  }
  const dxo = at(backend, dx);
  if (bias && g.inChannels > 0) addBiasRowsInPlace(backend, dxo, sizeOf(inputShape) / g.inChannels, g.inChannels, at(backend, bias));
  applyActivation(backend, dxo, sizeOf(inputShape), activation, alpha);
  return dx;
}

/** The input gradient without the C library: BLAS GEMMs dy·Wᵀ and col2im. */
function gemmInputGradient(backend: BackendWasmLike, dy: tf.TensorInfo, filter: tf.TensorInfo, g: Conv2DGeometry, inputShape: number[]): tf.TensorInfo {
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const cout = g.outChannels;
  const pixels = g.outHeight * g.outWidth;
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
