/**
 * LeakyRelu and its gradient for the wasm backend.
 *
 *     y  = x        for x > 0,   α·x  otherwise
 *     dx = dy       for x > 0,   α·dy otherwise   (TensorFlow's choice at x = 0)
 *
 * α is used as a float32, like the stock wasm kernel (C++ float) and the stock gradient (a float32
 * scalar). The stock forward kernel takes ~3.7 ms per 0.8M values here and the stock gradient
 * (greater + mul + where: three kernels and a bool tensor) ~5 ms; these single 4-wide SIMD
 * passes (./simd) take a fraction of that (JS fallback: ../common/elementwise.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { leakyReluGradLoop, leakyReluLoop } from '../common/elementwise';
import { alloc, heapF32, offsetOf, simd, sizeOf, stock, WASM, type BackendWasmLike } from './context';
import type { KernelArgs } from '../registry';
import { LEAKY_RELU_GRAD } from '../gradients';

export function leakyReluWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasmLike;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const alpha = (args.attrs as { alpha: number }).alpha;
  if (x.dtype !== 'float32') return stock('LeakyRelu', backend, args.inputs, args.attrs);
  const out = alloc(backend, [...x.shape]);
  const k = simd(backend);
  if (k) k.leakyRelu(offsetOf(backend, x), offsetOf(backend, out), sizeOf(x.shape), alpha);
  else leakyReluLoop(heapF32(backend, x), heapF32(backend, out), alpha, true);
  return out;
}

export function leakyReluGradWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasmLike;
  const { dy, x } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const alpha = (args.attrs as { alpha: number }).alpha;
  if (dy.dtype !== 'float32' || x.dtype !== 'float32') throw new Error(`${LEAKY_RELU_GRAD}: float32 only`);
  const out = alloc(backend, [...x.shape]);
  const k = simd(backend);
  if (k) k.leakyReluGrad(offsetOf(backend, dy), offsetOf(backend, x), offsetOf(backend, out), sizeOf(x.shape), alpha);
  else leakyReluGradLoop(heapF32(backend, dy), heapF32(backend, x), heapF32(backend, out), alpha);
  return out;
}

export const leakyReluWasmConfig: tf.KernelConfig = {
  kernelName: 'LeakyRelu',
  backendName: WASM,
  kernelFunc: leakyReluWasm as unknown as tf.KernelFunc,
};

export const leakyReluGradWasmConfig: tf.KernelConfig = {
  kernelName: LEAKY_RELU_GRAD,
  backendName: WASM,
  kernelFunc: leakyReluGradWasm as unknown as tf.KernelFunc,
};
