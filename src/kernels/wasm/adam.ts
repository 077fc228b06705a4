/**
 * VaeAdamStep on the wasm backend: one pass over the heap instead of ~14 kernels per variable
 * (../common/adam.ts has the maths). Inputs value, m, v, grad (float32, same shape); outputs the
 * new value, m and v as fresh tensors, which the optimiser assigns to its variables.
 */
import type * as tf from '@tensorflow/tfjs';
import { ADAM_STEP, adamStepLoop, type AdamStepConstants } from '../common/adam';
import type { KernelArgs } from '../registry';
import { alloc, heapF32, WASM, type BackendWasmLike } from './context';

export function adamStepWasm(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as BackendWasmLike;
  const { value, m, v, grad } = args.inputs as Record<'value' | 'm' | 'v' | 'grad', tf.TensorInfo>;
  const outs = [alloc(backend, [...value.shape]), alloc(backend, [...value.shape]), alloc(backend, [...value.shape])];
  // Views only after every allocation (an allocation may grow, and so detach, the heap).
  const [ov, om, ovv] = outs.map((o) => heapF32(backend, o));
  adamStepLoop(heapF32(backend, value), heapF32(backend, m), heapF32(backend, v), heapF32(backend, grad), ov, om, ovv, args.attrs as unknown as AdamStepConstants);
  return outs;
}

export const adamStepWasmConfig: tf.KernelConfig = {
  kernelName: ADAM_STEP,
  backendName: WASM,
  kernelFunc: adamStepWasm as unknown as tf.KernelFunc,
};
