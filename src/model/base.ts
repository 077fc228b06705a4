/**
 * What the plain autoencoder and the VAE share: the encoder body and decoder builders, compile,
 * train, save/load (params.json + standard TensorFlow.js weights) and the summary.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ConfigError, DataError } from '../errors';
import { writeFileAtomic } from '../io/files';
import { createRunFolder } from '../io/run-folder';
import { inNotebook } from '../notebook';
import { LiveLossChart } from '../plots/live-loss';
import { findLatestCheckpoint, loadWeightsInto, type NamedVariable } from '../train/checkpoint';
import { kerasAdam } from '../train/adam';
import { fit, type FitOptions } from '../train/fit';
import type { TrainingSettings } from '../train/run-record';
import type { TrainResult, TrainableModel } from '../train/types';
import { modelDiagramSvg } from './diagram';
import { runFusedIn } from './fusion';
import { predictInLargerBatches } from './predict-batch';
import type { ModelKind, ModelSpec } from './factory';
import { validateOptions, type AutoencoderOptions } from './options';
import { writeParams, type CompileSettings } from './params';
import { summary } from './summary';

/** Options of `vae.train(...)`: the loop's options plus what only a notebook shows. */
export interface TrainOptions extends FitOptions {
  /** Redraw the loss curves live every `printEveryNBatches` batches (default: only in a notebook). */
  liveChart?: boolean;
}

export abstract class ConvAutoencoderBase implements TrainableModel {
  abstract readonly kind: ModelKind;
  abstract readonly metricNames: readonly string[];
  /** The validated constructor options. */
  readonly options: ReturnType<typeof validateOptions>;
  readonly inputDim: [number, number, number];
  readonly zDim: number;
  /** x → z. */
  abstract readonly encoder: tf.LayersModel;
  /** z → x̂. */
  abstract readonly decoder: tf.LayersModel;
  /** x → x̂ (what is trained and saved). */
  abstract readonly model: tf.LayersModel;
  /** Set by `compile`. */
  optimizer: tf.Optimizer | null = null;
  learningRate: number | null = null;

  constructor(options: AutoencoderOptions) {
    this.options = validateOptions(options);
    this.inputDim = [...this.options.inputDim];
    this.zDim = this.options.zDim;
  }

  abstract lossTerms(x: tf.Tensor4D, eps: tf.Tensor2D, training: boolean): tf.Scalar[];

  /** Settings `compile` received (written in params.json). */
  abstract compileSettings(): CompileSettings | null;

  /** What rebuilds this model (`createModel(spec)`): written in params.json and sent to worker threads. */
  spec(): ModelSpec {
    return { kind: this.kind, options: this.options, compile: this.compileSettings() };
  }

  /** Trainable variables in a fixed order with their save names (`encoder_conv_0/kernel`...). */
  namedVariables(): NamedVariable[] {
    return this.model.trainableWeights.map((w) => ({ name: w.originalName, variable: w.read() as tf.Variable }));
  }

  /** What each of the package's models gets: the fused convolution pairs and larger predict batches. */
  protected useFastPaths(models: tf.LayersModel[]): void {
    for (const m of models) {
      runFusedIn(m);
      predictInLargerBatches(m);
    }
  }

  protected setOptimizer(learningRate: number): void {
    if (!(typeof learningRate === 'number' && learningRate > 0 && Number.isFinite(learningRate))) {
      throw new ConfigError(`learningRate deve ser um número positivo; recebido ${JSON.stringify(learningRate)}.`);
    }
    this.optimizer?.dispose();
    // Adam with Keras' defaults (β1 0.9, β2 0.999, ε 1e-7), one kernel per variable and step.
    this.optimizer = kerasAdam(learningRate);
    this.learningRate = learningRate;
  }

  /**
   * Trains like GDL's `train(x_train, batch_size, epochs, run_folder, ...)`: the loop of train/fit.ts
   * with its default callbacks, plus the live loss chart in a notebook.
   */
  train(options: TrainOptions): Promise<TrainResult> {
    const { liveChart, ...fitOptions } = options;
    const live = (liveChart ?? inNotebook()) ? [new LiveLossChart({ everyNBatches: options.printEveryNBatches || 100 })] : [];
    return fit(this, { ...fitOptions, callbacks: [...live, ...(options.callbacks ?? [])] });
  }

  /** Loss terms averaged over `x` (no weight update), e.g. on the test set. */
  evaluate(x: tf.Tensor4D, options: { batchSize?: number; seed?: number } = {}): Record<string, number> {
    const batchSize = options.batchSize ?? 500;
    const n = x.shape[0];
    const sums = new Array(this.metricNames.length).fill(0);
    let seed = options.seed ?? 1;
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const values = tf.tidy(() => {
        const xb = x.slice([start, 0, 0, 0], [size, -1, -1, -1]);
        const eps = tf.randomNormal([size, this.zDim], 0, 1, 'float32', seed++) as tf.Tensor2D;
        return this.lossTerms(xb, eps, false).map((t) => t.dataSync()[0]);
      });
      values.forEach((v, i) => (sums[i] += v * size));
    }
    return Object.fromEntries(this.metricNames.map((m, i) => [m, sums[i] / n]));
  }

  /** Writes params.json (with `training`, when a training writes it) and the diagrams viz/{model,encoder,decoder}.svg, creating the run folder layout (GDL's `save`). */
  async save(folder: string, training?: TrainingSettings): Promise<void> {
    const paths = await createRunFolder(folder);
    await writeParams(folder, this.spec(), training);
    for (const [name, model] of [['model', this.model], ['encoder', this.encoder], ['decoder', this.decoder]] as const) {
      await writeFileAtomic(path.join(paths.viz, `${name}.svg`), modelDiagramSvg(model));
    }
  }

  /**
   * Loads weights from a checkpoint folder (`run/.../weights/weights`), a `model.json` path,
   * or a run folder (its most advanced checkpoint). GDL: `vae.load_weights(...)`.
   */
  async loadWeights(location: string): Promise<string> {
    let dir = location.endsWith('model.json') ? path.dirname(location) : location;
    const stat = await fs.stat(dir).catch(() => null);
    if (!stat?.isDirectory()) throw new DataError(`Não encontrei pesos em ${location}.`, location);
    const hasModel = await fs.access(path.join(dir, 'model.json')).then(() => true, () => false);
    if (!hasModel) {
      const found = await findLatestCheckpoint(path.join(dir, 'weights')).then((f) => f ?? findLatestCheckpoint(dir));
      if (!found) throw new DataError(`Não encontrei model.json em ${dir} nem checkpoints em ${path.join(dir, 'weights')}.`, location);
      dir = found.dir;
    }
    await loadWeightsInto(dir, this.namedVariables());
    return dir;
  }

  /** Prints the Keras-style summaries of the encoder and the decoder. */
  summary(print: (line: string) => void = console.log): void {
    summary(this.encoder, print);
    summary(this.decoder, print);
  }

  /** Frees the weights and the optimiser. */
  dispose(): void {
    this.optimizer?.dispose();
    this.model.dispose();
  }
}
