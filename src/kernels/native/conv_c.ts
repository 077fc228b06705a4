/**
 * The native convolution kernels on the C library (./ckernels.ts, ./c/conv.c): the same maths as
 * ./conv2d.ts, ./conv2d_backprop_input.ts and ./conv2d_backprop_filter.ts (their headers have
 * it), done in one call per kernel with the batch's chunks on the library's threads. Each
 * function returns null when the C library is not loaded, and the caller runs its TypeScript path.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Conv2DGeometry } from '../geometry';
import { alloc, type BackendWasmLike } from '../wasm/context';
import { cKernels } from './blas';
import { C_ACTIVATION, type CKernels } from './ckernels';
import { at, heap, nativeChunkFloats, type NativeActivation } from './context';

/** The geometry as the C side reads it (its `geometry` struct, field by field). */
function geometryArray(g: Conv2DGeometry): Int32Array {
  return Int32Array.of(
    g.batch, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, g.outChannels, g.filterHeight, g.filterWidth,
    g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth, g.padTop, g.padLeft,
  );
}

/** The kernels of a convolution, as the C side numbers them (direct.c's DIRECT_* constants). */
const DIRECT_KERNEL = { forward: 0, inputGradient: 1, filterGradient: 2 } as const;

/**
 * True when the C library's direct kernels (./c/direct.c) do this convolution: then they go
 * before the one-channel SIMD kernels of ./single_channel.ts (faster, and on every core).
 */
export function cDirectTakes(g: Conv2DGeometry, kernel: keyof typeof DIRECT_KERNEL): boolean {
  const c = cKernels();
  return c !== null && c.kernels.directRoute(geometryArray(g), DIRECT_KERNEL[kernel]) === 1;
}

/**
 * A new tensor of `shape` filled by one C call, which gets the heap views of its tensors
 * (taken after the allocation); null without the C library.
 */
function viaC(
  backend: BackendWasmLike, shape: number[], kernel: string,
  call: (c: { kernels: CKernels; threads: number }, view: (t: tf.TensorInfo) => Float32Array, out: Float32Array) => number,
): tf.TensorInfo | null {
  const c = cKernels();
  if (!c) return null;
  const out = alloc(backend, shape);
  const h = heap(backend);
  const view = (t: tf.TensorInfo) => h.subarray(at(backend, t));
  if (call(c, view, view(out)) !== 0) throw new Error(`${kernel}: the C kernel could not allocate its scratch memory`);
  return out;
}

/** y = act(conv(x, w) + bias) [B, OH, OW, Cout], or null without the C library. */
export function cConvForward(
  backend: BackendWasmLike, x: tf.TensorInfo, filter: tf.TensorInfo, g: Conv2DGeometry,
  bias: tf.TensorInfo | null, activation: NativeActivation, alpha: number,
): tf.TensorInfo | null {
  return viaC(backend, [g.batch, g.outHeight, g.outWidth, g.outChannels], 'Conv2D', (c, view, y) =>
    c.kernels.conv2d(view(x), view(filter), bias ? view(bias) : null, y, geometryArray(g), C_ACTIVATION[activation], alpha, c.threads, nativeChunkFloats()),
  );
}

/**
 * dx = act(input gradient + bias) of shape `inputShape` (bias null and 'linear' for the plain
 * input gradient; else a Conv2DTranspose layer's whole forward pass), or null without the C library.
 */
export function cConvBackpropInput(
  backend: BackendWasmLike, dy: tf.TensorInfo, filter: tf.TensorInfo, g: Conv2DGeometry, inputShape: number[],
  bias: tf.TensorInfo | null = null, activation: NativeActivation = 'linear', alpha = 0,
): tf.TensorInfo | null {
  return viaC(backend, inputShape, 'Conv2DBackpropInput', (c, view, dx) =>
    c.kernels.conv2dBackpropInput(view(dy), view(filter), bias ? view(bias) : null, dx, geometryArray(g), C_ACTIVATION[activation], alpha, c.threads, nativeChunkFloats()),
  );
}

/** dW of shape `filterShape`, or null without the C library. */
export function cConvBackpropFilter(backend: BackendWasmLike, x: tf.TensorInfo, dy: tf.TensorInfo, g: Conv2DGeometry, filterShape: number[]): tf.TensorInfo | null {
  return viaC(backend, filterShape, 'Conv2DBackpropFilter', (c, view, dw) =>
    c.kernels.conv2dBackpropFilter(view(x), view(dy), dw, geometryArray(g), c.threads, nativeChunkFloats()),
  );
}
