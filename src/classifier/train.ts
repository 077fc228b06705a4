/**
 * Training the digit classifier: Adam on the softmax cross-entropy
 *   L = −(1/B) Σ_i log softmax(logits_i)[y_i]
 * over shuffled batches of the training set, each image shifted by a few whole pixels at random
 * (the only augmentation: decoded digits are not always centred), with a step decay of the
 * learning rate per epoch. Seeded: the same seed gives the same shuffles and shifts.
 */
import * as tf from '@tensorflow/tfjs';
import type { DatasetArrays } from '../data/datasets';
import { pixelsToFloat32 } from '../data/datasets';
import { assert } from '../errors';
import { kerasAdam } from '../train/adam';
import { Rng, hashSeed } from '../train/rng';
import { classifyWith } from './classify';
import { buildClassifier, CLASSIFIER_INPUT_SHAPE, NUM_CLASSES, type ClassifierNetwork } from './network';

/** Options of `trainClassifier`, with their defaults. */
export interface ClassifierTrainOptions {
  /** Passes over the training set (default 12). */
  epochs?: number;
  /** Images per step (default 128). */
  batchSize?: number;
  /** Adam's learning rate in the first epoch (default 0.001). */
  learningRate?: number;
  /** Factor applied to the learning rate after each epoch (default 0.8). */
  lrDecay?: number;
  /** Largest random shift in pixels, each direction (default 2; 0 = no augmentation). */
  maxShift?: number;
  /** Seed of the initialisers, the shuffles and the shifts (default 1). */
  seed?: number;
  /** Called after each epoch (e.g. to write the CSV line). */
  onEpochEnd?: (log: ClassifierEpochLog) => void | Promise<void>;
  /** Called after each step with the number of images seen in this epoch (e.g. for a progress bar). */
  onBatchEnd?: (seen: number, total: number, loss: number) => void;
}

/** One epoch of training. */
export interface ClassifierEpochLog {
  epoch: number;
  /** Mean cross-entropy over the epoch's (shifted) batches. */
  loss: number;
  /** Share of the epoch's shifted training images classified right while training. */
  trainAccuracy: number;
  /** Share of the test images classified right at the end of the epoch. */
  testAccuracy: number;
  learningRate: number;
  seconds: number;
  imagesPerSecond: number;
}

export const CLASSIFIER_TRAIN_DEFAULTS = { epochs: 12, batchSize: 128, learningRate: 0.001, lrDecay: 0.8, maxShift: 2, seed: 1 } as const;

/**
 * Images `indices` of `pixels` (28×28 bytes each) as float32 in [0, 1], each moved by (dx, dy)
 * whole pixels drawn uniformly from [−maxShift, maxShift]; pixels shifted in are 0 (background).
 */
export function shiftedBatch(pixels: Uint8Array, indices: ArrayLike<number>, maxShift: number, rng: Rng): Float32Array {
  const [rows, cols] = CLASSIFIER_INPUT_SHAPE;
  const size = rows * cols;
  const out = new Float32Array(indices.length * size);
  for (let b = 0; b < indices.length; b++) {
    const src = pixels.subarray(indices[b] * size, (indices[b] + 1) * size);
    const dx = Math.floor(rng.next() * (2 * maxShift + 1)) - maxShift;
    const dy = Math.floor(rng.next() * (2 * maxShift + 1)) - maxShift;
    // out(r, c) = src(r − dy, c − dx)
    for (let r = Math.max(0, dy); r < Math.min(rows, rows + dy); r++) {
      for (let c = Math.max(0, dx); c < Math.min(cols, cols + dx); c++) out[b * size + r * cols + c] = src[(r - dy) * cols + (c - dx)] / 255;
    }
  }
  return out;
}

/** Share of `images` that `model` classifies as `labels`. */
export function classifierAccuracy(model: tf.LayersModel, images: tf.Tensor4D, labels: ArrayLike<number>): number {
  const readings = classifyWith(model, images);
  return readings.filter((r, i) => r.label === labels[i]).length / Math.max(1, readings.length);
}

