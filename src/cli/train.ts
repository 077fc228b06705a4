#!/usr/bin/env node
/**
 * `npm run train -- [flags]`: trains the VAE (or the plain AE) on MNIST / Fashion-MNIST and writes
 * the run folder in GDL's layout. Library code throws; only this file turns errors into exit codes.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { reportError, runIfMain } from './run';
import { initBackend, parseBackendChoice, type BackendChoice } from '../backend';
import { loadFashionMnist, loadMnist } from '../data';
import { ConfigError } from '../errors';
import { Autoencoder } from '../model/autoencoder';
import { MNIST_VAE_OPTIONS } from '../model/options';
import { VariationalAutoencoder } from '../model/vae';
import { findLatestCheckpoint } from '../train/checkpoint';
import type { TrainResult } from '../train/types';

export const TRAIN_USAGE = `Uso: npm run train -- [opções]

Treina o autoencoder variacional do livro (Generative Deep Learning, cap. 3) e grava a pasta da
execução: params.json, viz/, images/, weights/ e training_log.csv.

  --data digits|fashion     conjunto de dados (padrão: digits = MNIST)
  --model vae|ae            autoencoder variacional ou o autoencoder simples da seção 1 (padrão: vae)
  --epochs N                última época a treinar (padrão: 200, como no livro)
  --batch-size N            imagens por passo (padrão: 32)
  --lr X                    learning rate do Adam (padrão: 0.0005)
  --r-loss-factor X         peso da reconstrução (padrão: 1000)
  --kl-weight X             peso da divergência KL (padrão: 1; 0 = sem regularização)
  --lr-decay X              decaimento da learning rate por época (padrão: 1 = constante)
  --limit N                 usa só as N primeiras imagens de treino
  --run-folder DIR          pasta da execução (padrão: run/vae/0002_digits)
  --initial-epoch N         épocas já treinadas (os pesos são lidos da pasta)
  --resume                  continua do último checkpoint completo da pasta
  --overwrite               aceita começar do zero numa pasta que já tem checkpoints
  --print-every N           uma imagem de amostra a cada N lotes (padrão: 100)
  --keep-checkpoints all|latest   guarda um checkpoint por época (padrão) ou só o último
  --workers N|auto          threads de treino (padrão: auto)
  --backend auto|tensorflow|wasm|cpu   motor do TensorFlow.js (padrão: VAE_BACKEND ou auto)
  --seed N                  semente (inicialização, embaralhamento e amostragem)
  --quiet                   sem barra de progresso
  -h, --help                esta ajuda`;

export interface TrainArgs {
  data: 'digits' | 'fashion';
  model: 'vae' | 'ae';
  epochs: number;
  batchSize: number;
  lr: number;
  rLossFactor: number;
  klWeight: number;
  lrDecay: number;
  limit: number | null;
  runFolder: string;
  initialEpoch: number;
  resume: boolean;
  overwrite: boolean;
  printEvery: number;
  keepCheckpoints: 'all' | 'latest';
  workers: number | 'auto';
  backend: BackendChoice | undefined;
  seed: number | undefined;
  quiet: boolean;
  help: boolean;
}

function numberFlag(value: string | undefined, flag: string, check: (n: number) => boolean, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n)) throw new ConfigError(`--${flag} ${value}: esperado ${what}.`);
  return n;
}

const isPositiveInt = (n: number) => Number.isInteger(n) && n > 0;

/** Parses the command line (kebab-case flags) into typed arguments, with Portuguese errors. */
export function parseTrainArgs(argv: string[]): TrainArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        data: { type: 'string' },
        model: { type: 'string' },
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        lr: { type: 'string' },
        'r-loss-factor': { type: 'string' },
        'kl-weight': { type: 'string' },
        'lr-decay': { type: 'string' },
        limit: { type: 'string' },
        'run-folder': { type: 'string' },
        'initial-epoch': { type: 'string' },
        resume: { type: 'boolean' },
        overwrite: { type: 'boolean' },
        'print-every': { type: 'string' },
        'keep-checkpoints': { type: 'string' },
        workers: { type: 'string' },
        backend: { type: 'string' },
        seed: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message.replace(/^Unknown option/, 'Opção desconhecida')}\n\n${TRAIN_USAGE}`);
  }
  const data = values.data ?? 'digits';
  if (data !== 'digits' && data !== 'fashion') throw new ConfigError(`--data ${data}: use digits ou fashion.`);
  const model = values.model ?? 'vae';
  if (model !== 'vae' && model !== 'ae') throw new ConfigError(`--model ${model}: use vae ou ae.`);
  const keep = values['keep-checkpoints'] ?? 'all';
  if (keep !== 'all' && keep !== 'latest') throw new ConfigError(`--keep-checkpoints ${keep}: use all ou latest.`);
  const workers = values.workers === undefined || values.workers === 'auto' ? 'auto' : numberFlag(values.workers, 'workers', isPositiveInt, 'um inteiro positivo ou auto')!;
  const initialEpoch = numberFlag(values['initial-epoch'], 'initial-epoch', (n) => Number.isInteger(n) && n >= 0, 'um inteiro ≥ 0') ?? 0;
  if (values.resume && initialEpoch > 0) throw new ConfigError('Use --resume ou --initial-epoch, não os dois.');
  const defaultFolder = path.join('run', model, `${model === 'vae' ? '0002' : '0001'}_${data}`);
  return {
    data,
    model,
    epochs: numberFlag(values.epochs, 'epochs', isPositiveInt, 'um inteiro positivo') ?? 200,
    batchSize: numberFlag(values['batch-size'], 'batch-size', isPositiveInt, 'um inteiro positivo') ?? 32,
    lr: numberFlag(values.lr, 'lr', (n) => n > 0, 'um número positivo') ?? 0.0005,
    rLossFactor: numberFlag(values['r-loss-factor'], 'r-loss-factor', (n) => n > 0, 'um número positivo') ?? 1000,
    klWeight: numberFlag(values['kl-weight'], 'kl-weight', (n) => n >= 0, 'um número ≥ 0') ?? 1,
    lrDecay: numberFlag(values['lr-decay'], 'lr-decay', (n) => n > 0 && n <= 1, 'um número em (0, 1]') ?? 1,
    limit: numberFlag(values.limit, 'limit', isPositiveInt, 'um inteiro positivo') ?? null,
    runFolder: values['run-folder'] ?? defaultFolder,
    initialEpoch,
    resume: values.resume ?? false,
    overwrite: values.overwrite ?? false,
    printEvery: numberFlag(values['print-every'], 'print-every', (n) => Number.isInteger(n) && n >= 0, 'um inteiro ≥ 0') ?? 100,
    keepCheckpoints: keep,
    workers,
    backend: values.backend === undefined ? undefined : parseBackendChoice(values.backend, '--backend'),
    seed: numberFlag(values.seed, 'seed', Number.isInteger, 'um inteiro'),
    quiet: values.quiet ?? false,
    help: values.help ?? false,
  };
}

/** Runs a training from parsed arguments; returns the loop's result. */
export async function runTraining(args: TrainArgs): Promise<TrainResult> {
  const existing = await findLatestCheckpoint(path.join(args.runFolder, 'weights'));
  if (existing && !args.resume && args.initialEpoch === 0 && !args.overwrite) {
    throw new ConfigError(
      `${args.runFolder} já contém um treino (checkpoint da época ${existing.info.epoch}). ` +
        'Use --resume para continuar, --run-folder para outra pasta, ou --overwrite para recomeçar do zero.',
    );
  }
  if (existing && args.overwrite && !args.resume && args.initialEpoch === 0) {
    // An explicit fresh start: old checkpoints, images and log would mix with the new run.
    for (const old of ['weights', 'images', 'training_log.csv']) await fs.rm(path.join(args.runFolder, old), { recursive: true, force: true });
  }
  await initBackend({ backend: args.backend });
  const load = args.data === 'digits' ? loadMnist : loadFashionMnist;
  const data = await load({ limit: args.limit ? { train: args.limit, test: 1 } : undefined, quiet: args.quiet });
  tf.dispose([data.xTest, data.yTest, data.yTrain]);
  const options = { ...MNIST_VAE_OPTIONS, seed: args.seed };
  let model: VariationalAutoencoder | Autoencoder;
  if (args.model === 'vae') {
    const vae = new VariationalAutoencoder(options);
    vae.compile(args.lr, args.rLossFactor, { klWeight: args.klWeight });
    model = vae;
  } else {
    const ae = new Autoencoder(options);
    ae.compile(args.lr);
    model = ae;
  }
  const paramsExist = await fs.access(path.join(args.runFolder, 'params.json')).then(() => true, () => false);
  if (!paramsExist || (!args.resume && args.initialEpoch === 0)) await model.save(args.runFolder);
  if (args.initialEpoch > 0) {
    const from = await model.loadWeights(path.join(args.runFolder, 'weights', 'weights'));
    console.log(`Pesos lidos de ${from}; continuando da época ${args.initialEpoch}.`);
  }
  try {
    return await model.train({
      x: data.xTrain,
      batchSize: args.batchSize,
      epochs: args.epochs,
      runFolder: args.runFolder,
      printEveryNBatches: args.printEvery,
      initialEpoch: args.initialEpoch,
      lrDecay: args.lrDecay,
      seed: args.seed,
      resume: args.resume,
      keepCheckpoints: args.keepCheckpoints,
      workers: args.workers,
      progress: args.quiet ? 'silent' : undefined,
    });
  } finally {
    data.xTrain.dispose();
    model.dispose();
  }
}

/** CLI entry: returns the exit code (0 ok, 1 error, 2 bad usage, 130 interrupted). */
export async function main(argv: string[]): Promise<number> {
  let args: TrainArgs;
  try {
    args = parseTrainArgs(argv);
  } catch (err) {
    console.error(`Erro: ${(err as Error).message}`);
    return 2;
  }
  if (args.help) {
    console.log(TRAIN_USAGE);
    return 0;
  }
  try {
    const result = await runTraining(args);
    const last = result.history[result.history.length - 1];
    if (result.stopReason === 'interrupted') {
      console.error(`Interrompido. O último checkpoint completo está em ${path.join(args.runFolder, 'weights')}; continue com --resume.`);
      return 130;
    }
    if (last) {
      const speed = result.history.reduce((a, h) => a + h.imagesPerSecond, 0) / result.history.length;
      console.log(`Treino concluído: época ${result.lastEpoch}/${args.epochs}, loss ${last.metrics.loss.toFixed(2)}, ${Math.round(speed)} imagens/s em média. Pasta: ${args.runFolder}`);
    }
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

runIfMain(module, main);
