/**
 * The classifier's folder (run/classifier/0001_digits): model.json + weights.bin in the standard
 * TensorFlow.js format, manifest.json (architecture, training settings, accuracies, command,
 * backend, date) and training_log.csv (one row per epoch).
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError, formatShape } from '../errors';
import { writeFileAtomic } from '../io/files';
import { folderSaveHandler } from '../io/model-files';
import { countParams, summaryText } from '../model/summary';
import { runManifest, type RunManifest } from '../model/params';
import type { ClassifierEpochLog } from './train';

export const CLASSIFIER_MANIFEST = 'manifest.json';
export const CLASSIFIER_LOG = 'training_log.csv';
export const CLASSIFIER_FORMAT = 'vae-didatico/classifier@1';

/** What manifest.json says about the classifier. */
export interface ClassifierManifest {
  format: typeof CLASSIFIER_FORMAT;
  architecture: {
    /** One entry per layer: name, class, output shape as Keras prints it, number of weights. */
    layers: { name: string; type: string; outputShape: string; params: number }[];
    params: number;
    /** Size of weights.bin. */
    weightsBytes: number;
    /** The Keras-style summary, line by line. */
    summary: string[];
  };
  training: {
    dataset: string;
    trainImages: number;
    testImages: number;
    epochs: number;
    batchSize: number;
    learningRate: number;
    lrDecay: number;
    maxShift: number;
    seed: number;
    /** Wall-clock seconds of the training epochs (test evaluations excluded). */
    seconds: number;
  };
  accuracy: {
    /** On the training images, not shifted, after the last epoch. */
    train: number;
    /** On the test images after the last epoch. */
    test: number;
    testErrors: number;
  };
  /** Package versions, backend, command, date (as in params.json). */
  manifest: RunManifest;
}

const CSV_HEADER = 'epoch,loss,train_accuracy,test_accuracy,learning_rate,seconds,images_per_second';

/** The training log as CSV text, one row per epoch. */
export function classifierLogCsv(history: readonly ClassifierEpochLog[]): string {
  const rows = history.map((h) => [h.epoch, h.loss, h.trainAccuracy, h.testAccuracy, h.learningRate, h.seconds.toFixed(3), h.imagesPerSecond.toFixed(1)].join(','));
  return [CSV_HEADER, ...rows].join('\n') + '\n';
}

/** The architecture part of the manifest, read from the model itself. */
export function describeArchitecture(model: tf.LayersModel): Omit<ClassifierManifest['architecture'], 'weightsBytes'> {
  return {
    layers: model.layers.map((l) => ({ name: l.name, type: l.getClassName(), outputShape: formatShape(l.outputShape as (number | null)[]), params: l.countParams() })),
    params: countParams(model).total,
    summary: summaryText(model).split('\n'),
  };
}

/** Writes the model, the manifest and the log into `dir`. */
export async function saveClassifierRun(
  dir: string,
  model: tf.LayersModel,
  info: { training: ClassifierManifest['training']; accuracy: ClassifierManifest['accuracy']; history: readonly ClassifierEpochLog[] },
): Promise<ClassifierManifest> {
  await model.save(folderSaveHandler(dir));
  const weightsBytes = (await fs.stat(path.join(dir, 'weights.bin'))).size;
  const manifest: ClassifierManifest = {
    format: CLASSIFIER_FORMAT,
    architecture: { ...describeArchitecture(model), weightsBytes },
    training: info.training,
    accuracy: info.accuracy,
    manifest: runManifest(info.training.seed),
  };
  await writeFileAtomic(path.join(dir, CLASSIFIER_LOG), classifierLogCsv(info.history));
  await writeFileAtomic(path.join(dir, CLASSIFIER_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

/** Reads manifest.json of a classifier folder (e.g. to quote its test accuracy). */
export async function readClassifierManifest(dir: string): Promise<ClassifierManifest> {
  const file = path.join(dir, CLASSIFIER_MANIFEST);
  let json: ClassifierManifest;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new DataError(`Não consegui ler ${file}: ${(err as Error).message}`, file, { cause: err });
  }
  if (json?.format !== CLASSIFIER_FORMAT) throw new DataError(`${file}: formato "${json?.format}", esperado "${CLASSIFIER_FORMAT}".`, file);
  return json;
}