/** One Adam step on a batch; returns the batch's mean loss and how many it got right. */
function trainStep(net: ClassifierNetwork, optimizer: tf.Optimizer, x: tf.Tensor4D, y: tf.Tensor1D): { loss: number; correct: number } {
  let correct: tf.Scalar | null = null;
  try {
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const logits = net.logits.apply(x, { training: true }) as tf.Tensor2D;
        correct = tf.keep(logits.argMax(1).equal(y).sum() as tf.Scalar); // kept: outlives the gradient's scope
        return tf.losses.softmaxCrossEntropy(tf.oneHot(y, NUM_CLASSES), logits) as tf.Scalar;
      }, net.logits.trainableWeights.map((w) => w.read() as tf.Variable));
      optimizer.applyGradients(grads);
      return { loss: value.dataSync()[0], correct: correct!.dataSync()[0] };
    });
  } finally {
    (correct as tf.Scalar | null)?.dispose();
  }
}

/** Trains a fresh classifier on `data.train`, measuring `data.test` after each epoch. */
export async function trainClassifier(data: DatasetArrays, options: ClassifierTrainOptions = {}): Promise<{ network: ClassifierNetwork; history: ClassifierEpochLog[] }> {
  const o = { ...CLASSIFIER_TRAIN_DEFAULTS, ...options };
  assert(data.rows === CLASSIFIER_INPUT_SHAPE[0] && data.cols === CLASSIFIER_INPUT_SHAPE[1], () => `trainClassifier: imagens ${data.rows}×${data.cols}, esperado 28×28.`);
  assert(Number.isInteger(o.epochs) && o.epochs > 0, () => `epochs deve ser um inteiro positivo; recebido ${o.epochs}.`);
  assert(Number.isInteger(o.batchSize) && o.batchSize > 0, () => `batchSize deve ser um inteiro positivo; recebido ${o.batchSize}.`);
  assert(Number.isInteger(o.maxShift) && o.maxShift >= 0 && o.maxShift < 14, () => `maxShift deve ser um inteiro de 0 a 13; recebido ${o.maxShift}.`);
  const net = buildClassifier(o.seed);
  const optimizer = kerasAdam(o.learningRate);
  const xTest = tf.tensor4d(pixelsToFloat32(data.test.images), [data.test.count, ...CLASSIFIER_INPUT_SHAPE]);
  const n = data.train.count;
  const history: ClassifierEpochLog[] = [];
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const learningRate = o.learningRate * o.lrDecay ** (epoch - 1);
      (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
      const order = new Rng(hashSeed(o.seed, epoch, 1)).permutation(n);
      const shifts = new Rng(hashSeed(o.seed, epoch, 2));
      const start = performance.now();
      let lossSum = 0;
      let correct = 0;
      for (let b = 0; b < n; b += o.batchSize) {
        const idx = order.subarray(b, Math.min(n, b + o.batchSize));
        const x = tf.tensor4d(shiftedBatch(data.train.images, idx, o.maxShift, shifts), [idx.length, ...CLASSIFIER_INPUT_SHAPE]);
        const y = tf.tensor1d(Int32Array.from(idx, (i) => data.train.labels[i]), 'int32');
        const step = trainStep(net, optimizer, x, y);
        tf.dispose([x, y]);
        lossSum += step.loss * idx.length;
        correct += step.correct;
        options.onBatchEnd?.(b + idx.length, n, step.loss);
      }
      const seconds = (performance.now() - start) / 1000;
      const log: ClassifierEpochLog = {
        epoch,
        loss: lossSum / n,
        trainAccuracy: correct / n,
        testAccuracy: classifierAccuracy(net.model, xTest, data.test.labels),
        learningRate,
        seconds,
        imagesPerSecond: n / seconds,
      };
      history.push(log);
      await options.onEpochEnd?.(log);
    }
  } catch (err) {
    net.model.dispose();
    throw err;
  } finally {
    optimizer.dispose();
    xTest.dispose();
  }
  return { network: net, history };
}
