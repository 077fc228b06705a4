/**
 * The plain autoencoder of section 1 (GDL models/AE.py): the same convolutional encoder, but
 * a single Dense `encoder_output` gives the point z directly — no distribution, no sampling.
 */
import * as tf from '@tensorflow/tfjs';
import { autoencoderLoss } from '../loss';
import { ConvAutoencoderBase } from './base';
import { loadRun, type LoadRunOptions } from './load';
import { buildDecoder, buildEncoderBody, denseHead } from './build';
import type { AutoencoderOptions } from './options';
import type { CompileSettings } from './params';

export class Autoencoder extends ConvAutoencoderBase {
  readonly kind = 'ae' as const;
  readonly metricNames = ['loss'] as const;
  readonly encoder: tf.LayersModel;
  readonly decoder: tf.LayersModel;
  readonly model: tf.LayersModel;

  constructor(options: AutoencoderOptions) {
    super(options);
    const o = this.options;
    const encoderInput = tf.input({ shape: o.inputDim, name: 'encoder_input' });
    const { x, shapeBeforeFlattening } = buildEncoderBody(o, encoderInput);
    const encoderOutput = denseHead(o, 'encoder_output', x, 0);
    this.encoder = tf.model({ inputs: encoderInput, outputs: encoderOutput, name: 'encoder' });
    this.decoder = buildDecoder(o, shapeBeforeFlattening);
    this.model = tf.model({ inputs: encoderInput, outputs: this.decoder.apply(encoderOutput) as tf.SymbolicTensor, name: 'autoencoder' });
    this.useFastPaths([this.encoder, this.decoder, this.model]);
  }

  /** GDL's AE `compile(learning_rate)`: Adam + mean squared error. */
  compile(learningRate: number): void {
    this.setOptimizer(learningRate);
  }

  compileSettings(): CompileSettings | null {
    return this.learningRate === null ? null : { learningRate: this.learningRate };
  }

  /** [loss] = batch mean of the per-image MSE (ε is ignored: nothing is sampled). */
  lossTerms(x: tf.Tensor4D, _eps: tf.Tensor2D, training: boolean): tf.Scalar[] {
    return [autoencoderLoss(x, this.model.apply(x, { training }) as tf.Tensor)];
  }

  /** Rebuilds a saved run: params.json + the latest weights, or those of `options.epoch`. */
  static load(folder: string, options: LoadRunOptions = {}): Promise<Autoencoder> {
    return loadRun(folder, 'ae', options);
  }
}
