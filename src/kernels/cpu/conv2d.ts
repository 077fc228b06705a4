/**
 * Conv2D and FusedConv2D for the cpu backend, as a blocked matrix product
 * (../common/conv_gemm.ts): out[p, co] = Σ_k patch[p, k] · w[k, co] (+ bias[co]).
 * NCHW, non-float32 and activations other than linear/relu/leakyrelu go to the stock kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { convGemm } from '../common/conv_gemm';
import { leakyReluLoop } from '../common/elementwise';
import { conv2dGeometry, isChannelsLast, convAttrs, type Conv2DAttrs } from '../geometry';
import { CPU, gemmSpec, output, stock, valuesF32, type BackendCpuLike } from './context';
import type { KernelArgs } from '../registry';

function convolve(backend: BackendCpuLike, x: tf.TensorInfo, filter: tf.TensorInfo, attrs: Conv2DAttrs, bias: Float32Array | null): { shape: number[]; values: Float32Array } {
  const g = conv2dGeometry(x.shape, filter.shape, attrs.strides, attrs.pad, attrs.dilations ?? 1, attrs.dimRoundingMode);
  const shape = [g.batch, g.outHeight, g.outWidth, g.outChannels];
  const values = new Float32Array(shape[0] * shape[1] * shape[2] * shape[3]);
  convGemm(valuesF32(backend, x), valuesF32(backend, filter), gemmSpec(g), values, undefined, bias);
  return { shape, values };
}

export function conv2DCpu(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendCpuLike;
  const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = convAttrs<Conv2DAttrs>(args.attrs);
  if (!isChannelsLast(attrs.dataFormat) || x.dtype !== 'float32' || filter.dtype !== 'float32') {
    return stock('Conv2D', backend, args.inputs, args.attrs);
  }
  const { shape, values } = convolve(backend, x, filter, attrs, null);
  return output(backend, shape, values);
}

export function fusedConv2DCpu(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendCpuLike;
  const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const attrs = convAttrs<Conv2DAttrs>(args.attrs);
  const activation = attrs.activation ?? 'linear';
  const cout = filter!.shape[3];
  const biasOk = !bias || (bias.dtype === 'float32' && (bias.shape.length === 0 || (bias.shape.length === 1 && (bias.shape[0] === cout || bias.shape[0] === 1))));
  const simple =
    isChannelsLast(attrs.dataFormat) &&
    x!.dtype === 'float32' &&
    filter!.dtype === 'float32' &&
    biasOk &&
    !preluActivationWeights &&
    (activation === 'linear' || activation === 'relu' || activation === 'leakyrelu');
  if (!simple) return stock('FusedConv2D', backend, args.inputs, args.attrs);
  let b: Float32Array | null = null;
  if (bias) {
    const bv = valuesF32(backend, bias);
    b = bv.length === cout ? bv : new Float32Array(cout).fill(bv[0]);
  }
  const { shape, values } = convolve(backend, x!, filter!, attrs, b);
  if (activation === 'relu') {
    for (let i = 0; i < values.length; i++) if (values[i] < 0) values[i] = 0;
  } else if (activation === 'leakyrelu') {
    leakyReluLoop(values, values, attrs.leakyreluAlpha ?? 0.2);
  }
  return output(backend, shape, values);
}

export const conv2DCpuConfig: tf.KernelConfig = { kernelName: 'Conv2D', backendName: CPU, kernelFunc: conv2DCpu as unknown as tf.KernelFunc };
export const fusedConv2DCpuConfig: tf.KernelConfig = { kernelName: 'FusedConv2D', backendName: CPU, kernelFunc: fusedConv2DCpu as unknown as tf.KernelFunc };
