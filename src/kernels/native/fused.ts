/**
 * The fused convolution + bias + LeakyReLU kernels of ../fused.ts on the native path: the
 * convolution kernels of ./conv2d.ts and ./conv2d_backprop_input.ts with the bias and the
 * activation applied where the output is written (in the C library's output tiles, see
 * ./c/direct.c; after the GEMM on the other routes), and the pass-through of the LeakyReLU layer,
 * which shares its input's data.
 */
import * as tf from '@tensorflow/tfjs';
import { CONV2D_LEAKY_RELU, CONV2D_TRANSPOSE_LEAKY_RELU, PASS_THROUGH, type FusedConvAttrs } from '../fused';
import { conv2dGeometry } from '../geometry';
import type { KernelArgs } from '../registry';
import { WASM, type BackendWasmLike } from '../wasm/context';
import { identityWasm } from '../wasm/identity';
import { convForward } from './conv2d';
import { convBackpropInput } from './conv2d_backprop_input';

type FusedInputs = { x: tf.TensorInfo; filter: tf.TensorInfo; bias: tf.TensorInfo };

/** The inputs, checked: float32 NHWC images, a 4-D filter and one bias per output channel. */
function fusedInputs(kernel: string, args: KernelArgs, outChannels: (filter: tf.TensorInfo) => number): FusedInputs {
  const { x, filter, bias } = args.inputs as FusedInputs;
  const ok = [x, filter, bias].every((t) => t && t.dtype === 'float32') && x.shape.length === 4 && filter.shape.length === 4;
  if (!ok || bias.shape.length !== 1 || bias.shape[0] !== outChannels(filter)) {
    throw new Error(`${kernel}: expected float32 x [B, H, W, C], filter [KH, KW, ·, ·] and bias [Cout]; got ${x?.shape} / ${filter?.shape} / ${bias?.shape}`);
  }
  return { x, filter, bias };
}

function conv2DLeakyReluNative(args: KernelArgs): tf.TensorInfo {
  const { x, filter, bias } = fusedInputs(CONV2D_LEAKY_RELU, args, (f) => f.shape[3]);
  const { strides, pad, alpha } = args.attrs as unknown as FusedConvAttrs;
  return convForward(args.backend as BackendWasmLike, x, filter, conv2dGeometry(x.shape, filter.shape, strides, pad), bias, 'leakyrelu', alpha);
}

/** The transposed convolution is the input gradient of the convolution outputShape → x.shape. */
function conv2DTransposeLeakyReluNative(args: KernelArgs): tf.TensorInfo {
  const { x, filter, bias } = fusedInputs(CONV2D_TRANSPOSE_LEAKY_RELU, args, (f) => f.shape[2]);
  const { strides, pad, alpha, outputShape } = args.attrs as unknown as FusedConvAttrs & { outputShape: number[] };
  const g = conv2dGeometry(outputShape, filter.shape, strides, pad);
  return convBackpropInput(args.backend as BackendWasmLike, x, filter, g, [...outputShape], bias, 'leakyrelu', alpha);
}

export const conv2DLeakyReluNativeConfig: tf.KernelConfig = {
  kernelName: CONV2D_LEAKY_RELU,
  backendName: WASM,
  kernelFunc: conv2DLeakyReluNative as unknown as tf.KernelFunc,
};

export const conv2DTransposeLeakyReluNativeConfig: tf.KernelConfig = {
  kernelName: CONV2D_TRANSPOSE_LEAKY_RELU,
  backendName: WASM,
  kernelFunc: conv2DTransposeLeakyReluNative as unknown as tf.KernelFunc,
};

export const passThroughNativeConfig: tf.KernelConfig = {
  kernelName: PASS_THROUGH,
  backendName: WASM,
  kernelFunc: identityWasm as unknown as tf.KernelFunc,
};
