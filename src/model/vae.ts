/**
 * The variational autoencoder of the book (GDL models/VAE.py), layer for layer:
 * encoder x → (mu, log_var) → z = mu + exp(log_var/2)·ε, decoder z → x̂.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors';
import { vaeLoss } from '../loss';
import { ConvAutoencoderBase } from './base';
import { loadRun, type LoadRunOptions } from './load';
import { buildDecoder, buildEncoderBody, denseHead } from './build';
import { sample, Sampling } from './layers';
import type { AutoencoderOptions } from './options';
import type { CompileSettings } from './params';

export class VariationalAutoencoder extends ConvAutoencoderBase {
  readonly kind = 'vae' as const;
  readonly metricNames = ['loss', 'vae_r_loss', 'vae_kl_loss'] as const;
  /** x → z (sampled, `encoder_output`), as GDL's `vae.encoder`. */
  readonly encoder: tf.LayersModel;
  /** x → [mu, log_var], as GDL's `vae.encoder_mu_log_var`. */
  readonly encoderMuLogVar: tf.LayersModel;
  readonly decoder: tf.LayersModel;
  readonly model: tf.LayersModel;
  /** Weight of the reconstruction term, set by `compile`. */
  rLossFactor: number | null = null;
  /** Weight of the KL term (1 in the book; 0 trains the same network without regularisation). */
  klWeight = 1;

  constructor(options: AutoencoderOptions) {
    super(options);
    const o = this.options;
    const encoderInput = tf.input({ shape: o.inputDim, name: 'encoder_input' });
    const { x, shapeBeforeFlattening } = buildEncoderBody(o, encoderInput);
    const mu = denseHead(o, 'mu', x, 0);
    const logVar = denseHead(o, 'log_var', x, 1);
    this.encoderMuLogVar = tf.model({ inputs: encoderInput, outputs: [mu, logVar], name: 'encoder_mu_log_var' });
    const encoderOutput = new Sampling({ name: 'encoder_output' }).apply([mu, logVar]) as tf.SymbolicTensor;
    this.encoder = tf.model({ inputs: encoderInput, outputs: encoderOutput, name: 'encoder' });
    this.decoder = buildDecoder(o, shapeBeforeFlattening);
    this.model = tf.model({ inputs: encoderInput, outputs: this.decoder.apply(encoderOutput) as tf.SymbolicTensor, name: 'vae' });
    this.useFastPaths([this.encoderMuLogVar, this.encoder, this.decoder, this.model]);
  }

  /**
   * GDL's `compile(learning_rate, r_loss_factor)`: Adam + loss = r_loss_factor·r_loss + KL.
   * `klWeight` (default 1) scales the KL term; 0 gives the "sem regularização" comparison.
   */
  compile(learningRate: number, rLossFactor: number, options: { klWeight?: number } = {}): void {
    if (!(typeof rLossFactor === 'number' && rLossFactor > 0 && Number.isFinite(rLossFactor))) {
      throw new ConfigError(`rLossFactor deve ser um número positivo; recebido ${JSON.stringify(rLossFactor)}.`);
    }
    const klWeight = options.klWeight ?? 1;
    if (!(typeof klWeight === 'number' && klWeight >= 0 && Number.isFinite(klWeight))) {
      throw new ConfigError(`klWeight deve ser um número ≥ 0; recebido ${JSON.stringify(klWeight)}.`);
    }
    this.setOptimizer(learningRate);
    this.rLossFactor = rLossFactor;
    this.klWeight = klWeight;
  }

  compileSettings(): CompileSettings | null {
    if (this.learningRate === null) return null;
    return { learningRate: this.learningRate, rLossFactor: this.rLossFactor!, ...(this.klWeight !== 1 ? { klWeight: this.klWeight } : {}) };
  }

  /** [loss, vae_r_loss, vae_kl_loss] of a batch, with the given ε for z = mu + exp(log_var/2)·ε. */
  lossTerms(x: tf.Tensor4D, eps: tf.Tensor2D, training: boolean): tf.Scalar[] {
    if (this.rLossFactor === null) throw new ConfigError('Compile o modelo antes: vae.compile(LEARNING_RATE, R_LOSS_FACTOR).');
    const [mu, logVar] = this.encoderMuLogVar.apply(x, { training }) as tf.Tensor2D[];
    const xHat = this.decoder.apply(sample(mu, logVar, eps), { training }) as tf.Tensor;
    const t = vaeLoss(x, xHat, mu, logVar, this.rLossFactor, this.klWeight);
    return [t.loss, t.vaeRLoss, t.vaeKlLoss];
  }

  /** Rebuilds a saved run: params.json + the latest weights, or those of `options.epoch` (GDL: build, then `load_weights`). */
  static load(folder: string, options: LoadRunOptions = {}): Promise<VariationalAutoencoder> {
    return loadRun(folder, 'vae', options);
  }
}
