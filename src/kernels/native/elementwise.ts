/**
 * LeakyRelu, its gradient and the bias Add on the C library (./c/elementwise.c), on every core:
 * the same float32 results as the wasm SIMD kernels (../wasm/leaky_relu.ts, ../wasm/add.ts),
 * which take over for small tensors, other dtypes and shapes, and without the C library.
 * They are memory-bound (one read and one write per float); in a training step on the C
 * convolutions they were ~20% of the time, and half of decoding a grid.
 */
import * as tf from '@tensorflow/tfjs';
import { LEAKY_RELU_GRAD } from '../gradients';
import type { KernelArgs } from '../registry';
import { addWasm, biasAddOperands } from '../wasm/add';
import { alloc, sizeOf, WASM, type BackendWasmLike } from '../wasm/context';
import { leakyReluGradWasm, leakyReluWasm } from '../wasm/leaky_relu';
import { cKernels } from './blas';
import { at, heap } from './context';

/** Below this many floats (64 KB) the SIMD kernel on this thread does it: a second core gains too little. */
const C_FLOATS = 1 << 14;

/** The C library when it should take `n` floats, else null. */
function cFor(n: number) {
  return n >= C_FLOATS ? cKernels() : null;
}

function leakyReluNative(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasmLike;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const n = sizeOf(x.shape);
  const c = x.dtype === 'float32' ? cFor(n) : null;
  if (!c) return leakyReluWasm(args);
  const out = alloc(backend, [...x.shape]);
  const h = heap(backend);
  c.kernels.leakyRelu(h.subarray(at(backend, x)), h.subarray(at(backend, out)), n, (args.attrs as { alpha: number }).alpha, c.threads);
  return out;
}

function leakyReluGradNative(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasmLike;
  const { dy, x } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const n = sizeOf(x.shape);
  const c = dy.dtype === 'float32' && x.dtype === 'float32' ? cFor(n) : null;
  if (!c) return leakyReluGradWasm(args);
  const out = alloc(backend, [...x.shape]);
  const h = heap(backend);
  c.kernels.leakyReluGrad(h.subarray(at(backend, dy)), h.subarray(at(backend, x)), h.subarray(at(backend, out)), n, (args.attrs as { alpha: number }).alpha, c.threads);
  return out;
}

function addNative(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasmLike;
  const operands = biasAddOperands(args);
  const n = operands ? sizeOf(operands.big.shape) : 0;
  const c = operands ? cFor(n) : null;
  if (!c || !operands) return addWasm(args);
  const { big, bias } = operands;
  const out = alloc(backend, [...big.shape]);
  const cols = big.shape[big.shape.length - 1];
  const h = heap(backend);
  c.kernels.addBiasRows(h.subarray(at(backend, big)), h.subarray(at(backend, bias)), h.subarray(at(backend, out)), n / cols, cols, c.threads);
  return out;
}

export const leakyReluNativeConfig: tf.KernelConfig = { kernelName: 'LeakyRelu', backendName: WASM, kernelFunc: leakyReluNative as unknown as tf.KernelFunc };
export const leakyReluGradNativeConfig: tf.KernelConfig = { kernelName: LEAKY_RELU_GRAD, backendName: WASM, kernelFunc: leakyReluGradNative as unknown as tf.KernelFunc };
export const addNativeConfig: tf.KernelConfig = { kernelName: 'Add', backendName: WASM, kernelFunc: addNative as unknown as tf.KernelFunc };
