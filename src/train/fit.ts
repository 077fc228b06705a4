/**
 * What `vae.train(...)` runs: GDL's `train` — composes the default callbacks (progress, sample
 * images, checkpoints, CSV log, learning-rate decay) around the pure loop, and handles resuming.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { engineName, initBackend, type BackendInfo } from '../backend';
import { ConfigError, OptimizerStateMissingError, ShapeError, StorageError, TrainingError, formatShape } from '../errors';
import { removeStaleTemporaries } from '../io/files';
import { ensureFolder, fsErrorMessage, isFsError, withFsErrors } from '../io/fs-errors';
import { clearRunFolder, createRunFolder, inspectRunFolder, PARAMS_FILE, runPaths, type RunPaths } from '../io/run-folder';
import { lockRunFolder } from '../io/run-lock';
import { capWorkerCount, defaultWorkerCount } from '../threads/sizing';
import { CheckpointCallback, CsvLoggerCallback, ProgressCallback, SampleImageCallback, StepDecayCallback, continueLog, intactCheckpointSentence } from './callbacks';
import { listCheckpoints, loadOptimizerState, loadWeightsInto, type CheckpointInfo } from './checkpoint';
import { LocalEngine, type TrainingEngine } from './engine';
import { trainLoop } from './loop';
import { createParallelEngine } from './parallel';
import { randomSeed } from './rng';
import { checkContinuation, fingerprintImages, readSavedRun, writeSavedRun, type ResumeRecord, type TrainingSettings } from './run-record';
import type { Callback, TrainResult, TrainableModel } from './types';

export interface FitOptions {
  /** Training images [N, h, w, c] with values in [0, 1] (e.g. `xTrain` of `loadMnist()`). */
  x: tf.Tensor4D;
  /** Images per step (default 32; when continuing a run, the saved one). */
  batchSize?: number;
  /** Last epoch to train (1-based), like Keras: with initialEpoch 0 this is the number of epochs. */
  epochs: number;
  /** Where checkpoints, images and the CSV log go (GDL's run folder); nothing is written if absent. */
  runFolder?: string;
  /** Write a decoded sample image every N batches (default 100; 0 = never). */
  printEveryNBatches?: number;
  /** Epochs already trained (default 0). With `resume` it is read from the last checkpoint. */
  initialEpoch?: number;
  /** Step decay of the learning rate per epoch, GDL's `lr_decay` (default 1 = constant; when continuing, the saved one). */
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
  /** Worker threads for data-parallel steps ('auto': the fastest measured set-up for the backend; a number is capped by the cores). */
  workers?: number | 'auto';
  /**
   * A fresh start (no resume, initialEpoch 0) into a folder that is not empty (see inspectRunFolder):
   * 'refuse' throws a ConfigError naming what is there (the CLI, unless --overwrite); 'replace'
   * removes that training's files first, so old and new never mix. Default: refuse a folder holding a
   * training (weights, images, a log), but go on where only `save()` wrote (params.json and viz/, the
   * book's `vae.save(RUN_FOLDER)` just before `vae.train(...)`).
   */
  ifExists?: 'replace' | 'refuse';
  /** Name of the training data ('digits', 'fashion'), recorded in params.json and checked when continuing. */
  dataName?: string;
}

/** What `fit` needs beyond the loop's interface: the optimiser and how to save params. */
export interface FitModel extends TrainableModel {
  readonly optimizer: tf.Optimizer | null;
  readonly learningRate: number | null;
  /** Writes params.json (with the training settings) and the diagram (GDL's `save`). */
  save(folder: string, training?: TrainingSettings): Promise<void>;
  /** What rebuilds the model in a worker thread (and what params.json stores). */
  spec(): { kind: string; options: object; compile: { learningRate: number; rLossFactor?: number; klWeight?: number } | null };
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
  if (x.shape[0] === 0) throw new ConfigError('x não tem nenhuma imagem.');
  const images = x.dataSync() as Float32Array;
  // A cheap look at the first 1000 images: out-of-range or NaN pixels are a data mistake.
  const pixels = model.inputDim.reduce((a, b) => a * b, 1);
  const bad = images.subarray(0, 1000 * pixels).findIndex((v) => !(v >= 0 && v <= 1));
  if (bad >= 0) {
    throw new ConfigError(`Os pixels de x devem estar em [0, 1]; a imagem ${Math.floor(bad / pixels)} tem o valor ${images[bad]} (divida por 255?).`);
  }
  return { images, count: x.shape[0] };
}

