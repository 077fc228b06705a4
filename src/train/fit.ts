/**
 * `vae.train(...)`: GDL's `train` — composes the default callbacks (progress, sample images,
 * checkpoints, CSV log, learning-rate decay) around the pure loop, and handles resuming.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { engineName, initBackend } from '../backend';
import { ConfigError, ShapeError, formatShape } from '../errors';
import { removeStaleTemporaries } from '../io/files';
import { inNotebook } from '../notebook';
import { LiveLossChart } from '../plots/live-loss';
import { CheckpointCallback, CSV_FILE, CsvLoggerCallback, ProgressCallback, SampleImageCallback, StepDecayCallback } from './callbacks';
import { findLatestCheckpoint, loadOptimizerState, loadWeightsInto } from './checkpoint';
import { LocalEngine, type TrainingEngine } from './engine';
import { trainLoop } from './loop';
import { createParallelEngine, defaultWorkerCount } from './parallel';
import { randomSeed } from './rng';
import type { Callback, TrainResult, TrainableModel } from './types';

export interface TrainOptions {
  /** Training images [N, h, w, c] with values in [0, 1] (e.g. `xTrain` of `loadMnist()`). */
  x: tf.Tensor4D;
  /** Images per step (default 32). */
  batchSize?: number;
  /** Last epoch to train (1-based), like Keras: with initialEpoch 0 this is the number of epochs. */
  epochs: number;
  /** Where checkpoints, images and the CSV log go (GDL's run folder); nothing is written if absent. */
  runFolder?: string;
  /** Write a decoded sample image every N batches (default 100; 0 = never). */
  printEveryNBatches?: number;
  /** Epochs already trained (default 0). With `resume` it is read from the last checkpoint. */
  initialEpoch?: number;
  /** Step decay of the learning rate per epoch, GDL's `lr_decay` (default 1 = constant). */
  lrDecay?: number;
  /** Seed of shuffling and sampling (default: random; resumed runs reuse the checkpoint's). */
  seed?: number;
  /** Continue from the most advanced complete checkpoint in `runFolder` (weights + Adam state). */
  resume?: boolean;
  /** Extra callbacks, run after the default ones. */
  callbacks?: Callback[];
  /** Progress display (default: notebook/terminal/log by context). */
  progress?: 'notebook' | 'terminal' | 'log' | 'silent';
  /** Keep every per-epoch checkpoint ('all', GDL's behaviour) or only the latest. */
  keepCheckpoints?: 'all' | 'latest';
  /** Worker threads for data-parallel steps ('auto': the fastest measured set-up for the backend). */
  workers?: number | 'auto';
  /** Redraw the loss curves live every `printEveryNBatches` batches (default: only in a notebook). */
  liveChart?: boolean;
}

/** What `fit` needs beyond the loop's interface: the optimiser and how to save params. */
export interface FitModel extends TrainableModel {
  readonly optimizer: tf.Optimizer | null;
  readonly learningRate: number | null;
  /** Writes params.json and the diagram (GDL's `save`). */
  save(folder: string): Promise<void>;
  /** Loss settings to rebuild the model in a worker thread. */
  workerSpec(): unknown;
}

function positiveInt(value: unknown, name: string): number {
  if (!Number.isInteger(value) || (value as number) <= 0) throw new ConfigError(`${name} deve ser um inteiro positivo; recebido ${JSON.stringify(value)}.`);
  return value as number;
}

/** Checks x against the model's input and returns its pixels as one Float32Array. */
function trainingPixels(model: TrainableModel, x: tf.Tensor4D): { images: Float32Array; count: number } {
  if (!(x instanceof tf.Tensor)) throw new ConfigError('x deve ser um tf.Tensor4D de imagens [N, altura, largura, canais] (por exemplo, xTrain de loadMnist()).');
  const expected = [null, ...model.inputDim];
  if (x.rank !== 4 || x.shape.slice(1).join() !== model.inputDim.join()) {
    throw new ShapeError(`x tem forma ${formatShape(x.shape)}; o modelo espera ${formatShape(expected)}.`);
  }
  if (x.dtype !== 'float32') throw new ConfigError(`x deve ser float32 com valores em [0, 1]; recebido dtype ${x.dtype}.`);
  const images = x.dataSync() as Float32Array;
  // A cheap look at the first 1000 images: out-of-range or NaN pixels are a data mistake.
  const pixels = model.inputDim.reduce((a, b) => a * b, 1);
  const bad = images.subarray(0, 1000 * pixels).findIndex((v) => !(v >= 0 && v <= 1));
  if (bad >= 0) {
    throw new ConfigError(`Os pixels de x devem estar em [0, 1]; a imagem ${Math.floor(bad / pixels)} tem o valor ${images[bad]} (divida por 255?).`);
  }
  return { images, count: x.shape[0] };
}

