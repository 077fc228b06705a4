/**
 * The shipped digit classifier as a measuring instrument: `classifyDigits(images)` says which digit
 * each image shows and how sure the network is (p = softmax probability of that digit). Notebooks
 * use it to compute what they say about decoded images. The weights are loaded lazily, once per
 * process and folder, from `run/classifier/0001_digits/` (found from the package root, so it works
 * from notebooks/, the CLI and tests) or from an explicit folder.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../backend';
import { findProjectRoot } from '../data/datasets';
import { DataError, ShapeError, assert, formatShape } from '../errors';
import { MODEL_JSON, folderLoadHandler } from '../io/model-files';
import { formatPtSignificant } from '../text';
import { CLASSIFIER_INPUT_SHAPE, NUM_CLASSES } from './network';

/** The shipped classifier's folder, relative to the project root. */
export const CLASSIFIER_RUN = path.join('run', 'classifier', '0001_digits');

/** What the classifier reads in one image. */
export interface DigitReading {
  /** The predicted digit, 0–9 (the most probable class). */
  label: number;
  /** Its softmax probability, in (0, 1]. */
  p: number;
}

/** Options of `classifyDigits` / `loadClassifier`. */
export interface ClassifyOptions {
  /** Folder holding model.json + weights.bin (default: <project>/run/classifier/0001_digits). */
  dir?: string;
  /** Images per predict call (default 500). */
  batchSize?: number;
}

/** <project root>/run/classifier/0001_digits (the cwd stands in for the root if none is found). */
export function defaultClassifierDir(): string {
  return path.join(findProjectRoot() ?? process.cwd(), CLASSIFIER_RUN);
}

const loaded = new Map<string, Promise<tf.LayersModel>>();

/** Checks a loaded model reads [N, 28, 28, 1] images and gives 10 probabilities. */
function checkModelShapes(model: tf.LayersModel, dir: string): void {
  const input = model.inputs[0].shape;
  const output = model.outputs[0].shape;
  const expectedIn = [null, ...CLASSIFIER_INPUT_SHAPE];
  if (model.inputs.length !== 1 || formatShape(input) !== formatShape(expectedIn) || formatShape(output) !== formatShape([null, NUM_CLASSES])) {
    throw new ShapeError(
      `O modelo em ${dir} não é um classificador de dígitos: entrada ${formatShape(input)} e saída ${formatShape(output)}, ` +
        `esperado ${formatShape(expectedIn)} → ${formatShape([null, NUM_CLASSES])}.`,
    );
  }
}

async function load(dir: string): Promise<tf.LayersModel> {
  if (!existsSync(path.join(dir, MODEL_JSON))) {
    throw new DataError(
      `Não encontrei o classificador de dígitos em ${dir} (falta ${MODEL_JSON}). ` +
        `Os pesos acompanham o projeto em ${CLASSIFIER_RUN}; para treiná-los de novo: npm run train-classifier -- --out ${dir}`,
      path.join(dir, MODEL_JSON),
    );
  }
  await initBackend({ quiet: true });
  const model = await tf.loadLayersModel(folderLoadHandler(dir));
  try {
    checkModelShapes(model, dir);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}

/** The classifier of `dir` (default: the shipped one), loaded once per process and folder. */
export function loadClassifier(options: Pick<ClassifyOptions, 'dir'> = {}): Promise<tf.LayersModel> {
  const dir = path.resolve(options.dir ?? defaultClassifierDir());
  let model = loaded.get(dir);
  if (!model) {
    model = load(dir);
    loaded.set(dir, model);
    model.catch(() => loaded.delete(dir)); // a failed load may be retried (e.g. after training)
  }
  return model;
}

/** Frees the cached classifiers (the next `classifyDigits` loads them again). */
export async function disposeClassifiers(): Promise<void> {
  const models = await Promise.allSettled([...loaded.values()]);
  loaded.clear();
  for (const m of models) if (m.status === 'fulfilled') m.value.dispose();
}

/** Rounding slack on the [0, 1] pixel range (e.g. a mix a·(1 − t) + b·t of two images). */
const PIXEL_TOLERANCE = 1e-5;

/** Throws a clear error unless `images` is [N, 28, 28, 1] with pixels in [0, 1]. */
export function checkDigitImages(images: tf.Tensor, what = 'classifyDigits'): void {
  const expected = formatShape([null, ...CLASSIFIER_INPUT_SHAPE]).replace('None', 'N');
  if (!(images instanceof tf.Tensor) || images.rank !== 4 || images.shape.slice(1).join() !== CLASSIFIER_INPUT_SHAPE.join()) {
    const actual = images instanceof tf.Tensor ? formatShape(images.shape) : typeof images;
    throw new ShapeError(`${what} espera imagens de dígitos com forma ${expected}, como as de loadMnist(); recebeu ${actual}.`);
  }
  if (images.size === 0) return;
  const [lo, hi] = tf.tidy(() => [images.min(), images.max()].map((t) => t.dataSync()[0]));
  if (!(lo >= -PIXEL_TOLERANCE && hi <= 1 + PIXEL_TOLERANCE)) {
    throw new DataError(
      `${what} espera pixels em [0, 1] (como os de loadMnist() e as saídas do decoder); recebeu valores de ${formatPtSignificant(lo, 4)} a ${formatPtSignificant(hi, 4)}.`,
    );
  }
}

function checkBatchSize(batchSize: number): void {
  assert(Number.isInteger(batchSize) && batchSize > 0, () => `batchSize deve ser um inteiro positivo; recebido ${batchSize}.`);
}

/** Runs `model` on `images` in batches: per image the most probable digit and its probability. */
export function classifyWith(model: tf.LayersModel, images: tf.Tensor4D, batchSize = 500): DigitReading[] {
  checkBatchSize(batchSize);
  const n = images.shape[0];
  const out: DigitReading[] = new Array(n);
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const [labels, probs] = tf.tidy(() => {
      const p = model.predict(images.slice([start, 0, 0, 0], [size, -1, -1, -1])) as tf.Tensor2D;
      // label = argmax_k p_k, p = max_k p_k
      return [p.argMax(1).dataSync(), p.max(1).dataSync()];
    });
    for (let i = 0; i < size; i++) out[start + i] = { label: labels[i], p: probs[i] };
  }
  return out;
}

/**
 * Which digit each image [N, 28, 28, 1] (pixels in [0, 1]) shows, by the shipped classifier
 * (test accuracy in its manifest.json): `{ label, p }` per image, in order.
 */
export async function classifyDigits(images: tf.Tensor4D, options: ClassifyOptions = {}): Promise<DigitReading[]> {
  checkDigitImages(images);
  if (options.batchSize !== undefined) checkBatchSize(options.batchSize);
  const model = await loadClassifier(options);
  return classifyWith(model, images, options.batchSize);
}
