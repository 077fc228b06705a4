/**
 * The digit classifier's network: a small CNN of stock tfjs layers (no pooling: stride-2
 * convolutions downsample, so every gradient it needs has a kernel on wasm).
 *
 *   classifier_input   28×28×1
 *   classifier_conv_0  3×3, 16, stride 1, ReLU → 28×28×16
 *   classifier_conv_1  3×3, 32, stride 2, ReLU → 14×14×32
 *   classifier_conv_2  3×3, 32, stride 1, ReLU → 14×14×32
 *   classifier_conv_3  3×3, 64, stride 2, ReLU → 7×7×64
 *   classifier_flatten → classifier_dense (10 logits)
 *   classifier_output  softmax: p_k = exp(logit_k) / Σ_j exp(logit_j)
 *
 * 63,914 weights (250 KiB in float32), about 3.7 million multiply-adds per image. The saved model (`model`) outputs probabilities; training
 * uses `logits`, the same layers without the softmax, for a numerically stable cross-entropy.
 * No dropout layer: tfjs' seeded dropout draws the same mask at every step; the regulariser is
 * the random shifts of the training images instead (see train.ts).
 */
import * as tf from '@tensorflow/tfjs';

/** Input image shape (height, width, channels): MNIST as `loadMnist()` gives it, pixels in [0, 1]. */
export const CLASSIFIER_INPUT_SHAPE: readonly [28, 28, 1] = [28, 28, 1];
/** Number of classes (digits 0–9). */
export const NUM_CLASSES = 10;
/** Filters and strides of the convolutions, in order. */
export const CLASSIFIER_CONVS: readonly { filters: number; strides: number }[] = [
  { filters: 16, strides: 1 },
  { filters: 32, strides: 2 },
  { filters: 32, strides: 1 },
  { filters: 64, strides: 2 },
];

/** The network twice over the same layers: probabilities (saved) and logits (trained). */
export interface ClassifierNetwork {
  /** x → p (softmax), what is saved and what `classifyDigits` runs. */
  model: tf.LayersModel;
  /** x → logits, for the cross-entropy while training. */
  logits: tf.LayersModel;
}

/** glorot_uniform like Keras, seeded per layer when a seed is given. */
function kernelInit(seed: number | undefined, i: number) {
  return tf.initializers.glorotUniform(seed === undefined ? {} : { seed: seed * 1000 + i });
}

/** Builds the classifier with seeded initialisers (random ones when `seed` is undefined). */
export function buildClassifier(seed?: number): ClassifierNetwork {
  const input = tf.input({ shape: [...CLASSIFIER_INPUT_SHAPE], name: 'classifier_input' });
  let x = input;
  CLASSIFIER_CONVS.forEach(({ filters, strides }, i) => {
    x = tf.layers
      .conv2d({ filters, kernelSize: 3, strides, padding: 'same', activation: 'relu', name: `classifier_conv_${i}`, kernelInitializer: kernelInit(seed, i) })
      .apply(x) as tf.SymbolicTensor;
  });
  x = tf.layers.flatten({ name: 'classifier_flatten' }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({ units: NUM_CLASSES, name: 'classifier_dense', kernelInitializer: kernelInit(seed, 100) })
    .apply(x) as tf.SymbolicTensor;
  const probs = tf.layers.activation({ activation: 'softmax', name: 'classifier_output' }).apply(logits) as tf.SymbolicTensor;
  return {
    model: tf.model({ inputs: input, outputs: probs, name: 'classifier' }),
    logits: tf.model({ inputs: input, outputs: logits, name: 'classifier_logits' }),
  };
}
