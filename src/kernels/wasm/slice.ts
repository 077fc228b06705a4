/**
 * Slice for the wasm backend, for the contiguous case: a slice whose elements are one range of
 * the input (e.g. images i … i+n−1 of a batch, which is how `predict` cuts its batches):
 *     out[j] = x[offset + j],   offset = Σ_d begin[d]·stride[d],   j < size.
 * The stock kernel reads the input with `readSync`, which copies the whole input tensor out of
 * the heap first: slicing 1.000 images off the 10.000 MNIST test images took ~15 ms (a 31 MB
 * copy for a 3 MB result). Here it is one copy of the range inside the heap. Other slices go to
 * the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs } from '../registry';
import { offsetOf, sizeOf, stock, WASM, type BackendWasmLike } from './context';

export function sliceWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasmLike;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
  if (x.dtype === 'string' || x.dtype === 'complex64') return stock('Slice', backend, args.inputs, args.attrs);
  const [begin_, size_] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  if (!tf.slice_util.isSliceContinous(x.shape, begin_, size_)) return stock('Slice', backend, args.inputs, args.attrs);
  const bytesPerElement = tf.util.bytesPerElement(x.dtype);
  const offset = tf.slice_util.computeFlatOffset(begin_, tf.util.computeStrides(x.shape));
  const out = backend.makeOutput(size_, x.dtype);
  const n = sizeOf(size_) * bytesPerElement;
  if (n > 0) {
    // Offsets after the allocation (it may have grown the heap).
    const from = offsetOf(backend, x) + offset * bytesPerElement;
    backend.wasm.HEAPU8.copyWithin(offsetOf(backend, out), from, from + n);
  }
  return out;
}

export const sliceWasmConfig: tf.KernelConfig = {
  kernelName: 'Slice',
  backendName: WASM,
  kernelFunc: sliceWasm as unknown as tf.KernelFunc,
};
