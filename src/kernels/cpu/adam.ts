/** VaeAdamStep on the cpu backend: the one-pass Adam step of ../common/adam.ts on the backend's arrays. */
import type * as tf from '@tensorflow/tfjs';
import { ADAM_STEP, adamStepLoop, type AdamStepConstants } from '../common/adam';
import type { KernelArgs } from '../registry';
import { CPU, output, valuesF32, type BackendCpuLike } from './context';

export function adamStepCpu(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as BackendCpuLike;
  const { value, m, v, grad } = args.inputs as Record<'value' | 'm' | 'v' | 'grad', tf.TensorInfo>;
  const n = valuesF32(backend, value).length;
  const [ov, om, ovv] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  adamStepLoop(valuesF32(backend, value), valuesF32(backend, m), valuesF32(backend, v), valuesF32(backend, grad), ov, om, ovv, args.attrs as unknown as AdamStepConstants);
  return [ov, om, ovv].map((values) => output(backend, [...value.shape], values));
}

export const adamStepCpuConfig: tf.KernelConfig = { kernelName: ADAM_STEP, backendName: CPU, kernelFunc: adamStepCpu as unknown as tf.KernelFunc };
