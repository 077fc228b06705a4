/**
 * What our wasm kernels use of the wasm backend: tensors live in the WebAssembly heap, so a
 * kernel can read and write them through Float32Array views, allocate outputs with
 * `makeOutput`, call the stock kernels (XNNPACK convolutions and matrix products) on them and
 * free intermediates with `disposeData`.
 *
 * Two rules learnt the hard way:
 *  - a heap view is invalidated when the heap grows, i.e. by any allocation: take views after
 *    allocating everything a step needs;
 *  - the stock Conv2D/BatchMatMul cache XNNPACK operators (with packed weights) by the *id* of
 *    the filter / right-hand matrix. Never pass as weights a tensor whose memory we write later,
 *    nor one that may already have been used as weights with another shape (this aborts the
 *    wasm module): pass a fresh tensor and free it afterwards.
 */
import * as tf from '@tensorflow/tfjs';
import { runStock } from '../registry';
import { simdFor, type SimdKernels } from './simd';

export interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: tf.DataType;
  refCount: number;
}

/** The parts of tfjs-backend-wasm's BackendWasm that we use. */
export interface BackendWasmLike {
  wasm: { HEAPU8: Uint8Array; asm?: { memory?: unknown }; wasmMemory?: unknown };
  dataIdMap: { get(dataId: tf.DataId): WasmTensorData | undefined };
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

export const WASM = 'wasm';

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Byte offset of a tensor in the wasm heap. */
export function offsetOf(backend: BackendWasmLike, info: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (!data) throw new Error('wasm tensor data not found (disposed?)');
  return data.memoryOffset;
}

/** A Float32Array view of a float32 tensor in the wasm heap (valid until the next allocation). */
export function heapF32(backend: BackendWasmLike, info: tf.TensorInfo): Float32Array {
  if (info.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${info.dtype}`);
  return new Float32Array(backend.wasm.HEAPU8.buffer, offsetOf(backend, info), sizeOf(info.shape));
}

/** A new float32 tensor in the heap (contents undefined). */
export function alloc(backend: BackendWasmLike, shape: number[]): tf.TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

export function free(backend: BackendWasmLike, ...infos: (tf.TensorInfo | null | undefined)[]): void {
  for (const info of infos) if (info) backend.disposeData(info.dataId);
}

/** The same data seen with another shape, for passing to another kernel within our call. */
export function withShape(info: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/** Runs a stock wasm kernel (the one registered before ours, if we replaced it). */
export function stock(kernelName: string, backend: BackendWasmLike, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
  return runStock(kernelName, WASM, { inputs, backend, attrs });
}

/** Copies a float32 tensor (or a range of it) into a fresh tensor of `shape`. */
export function copyRange(backend: BackendWasmLike, src: tf.TensorInfo, start: number, shape: number[]): tf.TensorInfo {
  const out = alloc(backend, shape);
  const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
  const s = offsetOf(backend, src) / 4 + start;
  heap.copyWithin(offsetOf(backend, out) / 4, s, s + sizeOf(shape));
  return out;
}

/** Our SIMD loops bound to this backend's heap, or null (then use the JS loops). */
export function simd(backend: BackendWasmLike): SimdKernels | null {
  return simdFor(backend.wasm.asm?.memory ?? backend.wasm.wasmMemory ?? null);
}
