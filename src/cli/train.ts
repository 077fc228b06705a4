#!/usr/bin/env node
/**
 * `npm run train -- [flags]`: trains the VAE (or the plain AE) on MNIST / Fashion-MNIST and writes
 * the run folder in GDL's layout. Library code throws; only this file turns errors into exit codes.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { backendFlag, flag, flagName, parseFlags, usageLines, UsageError, type Parsed } from './flags';
import { reportError, runIfMain } from './run';
import { initBackend } from '../backend';
import { loadFashionMnist, loadMnist } from '../data';
import { DATASETS } from '../data/datasets';
import { ConfigError } from '../errors';
import { claimNextRunFolder, inspectRunFolder, runPaths } from '../io/run-folder';
import { createModel } from '../model/factory';
import { MNIST_VAE_OPTIONS } from '../model/options';
import { readParams } from '../model/params';
import { formatPt } from '../text';
import { findLatestCheckpoint, listCheckpoints } from '../train/checkpoint';
import { folderInUseMessage } from '../train/fit';
import type { TrainResult } from '../train/types';

/** Where new runs go: run/<section>/<RUN_ID>_<data> (GDL's layout), relative to the current folder. */
export const RUN_ROOT = 'run';

/** Every flag of `npm run train`, with its default: the usage text is generated from this table. */
export const TRAIN_FLAGS = {
  data: flag.choice(['digits', 'fashion'] as const, { default: 'digits', help: 'conjunto de dados (digits = MNIST, fashion = Fashion-MNIST)' }),
  model: flag.choice(['vae', 'ae'] as const, { default: 'vae', help: 'autoencoder variacional ou o autoencoder simples da seção 1' }),
  epochs: flag.int({ min: 1, default: 200, help: 'última época a treinar (como no livro)' }),
  batchSize: flag.int({ min: 1, default: 32, help: 'imagens por passo' }),
  lr: flag.number({ min: 0, exclusiveMin: true, default: 0.0005, help: 'learning rate do Adam' }),
  rLossFactor: flag.number({ min: 0, exclusiveMin: true, default: 1000, help: 'peso da reconstrução (r_loss_factor; só --model vae)' }),
  klWeight: flag.number({ min: 0, default: 1, help: 'peso da divergência KL (0 = sem regularização; só --model vae)' }),
  lrDecay: flag.number({ min: 0, exclusiveMin: true, max: 1, default: 1, help: 'decaimento da learning rate por época (1 = constante)' }),
  limit: flag.int({ min: 1, default: undefined, defaultText: 'todas', help: 'usa só as N primeiras imagens de treino' }),
  runFolder: flag.string({ value: 'DIR', default: undefined, defaultText: 'a próxima pasta livre, ex.: run/vae/0004_digits', help: 'pasta da execução' }),
  initialEpoch: flag.int({ min: 0, default: 0, help: 'épocas já treinadas (os pesos são lidos da pasta)' }),
  resume: flag.bool({ help: 'continua do último checkpoint completo da pasta' }),
  overwrite: flag.bool({ help: 'aceita começar do zero numa pasta que já tem um treino' }),
  printEvery: flag.int({ min: 0, default: 100, help: 'uma imagem de amostra a cada N lotes (0 = nenhuma)' }),
  keepCheckpoints: flag.choice(['all', 'latest'] as const, { default: 'all', help: 'um checkpoint por época, ou só o último' }),
  workers: flag.custom<number | 'auto'>({
    value: 'N|auto',
    default: 'auto',
    help: 'threads de treino',
    parse: (raw, name) => (raw === 'auto' ? 'auto' : flag.int({ min: 1, default: 1, help: '' }).parse(raw, name)),
  }),
  backend: backendFlag(),
  seed: flag.int({ default: undefined, defaultText: 'aleatória', help: 'semente (inicialização, embaralhamento e amostragem)' }),
  quiet: flag.bool({ help: 'sem barra de progresso' }),
  help: flag.bool({ short: 'h', help: 'esta ajuda' }),
};

export const TRAIN_USAGE = `Uso: npm run train -- [opções]

Treina o autoencoder variacional do livro (Generative Deep Learning, cap. 3) e grava a pasta da
execução: params.json, viz/, images/, weights/ e training_log.csv. Sem --run-folder, cada treino
ganha a próxima pasta livre (run/vae/0004_digits, run/vae/0005_digits...): os treinos que vêm com o
projeto nunca são tocados, a não ser que você os nomeie.

${usageLines(TRAIN_FLAGS)}`;

