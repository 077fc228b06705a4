/**
 * VaeAdamStep on the wasm backend: one pass over the heap instead of ~14 kernels per variable
 * (../common/adam.ts has the maths). Inputs value, m, v, grad (float32, same shape); outputs the
 * new value, m and v as fresh tensors, which the optimiser assigns to its variables. The pass is
 * the SIMD loop of ./simd (~0.05 ms for the 36.864 floats of a 3×3×64×64 filter, against ~1 ms
 * for the JS loop), or the JS loop without it; both are bit-identical to tf.train.adam.
 */
import type * as tf from '@tensorflow/tfjs';
import { ADAM_STEP, adamStepLoop, type AdamStepConstants } from '../common/adam';
import type { KernelArgs } from '../registry';
import { alloc, heapF32, offsetOf, simd, sizeOf, WASM, type BackendWasmLike } from './context';

export function adamStepWasm(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as BackendWasmLike;
  const { value, m, v, grad } = args.inputs as Record<'value' | 'm' | 'v' | 'grad', tf.TensorInfo>;
  const outs = [alloc(backend, [...value.shape]), alloc(backend, [...value.shape]), alloc(backend, [...value.shape])];
  const k = args.attrs as unknown as AdamStepConstants;
  const loops = simd(backend);
  if (loops) {
    const [value0, m0, v0, grad0, ...out0] = [value, m, v, grad, ...outs].map((t) => offsetOf(backend, t));
    loops.adamStep(value0, m0, v0, grad0, out0[0], out0[1], out0[2], sizeOf(value.shape), k.beta1, k.beta2, 1 - k.beta1, 1 - k.beta2, k.c1, k.c2, k.epsilon, -k.learningRate);
    return outs;
  }
  // Views only after every allocation (an allocation may grow, and so detach, the heap).
  const [ov, om, ovv] = outs.map((o) => heapF32(backend, o));
  adamStepLoop(heapF32(backend, value), heapF32(backend, m), heapF32(backend, v), heapF32(backend, grad), ov, om, ovv, k);
  return outs;
}

export const adamStepWasmConfig: tf.KernelConfig = {
  kernelName: ADAM_STEP,
  backendName: WASM,
  kernelFunc: adamStepWasm as unknown as tf.KernelFunc,
};