/** How the loop starts: from scratch, or after `initialEpoch` with the checkpoint it continues. */
interface StartPlan {
  initialEpoch: number;
  seed: number;
  batchSize: number;
  /** lr(e) = lrBase · lrDecay^(e − lrFrom). */
  lrBase: number;
  lrDecay: number;
  lrFrom: number;
  /** The checkpoint continued (named in errors until a new one is saved; its numbers restore a lost CSV row). */
  from: { dir: string; info: CheckpointInfo } | null;
}

/** Trains `model` like GDL's `VariationalAutoencoder.train`. */
export async function fit(model: FitModel, options: FitOptions): Promise<TrainResult> {
  if (!model.optimizer || model.learningRate === null) {
    throw new ConfigError('Compile o modelo antes de treinar: vae.compile(LEARNING_RATE, R_LOSS_FACTOR).');
  }
  if (options.batchSize !== undefined) positiveInt(options.batchSize, 'batchSize');
  const epochs = positiveInt(options.epochs, 'epochs');
  const initialEpoch = options.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new ConfigError(`initialEpoch deve ser um inteiro ≥ 0; recebido ${initialEpoch}.`);
  const backend = await initBackend();
  const { images, count } = trainingPixels(model, options.x);
  const runFolder = options.runFolder;
  if (runFolder !== undefined && runFolder.trim() === '') {
    // '' is most often an unset variable: training would run and save nothing, silently.
    throw new ConfigError('runFolder recebeu um texto vazio (uma variável não definida?): passe a pasta da execução, ou omita runFolder para treinar sem gravar nada.');
  }
  if (!runFolder) {
    if (options.resume) throw new ConfigError('resume precisa de runFolder (a pasta com os checkpoints).');
    const plan: StartPlan = {
      initialEpoch,
      seed: options.seed ?? randomSeed(),
      batchSize: options.batchSize ?? 32,
      lrBase: model.learningRate,
      lrDecay: options.lrDecay ?? 1,
      lrFrom: 1,
      from: null,
    };
    return runLoop(model, options, plan, { images, count }, backend, null);
  }
  // The folder first (a file in its place, a read-only disk: one Portuguese sentence), then its lock.
  await ensureFolder(runFolder);
  const lock = await lockRunFolder(runFolder);
  try {
    const paths = runPaths(runFolder);
    await withFsErrors(paths.weights, 'apagar', () => removeStaleTemporaries(paths.weights));
    const plan = options.resume || initialEpoch > 0 ? await planContinuation(model, options, paths, { images, count }) : await planFreshStart(model, options, paths, { images, count });
    if (plan.initialEpoch >= epochs) {
      console.log(`Nada a treinar: ${plan.initialEpoch} época(s) já concluída(s) de ${epochs}.`);
      return { history: [], stopReason: 'completed', lastEpoch: plan.initialEpoch };
    }
    return await runLoop(model, options, plan, { images, count }, backend, paths);
  } finally {
    await lock.release();
  }
}

/** The message of a fresh start refused because `folder` holds a training (`found`: what is there). */
export function folderInUseMessage(folder: string, found: string[]): string {
  const list = found.slice(0, 4).join(', ') + (found.length > 4 ? '…' : '');
  return (
    `${folder} já contém um treino (${list}). Use --resume para continuar (no código: resume: true), omita --run-folder para começar um treino novo ` +
    "na próxima pasta livre, ou --overwrite para apagá-lo e recomeçar do zero (no código: ifExists: 'replace')."
  );
}

/** A fresh start: the folder must hold no training (or it is replaced, with ifExists 'replace'); writes params.json. */
async function planFreshStart(model: FitModel, options: FitOptions, paths: RunPaths, data: { images: Float32Array; count: number }): Promise<StartPlan> {
  const contents = await inspectRunFolder(paths.folder);
  if (contents.found.length) {
    const onlySaved = contents.found.every((f) => f === PARAMS_FILE || /^viz\/(model|encoder|decoder)\.svg$/.test(f));
    if ((options.ifExists ?? (onlySaved ? 'replace' : 'refuse')) === 'refuse') throw new ConfigError(folderInUseMessage(paths.folder, contents.found));
    await withFsErrors(paths.folder, 'apagar', () => clearRunFolder(paths.folder));
  }
  const plan: StartPlan = {
    initialEpoch: 0,
    seed: options.seed ?? randomSeed(),
    batchSize: options.batchSize ?? 32,
    lrBase: model.learningRate!,
    lrDecay: options.lrDecay ?? 1,
    lrFrom: 1,
    from: null,
  };
  const training: TrainingSettings = { batchSize: plan.batchSize, lrDecay: plan.lrDecay, lrFromEpoch: 1, seed: plan.seed, data: fingerprintImages(data.images, data.count, options.dataName) };
  await withFsErrors(paths.folder, 'gravar', () => model.save(paths.folder, training));
  return plan;
}

