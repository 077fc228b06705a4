/** The normal-distribution maths behind the plots: erf, Φ, Φ⁻¹ (ppf), KL, linspace. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { erf, erfc, interpolationPoints, klNormal, linspace, normalBoxMass, normCdf, normPdf, normPpf } from '../src/plots/stats';

const close = (actual: number, expected: number, tol: number) =>
  assert.ok(Math.abs(actual - expected) <= tol, `esperado ${expected} ± ${tol}, obtido ${actual}`);

test('normPpf matches scipy norm.ppf at known values', () => {
  close(normPpf(0.975), 1.959964, 1e-6);
  close(normPpf(0.01), -2.326348, 1e-6);
  close(normPpf(0.5), 0, 1e-12);
  close(normPpf(0.99), 2.326348, 1e-6);
  close(normPpf(0.001), -3.090232, 1e-6);
  close(normPpf(1e-10), -6.361341, 1e-5);
  close(normPpf(0.8413447460685429), 1, 1e-9);
  assert.equal(normPpf(0), -Infinity);
  assert.equal(normPpf(1), Infinity);
  assert.ok(Number.isNaN(normPpf(1.5)));
  close(normPpf(0.975, 3, 2), 3 + 2 * 1.959964, 1e-5);
});

test('normCdf is ½ at 0, matches tables, and inverts normPpf', () => {
  assert.equal(normCdf(0), 0.5);
  close(normCdf(1), 0.8413447460685429, 1e-13);
  close(normCdf(-1.959964), 0.025, 1e-7);
  close(normCdf(-8), 6.22096057427174e-16, 1e-25);
  for (const p of [1e-6, 0.01, 0.2, 0.5, 0.7, 0.99, 0.999999]) close(normCdf(normPpf(p)), p, 1e-12 + p * 1e-10);
});

test('erf / erfc agree with known values', () => {
  assert.equal(erf(0), 0);
  close(erf(1), 0.8427007929497149, 1e-14);
  close(erf(-0.5), -0.5204998778130465, 1e-14);
  close(erfc(3.5), 7.43098372341412e-7, 1e-18);
  close(erf(2.9) + erfc(2.9), 1, 1e-14);
});

test('normPdf, klNormal and linspace', () => {
  close(normPdf(0), 0.3989422804014327, 1e-15);
  close(normPdf(2, 2, 0.5), 0.7978845608028654, 1e-15);
  assert.equal(klNormal(0, 1), 0);
  close(klNormal(1, 1), 0.5, 1e-15);
  assert.ok(klNormal(0, 0.5) > 0 && klNormal(0, 2) > 0);
  assert.deepEqual(linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(linspace(2, 3, 1), [2]);
  assert.equal(linspace(0.01, 0.99, 15).at(-1), 0.99);
});

test('interpolationPoints walks the segment from a to b; normalBoxMass is (2Φ(h) − 1)^d', () => {
  const path = interpolationPoints([0, 2], [4, -2], 5);
  assert.deepEqual(path.map((p) => p.t), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(path.map((p) => p.z), [[0, 2], [1, 1], [2, 0], [3, -1], [4, -2]]);
  close(normalBoxMass(1.959963984540054, 1), 0.95, 1e-12);
  close(normalBoxMass(3, 2), 0.9946076, 1e-7); // [−3, 3]²: the box of notebook 03
  close(normalBoxMass(3, 1) ** 2, normalBoxMass(3, 2), 1e-15);
});
