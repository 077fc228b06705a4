/**
 * Builders for the convolutional encoder body and decoder shared by `Autoencoder` and
 * `VariationalAutoencoder`, following GDL's models/AE.py and models/VAE.py layer by layer.
 * Every layer with weights has a fixed name, so saved weights load into a fresh model. Each
 * convolution and the LeakyReLU after it run as one kernel where the backend has it (./fusion.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { fuseConvolutionWithLeakyReLU } from './fusion';
import { validateOptions } from './options';

type Options = ReturnType<typeof validateOptions>;

/** Keras' default LeakyReLU slope. */
export const LEAKY_RELU_ALPHA = 0.3;

/** glorot_uniform like Keras, seeded per layer when a seed is given. */
function kernelInit(seed: number | undefined, i: number) {
  return tf.initializers.glorotUniform(seed === undefined ? {} : { seed: seed * 1000 + i });
}

/** Conv2D stack of the encoder; returns the symbolic output and its shape before flattening. */
export function buildEncoderBody(o: Options, input: tf.SymbolicTensor): { x: tf.SymbolicTensor; shapeBeforeFlattening: number[] } {
  let x = input;
  o.encoderConvFilters.forEach((filters, i) => {
    const conv = tf.layers.conv2d({
      filters,
      kernelSize: o.encoderConvKernelSize[i],
      strides: o.encoderConvStrides[i],
      padding: 'same',
      name: `encoder_conv_${i}`,
      kernelInitializer: kernelInit(o.seed, i),
    });
    x = conv.apply(x) as tf.SymbolicTensor;
    if (o.useBatchNorm) x = tf.layers.batchNormalization({ name: `encoder_batch_norm_${i}` }).apply(x) as tf.SymbolicTensor;
    const leaky = tf.layers.leakyReLU({ alpha: LEAKY_RELU_ALPHA, name: `encoder_leaky_re_lu_${i}` });
    x = leaky.apply(x) as tf.SymbolicTensor;
    if (!o.useBatchNorm) fuseConvolutionWithLeakyReLU(conv, leaky);
    if (o.useDropout) x = tf.layers.dropout({ rate: 0.25, name: `encoder_dropout_${i}` }).apply(x) as tf.SymbolicTensor;
  });
  const shapeBeforeFlattening = x.shape.slice(1) as number[];
  x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
  return { x, shapeBeforeFlattening };
}

/** A Dense head of the encoder (`mu`, `log_var`, or the AE's `encoder_output`). */
export function denseHead(o: Options, name: string, x: tf.SymbolicTensor, i: number): tf.SymbolicTensor {
  return tf.layers.dense({ units: o.zDim, name, kernelInitializer: kernelInit(o.seed, 100 + i) }).apply(x) as tf.SymbolicTensor;
}

/** decoder_input → Dense → Reshape → Conv2DTranspose stack → sigmoid. */
export function buildDecoder(o: Options, shapeBeforeFlattening: number[]): tf.LayersModel {
  const decoderInput = tf.input({ shape: [o.zDim], name: 'decoder_input' });
  let x = tf.layers
    .dense({ units: shapeBeforeFlattening.reduce((a, b) => a * b, 1), name: 'decoder_dense', kernelInitializer: kernelInit(o.seed, 200) })
    .apply(decoderInput) as tf.SymbolicTensor;
  x = tf.layers.reshape({ targetShape: shapeBeforeFlattening, name: 'reshape' }).apply(x) as tf.SymbolicTensor;
  const n = o.decoderConvTFilters.length;
  o.decoderConvTFilters.forEach((filters, i) => {
    const conv = tf.layers.conv2dTranspose({
      filters,
      kernelSize: o.decoderConvTKernelSize[i],
      strides: o.decoderConvTStrides[i],
      padding: 'same',
      name: `decoder_conv_t_${i}`,
      kernelInitializer: kernelInit(o.seed, 300 + i),
    });
    x = conv.apply(x) as tf.SymbolicTensor;
    if (i < n - 1) {
      if (o.useBatchNorm) x = tf.layers.batchNormalization({ name: `decoder_batch_norm_${i}` }).apply(x) as tf.SymbolicTensor;
      const leaky = tf.layers.leakyReLU({ alpha: LEAKY_RELU_ALPHA, name: `decoder_leaky_re_lu_${i}` });
      x = leaky.apply(x) as tf.SymbolicTensor;
      if (!o.useBatchNorm) fuseConvolutionWithLeakyReLU(conv, leaky);
      if (o.useDropout) x = tf.layers.dropout({ rate: 0.25, name: `decoder_dropout_${i}` }).apply(x) as tf.SymbolicTensor;
    } else {
      x = tf.layers.activation({ activation: 'sigmoid', name: 'decoder_output' }).apply(x) as tf.SymbolicTensor;
    }
  });
  return tf.model({ inputs: decoderInput, outputs: x, name: 'decoder' });
}
