import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consecutiveChanges, coveredFraction, emptyCells, sharedLatentDomain, nearestLabels, nearestLabelShares, emptyRegionPoints, klMonteCarlo, klNormal, klPerDimension, labelAreas, latentRanges } from '../src';
import { testBackend } from './helpers';

const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} ≠ ${b}`);

// Four corners of the square [0, 2]² and its centre: a box with known empty cells.
const SQUARE: [number, number][] = [[0, 0], [2, 0], [0, 2], [2, 2], [1, 1]];

test('latentRanges gives min, max, mean and asymmetry per dimension', async () => {
  await testBackend();
  const [x, y] = latentRanges(tf.tensor2d([[-1, 0], [3, 2], [1, 4]]));
  assert.deepEqual([x.min, x.max, x.mean], [-1, 3, 1]);
  close(x.asymmetry, 0.5); // |3 + (−1)| / 4
  assert.deepEqual([y.min, y.max, y.mean], [0, 4, 2]);
  close(y.asymmetry, 1);
  close(latentRanges([[-2], [2]])[0].asymmetry, 0); // symmetric around 0
});

test('labelAreas: a label spread twice as wide in both axes occupies four times the area', () => {
  const small = [[-1, 0], [1, 0], [0, -1], [0, 1]];
  const big = small.map(([a, b]) => [2 * a + 10, 2 * b]);
  const areas = labelAreas([...small, ...big], [3, 3, 3, 3, 7, 7, 7, 7]);
  assert.deepEqual(areas.map((a) => [a.label, a.count]), [[3, 4], [7, 4]]);
  close(areas[1].area / areas[0].area, 4);
  // var = 2/3 on each axis, no covariance: π · 4 · sqrt(det Σ) = 4π · 2/3
  close(areas[0].area, (4 * Math.PI * 2) / 3);
});

test('emptyCells finds the cells of the grid that hold no point', () => {
  const e = emptyCells(SQUARE, 3);
  assert.deepEqual(e.box, [0, 2, 0, 2]);
  close(e.fraction, 4 / 9); // the corners and the centre are occupied
  assert.equal(e.centres.length, 4);
  for (const [x, y] of e.centres) assert.ok((x === 1) !== (y === 1), `célula (${x}, ${y}) deveria estar numa aresta`);
});

test('emptyRegionPoints draws reproducible points inside empty cells only', () => {
  const pts = emptyRegionPoints(SQUARE, 50, { bins: 3, seed: 5 });
  assert.equal(pts.length, 50);
  assert.deepEqual(emptyRegionPoints(SQUARE, 50, { bins: 3, seed: 5 }), pts);
  assert.notDeepEqual(emptyRegionPoints(SQUARE, 50, { bins: 3, seed: 6 }), pts);
  // an empty cell of this grid is an edge cell: exactly one coordinate in the middle third
  for (const [x, y] of pts) {
    const mid = (v: number) => v > 2 / 3 && v < 4 / 3;
    assert.ok(x >= 0 && x <= 2 && y >= 0 && y <= 2 && mid(x) !== mid(y), `(${x}, ${y}) fora das células vazias`);
  }
  assert.equal(coveredFraction(SQUARE, pts, 3), 0);
  assert.throws(() => emptyRegionPoints([[0, 0], [1, 1]], 3, { bins: 1 }), /Nenhuma célula vazia/);
});

test('coveredFraction counts queries on occupied cells; outside the box is uncovered', () => {
  const queries = [[0.1, 0.1], [1, 1], [1, 0.1], [5, 5], [-1, 1]];
  close(coveredFraction(SQUARE, queries, 3), 2 / 5);
  close(coveredFraction(SQUARE, SQUARE, 3), 1);
});

test('coveredFraction on a fixed box: the same cells for every model, points outside ignored', () => {
  // grid of 2×2 cells over [-1, 1]²; z occupies only the (+, +) cell (the far point is outside the box)
  const z = [[0.5, 0.5], [0.2, 0.9], [50, 50]];
  const queries = [[0.1, 0.1], [0.9, 0.9], [-0.5, 0.5], [-0.5, -0.5], [2, 2]];
  close(coveredFraction(z, queries, { bins: 2, box: [-1, 1, -1, 1] }), 2 / 5);
  // over z's own bounding box ([0.2, 50] × [0.5, 50]) the cell holding (0.5, 0.5) is ~25 wide: it counts
  // (2, 2) as covered and (0.1, 0.1), just outside the box, as not — hence the fixed box to compare models
  assert.deepEqual([[0.1, 0.1], [2, 2]].map((q) => coveredFraction(z, [q], 2)), [0, 1]);
  assert.throws(() => coveredFraction(z, queries, { box: [1, -1, 0, 1] }), /xmin < xmax/);
});

test('nearestLabelShares: each query goes to the label of its nearest point', async () => {
  await testBackend();
  const z = [[0, 0], [10, 0], [0, 10]];
  const labels = [2, 0, 1];
  const queries = [[1, 1], [-1, 0.5], [9, 1], [0, 20]];
  assert.deepEqual(nearestLabelShares(z, labels, queries), [1 / 4, 1 / 4, 2 / 4]);
  assert.throws(() => nearestLabelShares(z, [0, 1], queries), /rótulos/);
});

test('nearestLabels: the label of the nearest point, in every coordinate', async () => {
  await testBackend();
  const z = [[0, 0, 0], [10, 0, 0], [0, 0, 10]];
  const labels = [2, 0, 1];
  assert.deepEqual(nearestLabels(z, labels, [[1, 1, 1], [9, 5, 0], [0, 0, 6], [0, 0, 4]]), [2, 0, 1, 2]);
  const before = tf.memory().numTensors;
  nearestLabels(z, labels, Array.from({ length: 2500 }, (_, i) => [i % 11, 0, 0])); // three chunks
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  assert.throws(() => nearestLabels(z, [0, 1], [[0, 0, 0]]), /rótulos/);
  assert.throws(() => nearestLabels(z, labels, [[0, 0]]), /coordenadas/);
});

test('klPerDimension is the mean closed-form KL of each dimension', async () => {
  await testBackend();
  const mu = tf.tensor2d([[0, 1], [0, -1]]);
  const logVar = tf.tensor2d([[0, Math.log(4)], [0, 0]]);
  const [d0, d1] = klPerDimension(mu, logVar);
  close(d0, 0);
  close(d1, (klNormal(1, 2) + klNormal(-1, 1)) / 2);
});

test('klMonteCarlo agrees with the closed form klNormal', async () => {
  await testBackend();
  const before = tf.memory().numTensors;
  for (const [mu, sigma] of [[0, 1], [1, 1], [0, 0.5], [2, 0.3], [-1, 2]]) {
    close(klMonteCarlo(mu, sigma, 200_000, 3), klNormal(mu, sigma), 0.02);
  }
  close(klMonteCarlo(0, 1), 0, 1e-6); // ε² and z² cancel exactly
  assert.equal(tf.memory().numTensors, before);
});

test('consecutiveChanges: the mean absolute pixel change from each image of a strip to the next', async () => {
  await testBackend();
  const strip = tf.stack([tf.zeros([4, 4, 1]), tf.fill([4, 4, 1], 0.5), tf.fill([4, 4, 1], 0.5), tf.ones([4, 4, 1])]) as tf.Tensor4D;
  const changes = consecutiveChanges(strip);
  assert.equal(changes.length, 3);
  [0.5, 0, 0.5].forEach((v, i) => close(changes[i], v));
  assert.throws(() => consecutiveChanges(strip.slice(0, 1)), /pelo menos 2 imagens/);
});

test('sharedLatentDomain: one square window, a whole number ≥ 3, holding every point of every space', async () => {
  await testBackend();
  assert.deepEqual(sharedLatentDomain([tf.tensor2d([[0.5, -1], [2, 1]])]), [-3, 3]);
  assert.deepEqual(sharedLatentDomain([tf.tensor2d([[0.5, -1]]), tf.tensor2d([[-4.2, 1], [3, 3]])]), [-5, 5]);
});
