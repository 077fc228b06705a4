/**
 * A convolution layer and the LeakyReLU layer after it as one kernel (see model/fusion.ts, which
 * rewires the layers). GDL's network puts a LeakyReLU after every convolution but the last:
 * apart, the convolution writes its output, then the activation reads it and writes it again
 * (and the Conv2DTranspose layers add their bias in a third pass); fused, the bias and the
 * activation are applied to each output tile while it is still in registers.
 *
 *   Conv2D + LeakyReLU            y = leaky(conv(x, W) + b)
 *   Conv2DTranspose + LeakyReLU   y = leaky(convᵀ(x, W) + b)      (convᵀ = the input gradient of a conv)
 *   leaky(a) = a > 0 ? a : α·a,   α ≥ 0
 *
 * Gradients, from y alone: for α ≥ 0, y > 0 exactly when a > 0, so
 *   ∂L/∂a = dy · (y > 0 ? 1 : α)        (one pass, the LeakyRelu gradient kernel with y for a)
 * and then the layer's own gradients of a: the same kernels, in the same order, as the stock
 * gradients of the separate ops — the fused step computes the same floats as the unfused one
 * (tested bit for bit). Only what nobody asked for is skipped: tfjs' FusedConv2D gradient computes
 * the input gradient of the first layer too, whose input is the data.
 *
 * The LeakyReLU layer then passes its input on through PASS_THROUGH, which shares the data
 * (no copy) and passes the gradient back unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { LEAKY_RELU_GRAD } from './gradients';

/** Conv2D + bias + LeakyReLU: inputs {x, filter, bias}; attrs {strides, pad, alpha}. */
export const CONV2D_LEAKY_RELU = 'VaeConv2DLeakyRelu';
/** Conv2DTranspose + bias + LeakyReLU: inputs {x, filter, bias}; attrs {strides, pad, outputShape, alpha}. */
export const CONV2D_TRANSPOSE_LEAKY_RELU = 'VaeConv2DTransposeLeakyRelu';
/** y = x sharing x's data (the LeakyReLU layer after a fused convolution); gradient dy. */
export const PASS_THROUGH = 'VaePassThrough';

export interface FusedConvAttrs {
  strides: [number, number];
  pad: 'same' | 'valid';
  /** The LeakyReLU slope (≥ 0: the gradient reads the sign of y). */
  alpha: number;
}

/** leaky(conv(x, filter) + bias); filter [KH, KW, Cin, Cout], bias [Cout]. */
export function conv2dLeakyRelu(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, attrs: FusedConvAttrs): tf.Tensor4D {
  return tf.engine().runKernel(CONV2D_LEAKY_RELU, { x, filter, bias }, { ...attrs }) as tf.Tensor4D;
}

/** leaky(conv2dTranspose(x, filter, outputShape) + bias); filter [KH, KW, Cout, Cin], bias [Cout]. */
export function conv2dTransposeLeakyRelu(
  x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, attrs: FusedConvAttrs & { outputShape: [number, number, number, number] },
): tf.Tensor4D {
  return tf.engine().runKernel(CONV2D_TRANSPOSE_LEAKY_RELU, { x, filter, bias }, { ...attrs }) as unknown as tf.Tensor4D;
}

/** x itself, as a new tensor on the tape (no copy where the backend's kernel shares the data). */
export function passThrough<T extends tf.Tensor>(x: T): T {
  return tf.engine().runKernel(PASS_THROUGH, { x }) as T;
}

/** ∂L/∂a of y = leaky(a), from y: dy · (y > 0 ? 1 : α). */
function activationGradient(dy: tf.Tensor, y: tf.Tensor, alpha: number): tf.Tensor4D {
  return tf.engine().runKernel(LEAKY_RELU_GRAD, { dy, x: y }, { alpha }) as tf.Tensor4D;
}

/** The bias gradient: Σ of ∂L/∂a over batch, rows and columns (as the stock bias gradients sum it). */
function biasGradient(da: tf.Tensor4D): tf.Tensor {
  return tf.sum(da, [0, 1, 2]);
}

const NHWC = { dataFormat: 'NHWC' } as const;

/**
 * The gradient of a fused kernel: ∂L/∂a from y, then the gradients of a = layer(x, W) + b — the
 * layer's own for x and W (lazy: the tape asks only for those it needs) and Σ ∂L/∂a for b.
 */
function fusedGradient(
  kernelName: string,
  layerGradients: (da: tf.Tensor4D, x: tf.Tensor, filter: tf.Tensor, attrs: FusedConvAttrs) => { x: () => tf.Tensor; filter: () => tf.Tensor },
): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved;
      const a = attrs as unknown as FusedConvAttrs;
      const da = activationGradient(dy as tf.Tensor, y, a.alpha);
      return { ...layerGradients(da, x, filter, a), bias: () => biasGradient(da) };
    },
  };
}

const run = (kernel: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap) => tf.engine().runKernel(kernel, inputs, attrs) as tf.Tensor;

const fusedGradients: tf.GradConfig[] = [
  // The stock Conv2D gradients, for a = conv(x, W) + b.
  fusedGradient(CONV2D_LEAKY_RELU, (da, x, filter, { strides, pad }) => ({
    x: () => run('Conv2DBackpropInput', { dy: da, filter }, { strides, pad, ...NHWC, inputShape: x.shape }),
    filter: () => run('Conv2DBackpropFilter', { x, dy: da }, { strides, pad, ...NHWC, filterShape: filter.shape }),
  })),
  // The stock Conv2DBackpropInput gradients, for a = convᵀ(x, W) + b.
  fusedGradient(CONV2D_TRANSPOSE_LEAKY_RELU, (da, x, filter, { strides, pad }) => ({
    x: () => run('Conv2D', { x: da, filter }, { strides, pad, ...NHWC, dilations: 1 }),
    filter: () => run('Conv2DBackpropFilter', { x: da, dy: x }, { strides, pad, ...NHWC, filterShape: filter.shape }),
  })),
  { kernelName: PASS_THROUGH, gradFunc: (dy) => ({ x: () => (dy as tf.Tensor).clone() }) },
];

/** Registers the gradients of the fused kernels (global, like every tfjs gradient; once). */
export function installFusedGradients(): void {
  for (const config of fusedGradients) {
    if (!tf.getGradient(config.kernelName)) tf.registerGradient(config);
  }
}