/** The parsed command line of `npm run train`. */
export type TrainArgs = Parsed<typeof TRAIN_FLAGS>;

/** Parses the command line (kebab-case flags) into typed arguments, with Portuguese errors. */
export function parseTrainArgs(argv: string[]): TrainArgs {
  const args = parseFlags(TRAIN_FLAGS, argv);
  if (args.resume && args.initialEpoch > 0) throw new UsageError('Use --resume ou --initial-epoch, não os dois.');
  if (args.model === 'ae') {
    const vaeOnly = (['rLossFactor', 'klWeight'] as const).filter((k) => args.given.has(k));
    if (vaeOnly.length) {
      const names = vaeOnly.map((k) => `--${flagName(k)}`).join(' e ');
      throw new UsageError(`${names} ${vaeOnly.length > 1 ? 'só valem' : 'só vale'} para --model vae (o autoencoder simples não tem termo KL).`);
    }
  }
  return args;
}

/** What `runTraining` did: the loop's result and the folder it wrote. */
export interface TrainingRun {
  result: TrainResult;
  runFolder: string;
}

/** Training images of each --data (the --limit bound, checked before loading anything). */
function trainingImageCount(data: TrainArgs['data']): number {
  const spec = DATASETS[data === 'digits' ? 'mnist' : 'fashion-mnist'];
  return (spec.files.trainImages.size - 16) / (spec.rows * spec.cols);
}

/**
 * The model to train: from the flags for a new run; for a continued run from its params.json
 * (the saved settings win), with the flags that were given on top, so `fit` can compare them.
 */
async function modelFor(args: TrainArgs, continuing: boolean): Promise<ReturnType<typeof createModel>> {
  const saved = continuing && args.runFolder !== undefined && existsSync(runPaths(args.runFolder).params) ? await readParams(args.runFolder) : null;
  if (!saved) {
    return createModel({
      kind: args.model,
      options: { ...MNIST_VAE_OPTIONS, seed: args.seed },
      compile: { learningRate: args.lr, rLossFactor: args.rLossFactor, klWeight: args.klWeight },
    });
  }
  const given = <K extends keyof typeof TRAIN_FLAGS>(k: K, savedValue: TrainArgs[K] | undefined) => (args.given.has(k) ? args[k] : savedValue);
  const c = saved.compile;
  return createModel({
    kind: given('model', saved.kind)!,
    options: saved.options,
    compile: { learningRate: given('lr', c?.learningRate ?? args.lr)!, rLossFactor: given('rLossFactor', c?.rLossFactor), klWeight: given('klWeight', c?.klWeight) },
  });
}

/** `--initial-epoch N`: loads the checkpoint of epoch N (it must exist, so the log has no gap); returns where from. */
async function loadInitialEpoch(model: ReturnType<typeof createModel>, folder: string, epoch: number): Promise<string> {
  const paths = runPaths(folder);
  const all = await listCheckpoints(paths.weights);
  const match = all.find((c) => c.info.epoch === epoch);
  if (match) return model.loadWeights(match.dir);
  if (all.length === 0 && existsSync(path.join(paths.latest, 'model.json'))) {
    // Weights copied by hand (no checkpoint.json): the epoch cannot be checked, the log still is.
    console.log(`Aviso: ${paths.latest} não tem checkpoint.json; a época ${epoch} não pode ser conferida nos pesos, só no training_log.csv.`);
    return model.loadWeights(paths.latest);
  }
  const have = [...new Set(all.map((c) => c.info.epoch))].sort((a, b) => a - b);
  throw new ConfigError(
    `--initial-epoch ${epoch}: ${folder} não tem checkpoint da época ${epoch}` +
      (have.length ? ` (tem das épocas ${have.join(', ')}); use --initial-epoch ${have[have.length - 1]}, ou --resume para continuar do último.` : ' (nem de nenhuma outra).'),
  );
}