/** What to say when no checkpoint can be resumed from `weights/`. */
async function noCheckpointMessage(paths: RunPaths): Promise<string> {
  const handCopied = await fs.access(path.join(paths.latest, 'model.json')).then(() => true, () => false);
  const hint = handCopied
    ? ` ${paths.latest} tem model.json mas não um checkpoint.json legível: para continuar desses pesos (sem o estado do Adam), use --initial-epoch N com o número de épocas já treinadas.`
    : ' Para começar um treino nessa pasta, rode sem --resume.';
  return `Não há checkpoint completo para retomar em ${paths.weights}.${hint}`;
}

/**
 * Loads the most advanced checkpoint that reads back whole (weights and Adam state); a damaged one
 * (truncated weights, missing optimizer.bin) is reported and the next is tried, like `load()` does.
 */
async function loadFirstGood(model: FitModel, candidates: { dir: string; info: CheckpointInfo }[], paths: RunPaths): Promise<{ dir: string; info: CheckpointInfo }> {
  const variables = model.namedVariables();
  const errors: unknown[] = [];
  for (const c of candidates) {
    try {
      await loadWeightsInto(c.dir, variables);
      await loadOptimizerState(c.dir, model.optimizer!, variables);
      if (errors.length) console.warn(`Aviso: ${(errors[0] as Error).message} Continuando de ${c.dir} (época ${c.info.epoch}).`);
      return c;
    } catch (err) {
      if (err instanceof ShapeError) {
        throw new ShapeError(`${err.message} O params.json de ${paths.folder} não descreve esses pesos (foi editado?): corrija-o ou comece um treino novo.`, { cause: err });
      }
      errors.push(err);
    }
  }
  const first = errors[0] as Error;
  if (errors.every((e) => e instanceof OptimizerStateMissingError)) {
    const epoch = candidates[0].info.epoch;
    throw new ConfigError(
      `${first.message} Sem o estado do Adam o treino não continua exatamente de onde parou. Para continuar só com os pesos ` +
        `(o Adam recomeça do zero), use --initial-epoch ${epoch} sem --resume (em código: initialEpoch: ${epoch}, depois de vae.loadWeights).`,
      { cause: first },
    );
  }
  throw first;
}

/** A continuation (resume, or initialEpoch > 0 on weights the caller loaded): the saved settings win. */
async function planContinuation(model: FitModel, options: FitOptions, paths: RunPaths, data: { images: Float32Array; count: number }): Promise<StartPlan> {
  const saved = await readSavedRun(paths.params);
  const checkpoints = await listCheckpoints(paths.weights);
  if (options.resume && checkpoints.length === 0) throw new ConfigError(await noCheckpointMessage(paths));
  const epochOf = options.resume ? checkpoints[0].info.epoch : options.initialEpoch!;
  const candidate = options.resume ? checkpoints[0] : (checkpoints.find((c) => c.info.epoch === epochOf) ?? null);
  const fingerprint = fingerprintImages(data.images, data.count, options.dataName);
  const changed = checkContinuation(paths.folder, saved, {
    spec: model.spec(),
    batchSize: options.batchSize,
    seed: options.seed,
    lrDecay: options.lrDecay,
    data: fingerprint,
    checkpointSeed: candidate?.info.seed,
  });
  // Nothing is written before this point: a refused continuation leaves the folder as it was.
  const from = options.resume ? await loadFirstGood(model, checkpoints, paths) : candidate;
  const initialEpoch = options.resume ? from!.info.epoch : epochOf;
  if (options.resume) console.log(`Retomando de ${from!.dir} (época ${initialEpoch} concluída).`);
  await continueLog(paths.log, model.metricNames, initialEpoch, from ? { epoch: from.info.epoch, logs: from.info.logs, learningRate: from.info.learningRate } : null);

  const t = saved?.training;
  const lrDecay = options.lrDecay ?? t?.lrDecay ?? 1;
  let lrBase = model.learningRate!;
  let lrFrom = t?.lrFromEpoch ?? 1;
  if (changed.learningRate) lrFrom = initialEpoch + 1;
  else if (changed.lrDecay) {
    // Continue from the rate of the last epoch trained: lr(E+1) = lr(E) · newDecay.
    lrBase = from?.info.learningRate ?? lrBase * (t!.lrDecay ** (initialEpoch - lrFrom));
    lrFrom = initialEpoch;
  }
  const plan: StartPlan = {
    initialEpoch,
    seed: from?.info.seed ?? options.seed ?? t?.seed ?? randomSeed(),
    batchSize: options.batchSize ?? t?.batchSize ?? 32,
    lrBase,
    lrDecay,
    lrFrom,
    from,
  };
  const training: TrainingSettings = { batchSize: plan.batchSize, lrDecay, lrFromEpoch: lrFrom, seed: plan.seed, data: t?.data ?? fingerprint };
  await withFsErrors(paths.folder, 'gravar', async () => {
    if (!saved) {
      await model.save(paths.folder, training); // an old folder without params.json: describe it now
      return;
    }
    const record: ResumeRecord = {
      atEpoch: initialEpoch,
      epochs: options.epochs,
      from: from ? path.basename(from.dir) : null,
      changed,
      command: process.argv.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' '),
      at: new Date().toISOString(),
    };
    const compile = saved.compile && changed.learningRate ? { ...saved.compile, learningRate: lrBase } : saved.compile;
    await writeSavedRun(paths.params, { ...saved, compile, training, resumes: [...(saved.resumes ?? []), record] });
    await createRunFolder(paths.folder);
  });
  return plan;
}

