import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binaryCrossEntropyPerImage, klDivergence, reconstructionError, vaeLoss } from '../src';
import { testBackend } from './helpers';

const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} ≠ ${b}`);

test('vaeLoss matches hand-computed values on a tiny fixed batch', async () => {
  await testBackend();
  // Image 1: squared errors 0.25, 0, 0.25, 0.0625 → mean 0.140625; image 2: 0.01 everywhere.
  const x = tf.tensor4d([0, 0.5, 1, 0.25, 1, 1, 1, 1], [2, 2, 2, 1]);
  const xHat = tf.tensor4d([0.5, 0.5, 0.5, 0.5, 0.9, 0.9, 0.9, 0.9], [2, 2, 2, 1]);
  // KL image 1: mu 0, log_var 0 → 0. Image 2: −½[(1 + ln4 − 1 − 4) + (1 + 0 − 4 − 1)] = 3.3068528.
  const mu = tf.tensor2d([0, 0, 1, -2], [2, 2]);
  const logVar = tf.tensor2d([0, 0, Math.log(4), 0], [2, 2]);
  const r = reconstructionError(x, xHat).arraySync();
  close(r[0], 0.140625);
  close(r[1], 0.01);
  const kl = klDivergence(mu, logVar).arraySync();
  close(kl[0], 0);
  close(kl[1], 3.3068528);
  const t = vaeLoss(x, xHat, mu, logVar, 1000);
  close(t.vaeRLoss.arraySync(), (140.625 + 10) / 2);
  close(t.vaeKlLoss.arraySync(), 3.3068528 / 2);
  close(t.loss.arraySync(), 75.3125 + 1.6534264);
  const noKl = vaeLoss(x, xHat, mu, logVar, 1000, 0);
  close(noKl.loss.arraySync(), 75.3125);
  close(noKl.vaeKlLoss.arraySync(), 1.6534264, 1e-5);
});

test('KL divergence is zero only for N(0, 1) and positive otherwise', async () => {
  await testBackend();
  const kl = klDivergence(tf.tensor2d([0, 0, 0.5, 0, 0, 0], [3, 2]), tf.tensor2d([0, 0, 0, 0, 0.3, -0.3], [3, 2])).arraySync();
  close(kl[0], 0);
  assert.ok(kl[1] > 0 && kl[2] > 0);
  close(kl[1], 0.125); // ½ μ²
});

test('binaryCrossEntropyPerImage: Σ −[x log x̂ + (1 − x) log(1 − x̂)] per image, clipped like Keras', async () => {
  await testBackend();
  const x = tf.tensor4d([0, 1, 0.5, 1], [2, 2, 1, 1]);
  const xHat = tf.tensor4d([0.5, 0.5, 0.5, 1], [2, 2, 1, 1]);
  const bce = binaryCrossEntropyPerImage(x, xHat).arraySync();
  close(bce[0], 2 * Math.log(2)); // two pixels at p = 0.5
  close(bce[1], Math.log(2) - Math.log(1 - 1e-7), 1e-4); // x = 0.5 at 0.5, and x = 1 at 1 (clipped to 1 − 1e-7)
  assert.ok(Number.isFinite(binaryCrossEntropyPerImage(tf.zeros([1, 2, 2, 1]), tf.ones([1, 2, 2, 1])).arraySync()[0]), 'finite at x̂ = 1');
});
