import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convexHull, insideConvexHull, latentMoments, locateInCloud, uniformBoxPoints } from '../src';
import { testBackend } from './helpers';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} ≠ ${b}`);

test('latentMoments: mean, population std, skewness and excess kurtosis per axis', async () => {
  await testBackend();
  // x: symmetric around 1 → skewness 0; y: 0, 0, 0, 4 → mean 1, m2 = 3, m3 = (3·(−1)³ + 3³)/4 = 6
  const [x, y] = latentMoments(tf.tensor2d([[0, 0], [1, 0], [1, 0], [2, 4]]));
  close(x.mean, 1);
  close(x.std, Math.sqrt(0.5));
  close(x.skewness, 0);
  close(y.mean, 1);
  close(y.std, Math.sqrt(3));
  close(y.skewness, 6 / 3 ** 1.5);
  close(x.excessKurtosis, (2 * 1 / 4) / 0.25 - 3); // m4 = (1 + 0 + 0 + 1)/4, m2² = 0.25
  close(y.excessKurtosis, ((3 * 1 + 81) / 4) / 9 - 3); // m4 = (3·(−1)⁴ + 3⁴)/4
  const normal = latentMoments(tf.randomNormal([20000, 1], 0, 1, 'float32', 3) as tf.Tensor2D)[0];
  assert.ok(Math.abs(normal.skewness) < 0.05 && Math.abs(normal.excessKurtosis) < 0.1, `N(0, 1): ${normal.skewness}, ${normal.excessKurtosis}`);
  assert.ok(latentMoments([[0, 5], [0, 5]])[0].skewness === 0, 'a constant axis has skewness 0, not NaN');
  assert.ok(latentMoments([[0, 5], [0, 5]])[0].excessKurtosis === 0, 'and excess kurtosis 0');
  assert.throws(() => latentMoments([]), /nenhum ponto/);
});

test('convexHull keeps the corners of a square, counter-clockwise, and drops inner and collinear points', () => {
  const hull = convexHull([[0, 0], [2, 0], [1, 0], [2, 2], [0, 2], [1, 1], [0.5, 1.5]]);
  assert.deepEqual(hull, [[0, 0], [2, 0], [2, 2], [0, 2]]);
  assert.ok(insideConvexHull(hull, [1, 1]));
  assert.ok(insideConvexHull(hull, [2, 1]), 'a point on an edge is inside');
  assert.ok(!insideConvexHull(hull, [2.01, 1]));
  assert.ok(!insideConvexHull(hull, [-1, -1]));
  assert.ok(!insideConvexHull([[0, 0], [1, 1]], [0.5, 0.5]), 'two points enclose nothing');
});

test('locateInCloud: nearest point, inside the hull, distance over the 95% radius', () => {
  // 20 points on the unit circle around (10, 0) plus its centre: the 95% radius is 1 (20 of 21 points within it)
  const ring = Array.from({ length: 20 }, (_, k) => [10 + Math.cos((2 * Math.PI * k) / 20), Math.sin((2 * Math.PI * k) / 20)]);
  const cloud = [...ring, [10, 0]];
  const [centre, edge, far] = locateInCloud(cloud, [[10.1, 0], [11.5, 0], [10, 3]]);
  assert.equal(centre.nearestIndex, 20);
  close(centre.nearest, 0.1);
  assert.ok(centre.insideHull);
  close(centre.radiusRatio, 0.1);
  assert.ok(centre.interior);
  assert.equal(edge.nearestIndex, 0);
  close(edge.nearest, 0.5);
  assert.ok(!edge.insideHull);
  close(edge.radiusRatio, 1.5);
  assert.ok(!edge.interior && !far.interior);
  assert.equal(far.nearestIndex, 5); // (10, 1)
  close(far.radiusRatio, 3);
  // ±1, ±2, …, ±10 on a line (mean 0): 95% of the 20 points lie within radius 10, half within 5
  const line = Array.from({ length: 10 }, (_, k) => [[k + 1, 0], [-(k + 1), 0]]).flat();
  close(locateInCloud(line, [[10, 0]])[0].radiusRatio, 1);
  close(locateInCloud(line, [[10, 0]], { quantile: 0.5 })[0].radiusRatio, 2);
  assert.throws(() => locateInCloud([[0, 0], [1, 1]], [[0, 0]]), /pelo menos 3 pontos/);
  assert.throws(() => locateInCloud(cloud, [[0, 0]], { quantile: 0 }), /quantile/);
});

test('uniformBoxPoints: n seeded points inside the bounding box, the same for the same seed; no tensor leaks', async () => {
  await testBackend();
  const cloud = [[-4, 1], [2, 5], [0, 3]];
  const before = tf.memory().numTensors;
  const a = uniformBoxPoints(cloud, 500, 7);
  const b = uniformBoxPoints(cloud, 500, 7);
  const c = uniformBoxPoints(cloud, 500, 8);
  assert.equal(tf.memory().numTensors, before + 3);
  assert.deepEqual(a.shape, [500, 2]);
  assert.deepEqual(a.arraySync(), b.arraySync());
  assert.notDeepEqual(a.arraySync(), c.arraySync());
  const pts = a.arraySync();
  assert.ok(pts.every(([x, y]) => x >= -4 && x <= 2 && y >= 1 && y <= 5));
  // uniform: about half of the points on each side of the box's middle
  const left = pts.filter(([x]) => x < -1).length / pts.length;
  assert.ok(left > 0.4 && left < 0.6, `${left}`);
  tf.dispose([a, b, c]);
});