/** Trains `model` like GDL's `VariationalAutoencoder.train`. */
export async function fit(model: FitModel, options: TrainOptions): Promise<TrainResult> {
  if (!model.optimizer || model.learningRate === null) {
    throw new ConfigError('Compile o modelo antes de treinar: vae.compile(LEARNING_RATE, R_LOSS_FACTOR).');
  }
  const backend = await initBackend();
  const batchSize = positiveInt(options.batchSize ?? 32, 'batchSize');
  const epochs = positiveInt(options.epochs, 'epochs');
  const { images, count } = trainingPixels(model, options.x);
  let initialEpoch = options.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new ConfigError(`initialEpoch deve ser um inteiro ≥ 0; recebido ${initialEpoch}.`);
  let seed = options.seed ?? randomSeed();
  const runFolder = options.runFolder;
  const weightsDir = runFolder ? path.join(runFolder, 'weights') : null;
  let resumed: { epoch: number; logs: Record<string, number | string> } | null = null;
  let resumedDir: string | null = null;

  if (runFolder) {
    for (const sub of ['viz', 'images', 'weights']) await fs.mkdir(path.join(runFolder, sub), { recursive: true });
    await removeStaleTemporaries(weightsDir!);
    await fs.access(path.join(runFolder, 'params.json')).catch(() => model.save(runFolder));
  }
  if (options.resume) {
    if (!weightsDir) throw new ConfigError('resume precisa de runFolder (a pasta com os checkpoints).');
    const found = await findLatestCheckpoint(weightsDir);
    if (!found) throw new ConfigError(`Não há checkpoint completo para retomar em ${weightsDir}.`);
    const variables = model.namedVariables();
    await loadWeightsInto(found.dir, variables);
    await loadOptimizerState(found.dir, model.optimizer, variables);
    initialEpoch = found.info.epoch;
    seed = found.info.seed;
    resumed = { epoch: found.info.epoch, logs: found.info.logs };
    resumedDir = found.dir;
    console.log(`Retomando de ${found.dir} (época ${initialEpoch} concluída).`);
  }
  if (initialEpoch >= epochs) {
    console.log(`Nada a treinar: ${initialEpoch} época(s) já concluída(s) de ${epochs}.`);
    return { history: [], stopReason: 'completed', lastEpoch: initialEpoch };
  }

  const workers = options.workers ?? 'auto';
  const workerCount = workers === 'auto' ? defaultWorkerCount(backend.name, batchSize) : positiveInt(workers, 'workers');
  const engine: TrainingEngine =
    workerCount > 1 && count >= batchSize
      ? await createParallelEngine(model, model.optimizer, workerCount, backend.name)
      : new LocalEngine(model, model.optimizer);
  const backendLabel = engineName(backend) + (backend.gpu ? ' (GPU)' : '') + (engine.threads > 1 ? ` (${engine.threads} threads)` : '');

  const callbacks: Callback[] = [
    new StepDecayCallback(model.learningRate, options.lrDecay ?? 1),
    new ProgressCallback({ mode: options.progress }),
  ];
  if (runFolder) {
    callbacks.push(
      new SampleImageCallback(path.join(runFolder, 'images'), options.printEveryNBatches ?? 100),
      new CheckpointCallback(weightsDir!, { keep: options.keepCheckpoints, backend: backendLabel, previous: resumed ? { dir: resumedDir!, epoch: resumed.epoch } : undefined }),
      new CsvLoggerCallback(path.join(runFolder, CSV_FILE), backendLabel, resumed),
    );
  }
  if (options.liveChart ?? inNotebook()) callbacks.push(new LiveLossChart({ everyNBatches: options.printEveryNBatches || 100 }));
  callbacks.push(...(options.callbacks ?? []));
  try {
    return await trainLoop(model, model.optimizer, engine, { images, count, batchSize, epochs, initialEpoch, seed }, callbacks);
  } finally {
    await engine.dispose();
  }
}
