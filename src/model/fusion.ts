/**
 * GDL's Conv2D → LeakyReLU and Conv2DTranspose → LeakyReLU pairs run as one kernel each where the
 * backend has it (kernels/fused.ts: on the native path the bias and the activation are applied
 * to the convolution's output while it is in registers, which saves two or three passes over
 * memory per layer and gives the same floats as the separate layers).
 *
 * The model does not change: same layers, names, weights, summaries and saved files. Only the
 * two layers' `call` is replaced: inside a call to one of the models built with the pairs
 * (`runFusedIn`), the convolution returns leaky(conv(x) + b) and marks it, and the LeakyReLU
 * passes a marked tensor on unchanged (anything else it activates as before). Outside them — a
 * student's `layer.apply(x)`, or a model of their own that outputs a convolution's feature maps —
 * the convolution gives its own output. Where the fused kernel is not active (other backends, no
 * C library) both layers always call their own code.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dLeakyRelu, conv2dTransposeLeakyRelu, fusedConvolutionsActive, passThrough } from '../kernels';

/** Outputs of fused convolutions: their LeakyReLU has already been applied. */
const activated = new WeakSet<tf.Tensor>();

/** Calls into models of `runFusedIn` under way (nested: the VAE calls its decoder). */
let fusedModelCalls = 0;

/**
 * Runs the fused pairs when `model` is called (apply, predict): the model must hold each pair
 * whole, the LeakyReLU being the only reader of its convolution's output. Not `execute`, which
 * may ask for a convolution's own output by name.
 */
export function runFusedIn(model: tf.LayersModel): void {
  for (const method of ['call', 'predict', 'predictOnBatch'] as const) {
    const own = (model[method] as (...args: unknown[]) => unknown).bind(model);
    (model as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      fusedModelCalls++;
      try {
        return own(...args);
      } finally {
        fusedModelCalls--;
      }
    };
  }
}

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

function pair(v: number | number[]): [number, number] {
  return Array.isArray(v) ? [v[0], v.length > 1 ? v[1] : v[0]] : [v, v];
}

/**
 * Makes `conv` (a Conv2D or Conv2DTranspose layer, already applied) and `leaky` (the LeakyReLU
 * applied to its output, its only consumer) run fused. Returns false, changing nothing, for a
 * configuration the fused kernels do not cover (dilation, channels first, an activation or no
 * bias on the convolution, a negative slope).
 */
export function fuseConvolutionWithLeakyReLU(conv: tf.layers.Layer, leaky: tf.layers.Layer): boolean {
  const kind = conv.getClassName();
  const config = conv.getConfig() as {
    strides: number | number[]; padding: string; dataFormat?: string; dilationRate?: number | number[]; activation?: string; useBias?: boolean;
  };
  const alpha = (leaky.getConfig() as { alpha?: number }).alpha ?? 0.3;
  const consumers = conv.outboundNodes.map((n) => n.outboundLayer);
  const supported =
    (kind === 'Conv2D' || kind === 'Conv2DTranspose') &&
    leaky.getClassName() === 'LeakyReLU' && consumers.length === 1 && consumers[0] === leaky &&
    (config.padding === 'same' || config.padding === 'valid') && (config.dataFormat ?? 'channelsLast') === 'channelsLast' &&
    pair(config.dilationRate ?? 1).every((d) => d === 1) && (config.activation ?? 'linear') === 'linear' && config.useBias !== false &&
    alpha >= 0;
  if (!supported) return false;
  const attrs = { strides: pair(config.strides), pad: config.padding as 'same' | 'valid', alpha };
  const convCall = conv.call.bind(conv);
  conv.call = (inputs, kwargs) => {
    const x = single(inputs);
    if (fusedModelCalls === 0 || !fusedConvolutionsActive() || x.dtype !== 'float32' || x.rank !== 4) return convCall(inputs, kwargs);
    const [kernel, bias] = conv.weights.map((w) => w.read()) as [tf.Tensor4D, tf.Tensor1D];
    const y = kind === 'Conv2D'
      ? conv2dLeakyRelu(x as tf.Tensor4D, kernel, bias, attrs)
      : conv2dTransposeLeakyRelu(x as tf.Tensor4D, kernel, bias, { ...attrs, outputShape: conv.computeOutputShape(x.shape) as [number, number, number, number] });
    activated.add(y);
    return y;
  };
  const leakyCall = leaky.call.bind(leaky);
  leaky.call = (inputs, kwargs) => {
    const x = single(inputs);
    return activated.has(x) ? passThrough(x) : leakyCall(inputs, kwargs);
  };
  return true;
}