/** Runs a training from parsed arguments, into `--run-folder` or the next free run folder. */
export async function runTraining(args: TrainArgs): Promise<TrainingRun> {
  const continuing = args.resume || args.initialEpoch > 0;
  if (continuing && args.runFolder === undefined) {
    throw new UsageError(`${args.resume ? '--resume' : '--initial-epoch'} precisa de --run-folder: diga qual treino continuar (por exemplo --run-folder run/vae/0002_digits).`);
  }
  const available = trainingImageCount(args.data);
  if (args.limit !== undefined && args.limit > available) {
    throw new UsageError(`--limit ${args.limit}: o conjunto ${args.data} tem ${formatPt(available)} imagens de treino; use no máximo ${formatPt(available)} (ou omita --limit para usar todas).`);
  }
  if (args.runFolder !== undefined) {
    // Cheap checks before loading any data (fit checks again, under the folder's lock).
    const contents = await inspectRunFolder(args.runFolder);
    if (!continuing && contents.found.length && !args.overwrite) throw new ConfigError(folderInUseMessage(args.runFolder, contents.found));
    if (continuing && !contents.exists) throw new ConfigError(`${args.runFolder} não existe: não há treino para continuar.`);
  }
  const model = await modelFor(args, continuing);
  let data: Awaited<ReturnType<typeof loadMnist>> | null = null;
  let runFolder = args.runFolder;
  let claimed = false;
  try {
    if (args.initialEpoch > 0) {
      const from = await loadInitialEpoch(model, args.runFolder!, args.initialEpoch);
      console.log(`Pesos lidos de ${from}; continuando da época ${args.initialEpoch}.`);
    }
    await initBackend({ backend: args.backend });
    const load = args.data === 'digits' ? loadMnist : loadFashionMnist;
    data = await load({ limit: args.limit ? { train: args.limit, test: 1 } : undefined, quiet: args.quiet });
    tf.dispose([data.xTest, data.yTest, data.yTrain]);
    if (runFolder === undefined) {
      runFolder = await claimNextRunFolder(RUN_ROOT, args.model, args.data);
      claimed = true;
      console.log(`Treino novo em ${runFolder} (a próxima pasta livre; --run-folder escolhe outra).`);
    }
    // Continuing, only the flags given are compared with the saved run; the others take its values.
    const given = <K extends 'batchSize' | 'lrDecay' | 'seed'>(k: K) => (continuing && !args.given.has(k) ? undefined : args[k]);
    const result = await model.train({
      x: data.xTrain,
      batchSize: given('batchSize'),
      epochs: args.epochs,
      runFolder,
      printEveryNBatches: args.printEvery,
      initialEpoch: args.initialEpoch,
      lrDecay: given('lrDecay'),
      seed: given('seed'),
      resume: args.resume,
      keepCheckpoints: args.keepCheckpoints,
      workers: args.workers,
      progress: args.quiet ? 'silent' : undefined,
      ifExists: args.overwrite ? 'replace' : 'refuse',
      dataName: args.data,
    });
    return { result, runFolder };
  } catch (err) {
    // A folder claimed by this run and left without a single checkpoint is only noise: remove it.
    if (claimed && runFolder && !(await findLatestCheckpoint(runPaths(runFolder).weights))) await fs.rm(runFolder, { recursive: true, force: true });
    throw err;
  } finally {
    data?.xTrain.dispose();
    model.dispose();
  }
}

/** CLI entry: returns the exit code (0 ok, 1 error, 2 bad usage, 130 interrupted). */
export async function main(argv: string[]): Promise<number> {
  let args: TrainArgs;
  try {
    args = parseTrainArgs(argv);
  } catch (err) {
    return reportError(err);
  }
  if (args.help) {
    console.log(TRAIN_USAGE);
    return 0;
  }
  try {
    const { result, runFolder } = await runTraining(args);
    const last = result.history[result.history.length - 1];
    if (result.stopReason === 'interrupted') {
      console.error(`Interrompido. O último checkpoint completo está em ${runPaths(runFolder).weights}; continue com --resume --run-folder ${runFolder}.`);
      return 130;
    }
    if (last) {
      const speed = result.history.reduce((a, h) => a + h.imagesPerSecond, 0) / result.history.length;
      console.log(`Treino concluído: época ${result.lastEpoch}/${args.epochs}, loss ${formatPt(last.metrics.loss, 2)}, ${formatPt(speed)} imagens/s em média. Pasta: ${runFolder}`);
    }
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

runIfMain(module, main);