/** Composes the default callbacks around the loop and runs it. */
async function runLoop(
  model: FitModel,
  options: FitOptions,
  plan: StartPlan,
  data: { images: Float32Array; count: number },
  backend: BackendInfo,
  paths: RunPaths | null,
): Promise<TrainResult> {
  const { images, count } = data;
  const { batchSize, initialEpoch, seed } = plan;
  const workers = options.workers ?? 'auto';
  const workerCount = workers === 'auto' ? defaultWorkerCount(backend.name, batchSize) : capWorkerCount(positiveInt(workers, 'workers'));
  const engine: TrainingEngine =
    workerCount > 1 && count >= batchSize
      ? await createParallelEngine(model, model.optimizer!, workerCount, backend.name)
      : new LocalEngine(model, model.optimizer!);
  const backendLabel = engineName(backend) + (backend.gpu ? ' (GPU)' : '') + (engine.threads > 1 ? ` (${engine.threads} threads)` : '');

  const callbacks: Callback[] = [new StepDecayCallback(plan.lrBase, plan.lrDecay, 1, plan.lrFrom), new ProgressCallback({ mode: options.progress })];
  // A few training images: a checkpoint is written only if the loss on them is finite.
  const probe = paths ? tf.tensor4d(images.subarray(0, Math.min(count, 16) * model.inputDim.reduce((a, b) => a * b, 1)), [Math.min(count, 16), ...model.inputDim]) : null;
  const checkpoints = paths
    ? new CheckpointCallback(paths.weights, { keep: options.keepCheckpoints, backend: backendLabel, probe: probe!, previous: plan.from ? { dir: plan.from.dir, epoch: plan.from.info.epoch } : undefined })
    : null;
  if (paths) {
    const restore = plan.from ? { epoch: plan.from.info.epoch, logs: plan.from.info.logs, learningRate: plan.from.info.learningRate } : null;
    callbacks.push(new SampleImageCallback(paths.images, options.printEveryNBatches ?? 100), checkpoints!, new CsvLoggerCallback(paths.log, backendLabel, restore));
  }
  callbacks.push(...(options.callbacks ?? []));
  try {
    return await trainLoop(model, model.optimizer!, engine, { images, count, batchSize, epochs: options.epochs, initialEpoch, seed }, callbacks);
  } catch (err) {
    // A disk error while writing an image or the log: say it in Portuguese, and which checkpoint is intact.
    if (checkpoints && (err instanceof StorageError || isFsError(err))) {
      const message = err instanceof StorageError ? err.message : fsErrorMessage(err.code, err.path ?? paths!.folder, 'gravar');
      throw new TrainingError(message + intactCheckpointSentence(checkpoints.lastSaved), { cause: err });
    }
    throw err;
  } finally {
    probe?.dispose();
    await engine.dispose();
  }
}
