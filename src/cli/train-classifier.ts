#!/usr/bin/env node
/**
 * `npm run train-classifier -- [flags]`: trains the MNIST digit classifier (src/classifier/) and
 * writes its folder (default run/classifier/0001_digits). Library code throws; only this file exits.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { reportError, runIfMain } from './run';
import { initBackend, parseBackendChoice, type BackendChoice } from '../backend';
import { type ClassifierEpochLog, classifierAccuracy, classifierLogCsv, CLASSIFIER_LOG, CLASSIFIER_RUN, CLASSIFIER_TRAIN_DEFAULTS, saveClassifierRun, trainClassifier } from '../classifier';
import { loadMnistArrays, splitToTensors } from '../data/datasets';
import { ConfigError } from '../errors';
import { writeFileAtomic } from '../io/files';
import { MODEL_JSON } from '../io/model-files';
import { formatPt } from '../text';
import { createProgressBar, formatDuration } from '../progress';

const D = CLASSIFIER_TRAIN_DEFAULTS;

export const TRAIN_CLASSIFIER_USAGE = `Uso: npm run train-classifier -- [opções]

Treina o classificador de dígitos (uma rede convolucional pequena) no conjunto de treino do MNIST
e grava na pasta: model.json + weights.bin, manifest.json e training_log.csv. Os notebooks usam
esse classificador para medir o que os decoders geram (classifyDigits).

  --epochs N          épocas (padrão: ${D.epochs})
  --seed N            semente da inicialização, do embaralhamento e dos deslocamentos (padrão: ${D.seed})
  --out DIR           pasta de saída (padrão: ${CLASSIFIER_RUN})
  --batch-size N      imagens por passo (padrão: ${D.batchSize})
  --lr X              learning rate do Adam na primeira época (padrão: ${D.learningRate})
  --lr-decay X        fator da learning rate a cada época (padrão: ${D.lrDecay})
  --max-shift N       deslocamento aleatório máximo das imagens, em pixels (padrão: ${D.maxShift}; 0 = sem)
  --limit N           usa só as N primeiras imagens de treino e de teste (para testes rápidos)
  --overwrite         aceita gravar por cima de um classificador já salvo na pasta
  --backend auto|tensorflow|wasm|cpu   motor do TensorFlow.js (padrão: VAE_BACKEND ou auto)
  --quiet             sem barra de progresso
  -h, --help          esta ajuda`;

export interface TrainClassifierArgs {
  epochs: number;
  seed: number;
  out: string;
  batchSize: number;
  lr: number;
  lrDecay: number;
  maxShift: number;
  limit: number | null;
  overwrite: boolean;
  backend: BackendChoice | undefined;
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
export function parseTrainClassifierArgs(argv: string[]): TrainClassifierArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        epochs: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        'batch-size': { type: 'string' },
        lr: { type: 'string' },
        'lr-decay': { type: 'string' },
        'max-shift': { type: 'string' },
        limit: { type: 'string' },
        overwrite: { type: 'boolean' },
        backend: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message.replace(/^Unknown option/, 'Opção desconhecida')}\n\n${TRAIN_CLASSIFIER_USAGE}`);
  }
  return {
    epochs: numberFlag(values.epochs, 'epochs', isPositiveInt, 'um inteiro positivo') ?? D.epochs,
    seed: numberFlag(values.seed, 'seed', Number.isInteger, 'um inteiro') ?? D.seed,
    out: values.out ?? CLASSIFIER_RUN,
    batchSize: numberFlag(values['batch-size'], 'batch-size', isPositiveInt, 'um inteiro positivo') ?? D.batchSize,
    lr: numberFlag(values.lr, 'lr', (n) => n > 0, 'um número positivo') ?? D.learningRate,
    lrDecay: numberFlag(values['lr-decay'], 'lr-decay', (n) => n > 0 && n <= 1, 'um número em (0, 1]') ?? D.lrDecay,
    maxShift: numberFlag(values['max-shift'], 'max-shift', (n) => Number.isInteger(n) && n >= 0 && n < 14, 'um inteiro de 0 a 13') ?? D.maxShift,
    limit: numberFlag(values.limit, 'limit', isPositiveInt, 'um inteiro positivo') ?? null,
    overwrite: values.overwrite ?? false,
    backend: values.backend === undefined ? undefined : parseBackendChoice(values.backend, '--backend'),
    quiet: values.quiet ?? false,
    help: values.help ?? false,
  };
}

/** Trains and saves; returns the final accuracies. */
export async function runClassifierTraining(args: TrainClassifierArgs): Promise<{ train: number; test: number }> {
  if (existsSync(path.join(args.out, MODEL_JSON)) && !args.overwrite) {
    throw new ConfigError(`${args.out} já contém um classificador (${MODEL_JSON}). Use --out para outra pasta ou --overwrite para substituí-lo.`);
  }
  await initBackend({ backend: args.backend, quiet: args.quiet });
  const limit = args.limit ? { train: Math.min(args.limit, 60_000), test: Math.min(args.limit, 10_000) } : undefined;
  const data = await loadMnistArrays({ limit, quiet: args.quiet });
  const csv = path.join(args.out, CLASSIFIER_LOG);
  const say = args.quiet ? () => {} : console.log;
  let bar: ReturnType<typeof createProgressBar> | null = null;
  let epoch = 0;
  const logged: ClassifierEpochLog[] = [];
  const { network, history } = await trainClassifier(data, {
    epochs: args.epochs,
    batchSize: args.batchSize,
    learningRate: args.lr,
    lrDecay: args.lrDecay,
    maxShift: args.maxShift,
    seed: args.seed,
    onBatchEnd: (seen, total, loss) => {
      if (seen <= args.batchSize) bar = createProgressBar({ total, label: `Época ${++epoch}/${args.epochs}`, mode: args.quiet ? 'silent' : undefined });
      bar?.update(seen, `loss ${loss.toFixed(4)}`);
    },
    onEpochEnd: async (log) => {
      bar?.stop();
      say(
        `Época ${log.epoch}/${args.epochs}: loss ${formatPt(log.loss, 4)}, acerto no treino ${formatPt(100 * log.trainAccuracy, 2)}%, ` +
          `no teste ${formatPt(100 * log.testAccuracy, 2)}% (${formatDuration(log.seconds)}, ${formatPt(log.imagesPerSecond)} imagens/s)`,
      );
      logged.push(log);
      await writeFileAtomic(csv, classifierLogCsv(logged));
    },
  });
  try {
    const train = splitToTensors(data.train, data.rows, data.cols);
    const trainAccuracy = classifierAccuracy(network.model, train.x, data.train.labels);
    train.x.dispose();
    train.y.dispose();
    const last = history[history.length - 1];
    const manifest = await saveClassifierRun(args.out, network.model, {
      training: {
        dataset: 'mnist',
        trainImages: data.train.count,
        testImages: data.test.count,
        epochs: args.epochs,
        batchSize: args.batchSize,
        learningRate: args.lr,
        lrDecay: args.lrDecay,
        maxShift: args.maxShift,
        seed: args.seed,
        seconds: history.reduce((a, h) => a + h.seconds, 0),
      },
      accuracy: { train: trainAccuracy, test: last.testAccuracy, testErrors: Math.round((1 - last.testAccuracy) * data.test.count) },
      history,
    });
    say(
      `Classificador gravado em ${args.out}: acerto ${formatPt(100 * trainAccuracy, 2)}% no treino, ${formatPt(100 * last.testAccuracy, 2)}% no teste ` +
        `(${formatPt(manifest.accuracy.testErrors)} erros em ${formatPt(data.test.count)}); pesos: ${formatPt(manifest.architecture.weightsBytes / 1024, 1)} KiB.`,
    );
    return { train: trainAccuracy, test: last.testAccuracy };
  } finally {
    network.model.dispose();
  }
}

/** CLI entry: returns the exit code (0 ok, 1 error, 2 bad usage). */
export async function main(argv: string[]): Promise<number> {
  let args: TrainClassifierArgs;
  try {
    args = parseTrainClassifierArgs(argv);
  } catch (err) {
    console.error(`Erro: ${(err as Error).message}`);
    return 2;
  }
  if (args.help) {
    console.log(TRAIN_CLASSIFIER_USAGE);
    return 0;
  }
  try {
    await runClassifierTraining(args);
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

runIfMain(module, main);
