#!/usr/bin/env node
/**
 * `npm run train-classifier -- [flags]`: trains the MNIST digit classifier (src/classifier/) and
 * writes its folder (default run/classifier/0001_digits). Library code throws; only this file exits.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { backendFlag, flag, parseFlags, usageLines, type Parsed } from './flags';
import { reportError, runIfMain } from './run';
import { initBackend } from '../backend';
import { type ClassifierEpochLog, classifierAccuracy, classifierLogCsv, CLASSIFIER_LOG, CLASSIFIER_RUN, CLASSIFIER_TRAIN_DEFAULTS, saveClassifierRun, trainClassifier } from '../classifier';
import { loadMnistArrays, splitToTensors } from '../data/datasets';
import { ConfigError } from '../errors';
import { writeFileAtomic } from '../io/files';
import { MODEL_JSON } from '../io/model-files';
import { formatPt } from '../text';
import { createProgressBar, formatDuration } from '../progress';

const D = CLASSIFIER_TRAIN_DEFAULTS;

/** Every flag of `npm run train-classifier`, with its default: the usage text is generated from this table. */
export const TRAIN_CLASSIFIER_FLAGS = {
  epochs: flag.int({ min: 1, default: D.epochs, help: 'épocas' }),
  seed: flag.int({ default: D.seed, help: 'semente da inicialização, do embaralhamento e dos deslocamentos' }),
  out: flag.string({ value: 'DIR', default: CLASSIFIER_RUN, help: 'pasta de saída' }),
  batchSize: flag.int({ min: 1, default: D.batchSize, help: 'imagens por passo' }),
  lr: flag.number({ min: 0, exclusiveMin: true, default: D.learningRate, help: 'learning rate do Adam na primeira época' }),
  lrDecay: flag.number({ min: 0, exclusiveMin: true, max: 1, default: D.lrDecay, help: 'fator da learning rate a cada época' }),
  maxShift: flag.int({ min: 0, max: 13, default: D.maxShift, help: 'deslocamento aleatório máximo das imagens, em pixels (0 = sem)' }),
  limit: flag.int({ min: 1, default: undefined, defaultText: 'todas', help: 'usa só as N primeiras imagens de treino e de teste (para testes rápidos)' }),
  overwrite: flag.bool({ help: 'aceita gravar por cima de um classificador já salvo na pasta' }),
  backend: backendFlag(),
  quiet: flag.bool({ help: 'sem barra de progresso' }),
  help: flag.bool({ short: 'h', help: 'esta ajuda' }),
};

export const TRAIN_CLASSIFIER_USAGE = `Uso: npm run train-classifier -- [opções]

Treina o classificador de dígitos (uma rede convolucional pequena) no conjunto de treino do MNIST
e grava na pasta: model.json + weights.bin, manifest.json e training_log.csv. Os notebooks usam
esse classificador para medir o que os decoders geram (classifyDigits).

${usageLines(TRAIN_CLASSIFIER_FLAGS)}`;

export type TrainClassifierArgs = Parsed<typeof TRAIN_CLASSIFIER_FLAGS>;

/** Parses the command line (kebab-case flags) into typed arguments, with Portuguese errors. */
export function parseTrainClassifierArgs(argv: string[]): TrainClassifierArgs {
  return parseFlags(TRAIN_CLASSIFIER_FLAGS, argv);
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
  // The settings, once: the training uses them and the manifest records them.
  const settings = { epochs: args.epochs, batchSize: args.batchSize, learningRate: args.lr, lrDecay: args.lrDecay, maxShift: args.maxShift, seed: args.seed };
  const { network, history } = await trainClassifier(data, {
    ...settings,
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
        ...settings,
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
