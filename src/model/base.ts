/**
 * What the plain autoencoder and the VAE share: the encoder body and decoder builders, compile,
 * train, save/load (params.json + standard TensorFlow.js weights) and the summary.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ConfigError, DataError, ShapeError } from '../errors';
import { writeFileAtomic } from '../io/files';
import { findLatestCheckpoint, listCheckpoints, loadWeightsInto, LATEST, type NamedVariable } from '../train/checkpoint';
import { fit, type TrainOptions } from '../train/fit';
import type { TrainResult, TrainableModel } from '../train/types';
import { modelDiagramSvg } from './diagram';
import { validateOptions, type AutoencoderOptions } from './options';
import { readParams, writeParams, type CompileSettings } from './params';
import { summary } from './summary';

export abstract class ConvAutoencoderBase implements TrainableModel {
  abstract readonly kind: 'vae' | 'ae';
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

  /** Spec to rebuild this model in a worker thread. */
  workerSpec(): unknown {
    return { kind: this.kind, options: this.options, compile: this.compileSettings() };
  }

  /** Trainable variables in a fixed order with their save names (`encoder_conv_0/kernel`...). */
  namedVariables(): NamedVariable[] {
    return this.model.trainableWeights.map((w) => ({ name: w.originalName, variable: w.read() as tf.Variable }));
  }

  protected setOptimizer(learningRate: number): void {
    if (!(typeof learningRate === 'number' && learningRate > 0 && Number.isFinite(learningRate))) {
      throw new ConfigError(`learningRate deve ser um número positivo; recebido ${JSON.stringify(learningRate)}.`);
    }
    this.optimizer?.dispose();
    // Adam with Keras' defaults (β1 0.9, β2 0.999, ε 1e-7).
    this.optimizer = tf.train.adam(learningRate, 0.9, 0.999, 1e-7);
    this.learningRate = learningRate;
  }

  /** Trains like GDL's `train(x_train, batch_size, epochs, run_folder, ...)`. */
  train(options: TrainOptions): Promise<TrainResult> {
    return fit(this, options);
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

  /** Writes params.json and the diagrams viz/{model,encoder,decoder}.svg, creating the run folder layout (GDL's `save`). */
  async save(folder: string): Promise<void> {
    for (const sub of ['viz', 'images', 'weights']) await fs.mkdir(path.join(folder, sub), { recursive: true });
    await writeParams(folder, { kind: this.kind, options: this.options, compile: this.compileSettings() });
    for (const [name, model] of [['model', this.model], ['encoder', this.encoder], ['decoder', this.decoder]] as const) {
      await writeFileAtomic(path.join(folder, 'viz', `${name}.svg`), modelDiagramSvg(model));
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

/** Options of `VariationalAutoencoder.load` / `Autoencoder.load`. */
export interface LoadRunOptions {
  /** Load the weights at all (default true); false gives the untrained network of params.json. */
  weights?: boolean;
  /** Load the checkpoint of this epoch (weights/weights-EEE-*) instead of the latest. */
  epoch?: number;
}

/** Reads params.json of `folder`, builds with `create`, compiles, and loads the latest weights (or those of `epoch`). */
export async function loadRun<T extends ConvAutoencoderBase>(
  folder: string,
  kind: 'vae' | 'ae',
  create: (options: AutoencoderOptions, compile: CompileSettings | null) => T,
  options: LoadRunOptions = {},
): Promise<T> {
  const params = await readParams(folder, kind);
  const model = create(params.options, params.compile);
  if (options.epoch !== undefined) {
    const match = (await listCheckpoints(path.join(folder, 'weights'))).find((c) => c.info.epoch === options.epoch);
    if (!match) {
      model.dispose();
      throw new DataError(`${folder} não tem um checkpoint completo da época ${options.epoch} (weights/weights-${String(options.epoch).padStart(3, '0')}-*).`, folder);
    }
    await model.loadWeights(match.dir);
  } else if (options.weights !== false) {
    // The latest checkpoint first; if it is unreadable, the most advanced one that loads.
    const candidates = [path.join(folder, 'weights', LATEST), ...(await listCheckpoints(path.join(folder, 'weights'))).map((c) => c.dir)];
    let firstError: unknown = null;
    for (const dir of [...new Set(candidates)]) {
      try {
        await model.loadWeights(dir);
        if (firstError) console.warn(`Aviso: ${(firstError as Error).message} Usei os pesos de ${dir}.`);
        firstError = null;
        break;
      } catch (err) {
        firstError ??= err;
        if (err instanceof ShapeError) break; // params.json and weights disagree: no fallback helps
      }
    }
    if (firstError) {
      model.dispose();
      throw firstError;
    }
  }
  return model;
}
