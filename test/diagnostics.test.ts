/** Diagnostics of a trained VAE (latent dimensions, collapse, centroids, the training log), the run's sample-image strip and formatPt. */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import {
  classCentroids, collapseReport, compareLosses, confidenceByRadius, pSpaceCounts, formatPt, formatPtSignificant, klDivergence, klPerDimension, latentDiagnostics,
  listSampleImages, parseCsv, trainingLogSummary, trainingSamples,
} from '../src';
import { saveGreyImage } from '../src/io/images';
import { evenlySpaced } from '../src/plots/training-samples';
import { tempDir } from './helpers';

const close = (actual: number, expected: number, tol: number, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: esperado ${expected} ± ${tol}, obtido ${actual}`);

before(async () => {
  await tf.setBackend('cpu');
});

test('latentDiagnostics: the prior itself (μ = 0, σ = 1) has KL 0 and is flagged collapsed', () => {
  const mu = Array.from({ length: 50 }, () => [0, 0]);
  const logVar = Array.from({ length: 50 }, () => [0, 0]);
  const dims = latentDiagnostics(mu, logVar);
  assert.equal(dims.length, 2);
  for (const d of dims) {
    assert.deepEqual([d.mean, d.std, d.meanSigma, d.aggregateStd, d.kl, d.collapsed], [0, 0, 1, 1, 0, true]);
  }
});

test('latentDiagnostics: an informative dimension beside a collapsed one', () => {
  // z[0]: μ = ±1, σ = 0.1 (informative); z[1]: μ = 0, σ = 1 (the prior: collapsed)
  const mu = Array.from({ length: 100 }, (_, i) => [i % 2 ? 1 : -1, 0]);
  const logVar = Array.from({ length: 100 }, () => [2 * Math.log(0.1), 0]);
  const [d0, d1] = latentDiagnostics(mu, logVar);
  close(d0.mean, 0, 1e-12, 'média de μ');
  close(d0.std, 1, 1e-12, 'desvio de μ');
  close(d0.meanSigma, 0.1, 1e-12, 'σ médio');
  close(d0.aggregateStd, Math.sqrt(1 + 0.01), 1e-12, 'desvio agregado');
  // KL(N(±1, 0.1²) ‖ N(0, 1)) = −log 0.1 + (0.01 + 1)/2 − ½
  close(d0.kl, -Math.log(0.1) + 1.01 / 2 - 0.5, 1e-9, 'KL');
  assert.equal(d0.collapsed, false);
  assert.equal(d1.collapsed, true);
  const report = collapseReport([d0, d1]);
  assert.match(report, /AVISO/);
  assert.match(report, /z\[1\]/);
  assert.doesNotMatch(report, /z\[0\]/);
  assert.match(collapseReport([d0]), /Nenhuma dimensão colapsada/);
});

test('latentDiagnostics: a constant μ with a narrow σ pays KL but is inactive (flagged)', () => {
  const dims = latentDiagnostics([[0.5], [0.5], [0.5]], [[-4], [-4], [-4]]);
  assert.ok(dims[0].kl > 1);
  assert.equal(dims[0].collapsed, true);
  assert.equal(latentDiagnostics([[0.5], [0.5]], [[-4], [-4]], { activityThreshold: 0 })[0].collapsed, false);
});

test('latentDiagnostics agrees with klPerDimension and klDivergence on tensors', () => {
  const mu = tf.randomNormal([64, 3], 0, 1.5, 'float32', 1) as tf.Tensor2D;
  const logVar = tf.randomNormal([64, 3], -1, 0.5, 'float32', 2) as tf.Tensor2D;
  const dims = latentDiagnostics(mu, logVar);
  const perDim = klPerDimension(mu, logVar);
  dims.forEach((d, i) => close(d.kl, perDim[i], 1e-4, `KL z[${i}]`));
  const total = tf.tidy(() => klDivergence(mu, logVar).mean().dataSync()[0]);
  close(dims.reduce((a, d) => a + d.kl, 0), total, 1e-3, 'soma das KL');
  tf.dispose([mu, logVar]);
  assert.throws(() => latentDiagnostics([[0, 0]], [[0]]), /mesma forma/);
  assert.throws(() => latentDiagnostics([], []), /vazio/);
});

test('classCentroids: mean point of each label, sorted by label', () => {
  const c = classCentroids([[0, 0], [2, 2], [10, 0], [1, 1], [12, 2]], [3, 3, 7, 3, 7]);
  assert.deepEqual(c, [
    { label: 3, count: 3, centroid: [1, 1] },
    { label: 7, count: 2, centroid: [11, 1] },
  ]);
  const fromTensors = classCentroids(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor1d([5, 5], 'int32'));
  assert.deepEqual(fromTensors, [{ label: 5, count: 2, centroid: [2, 3] }]);
  assert.throws(() => classCentroids([[0, 0]], [1, 2]), /um rótulo por ponto/);
});

test('trainingLogSummary and compareLosses read a training_log.csv', () => {
  const rows = parseCsv(
    'epoch,loss,vae_r_loss,vae_kl_loss,seconds,images_per_second,backend,learning_rate\n' +
      '1,60,55,5,100,600,wasm,\n2,50,45,5,120,500,wasm,0.001\n3,40,36,4,110,550,tensorflow,0.001\n',
  );
  const s = trainingLogSummary(rows);
  assert.equal(s.epochs, 3);
  assert.equal(s.lastEpoch, 3);
  assert.deepEqual(s.last, { loss: 40, vae_r_loss: 36, vae_kl_loss: 4 });
  assert.equal(s.totalSeconds, 330);
  assert.equal(s.meanImagesPerSecond, 550);
  assert.deepEqual(s.backends, ['wasm', 'tensorflow']);
  assert.throws(() => trainingLogSummary([]), /vazio/);

  const cmp = compareLosses(s.last, { loss: 44, vae_r_loss: 39.6, vae_kl_loss: 4, other: 1 });
  assert.deepEqual(cmp.map((r) => r.metric), ['loss', 'vae_r_loss', 'vae_kl_loss']);
  close(cmp[0].percent, 10, 1e-9, 'loss');
  close(cmp[1].percent, 10, 1e-9, 'vae_r_loss');
  assert.equal(cmp[2].percent, 0);
  assert.throws(() => compareLosses({ a: 1 }, { b: 2 }), /Nenhuma métrica em comum/);
});

test('evenlySpaced keeps the first and last, no repeats', () => {
  assert.deepEqual(evenlySpaced([1, 2, 3], 10), [1, 2, 3]);
  assert.deepEqual(evenlySpaced([0, 1, 2, 3, 4, 5, 6, 7, 8], 3), [0, 4, 8]);
  assert.deepEqual(evenlySpaced([0, 1, 2, 3], 1), [3]);
  assert.equal(new Set(evenlySpaced(Array.from({ length: 11 }, (_, i) => i), 10)).size, 10);
});

test('listSampleImages / trainingSamples pick images of a run folder by epoch and batch', async () => {
  const run = tempDir();
  mkdirSync(path.join(run, 'images'), { recursive: true });
  const grey = new Float32Array(28 * 28).fill(0.5);
  for (const [e, b] of [[1, 0], [1, 100], [1, 200], [2, 0], [2, 100], [10, 0]]) {
    await saveGreyImage(path.join(run, 'images', `img_${String(e).padStart(3, '0')}_${b}.jpg`), grey, 28, 28);
  }
  writeFileSync(path.join(run, 'images', 'notes.txt'), 'not an image');
  const all = await listSampleImages(run);
  assert.deepEqual(all.map((s) => [s.epoch, s.batch]), [[1, 0], [1, 100], [1, 200], [2, 0], [2, 100], [10, 0]]);

  const first = await trainingSamples(run, { epochs: [1] });
  assert.deepEqual(first.description.split(': ')[1], 'lote 0, lote 100, lote 200');
  const perEpoch = await trainingSamples(run, { perEpoch: true, title: 'por época' });
  assert.deepEqual(perEpoch.data.map((f) => path.basename(f)), ['img_001_200.jpg', 'img_002_100.jpg', 'img_010_0.jpg']);
  assert.match(perEpoch.description, /época 1, época 2, época 10/);
  const two = await trainingSamples(run, { count: 2 });
  assert.match(two.description, /ép. 1, lote 0, ép. 10, lote 0/);
  const captioned = await trainingSamples(run, { perEpoch: true, caption: (s) => `época ${s.epoch}: ${s.batch}` });
  assert.match(captioned.description, /época 1: 200, época 2: 100, época 10: 0/);
  assert.ok((await two.toPNG(1)).length > 100);
  await assert.rejects(trainingSamples(run, { epochs: [5] }), /Nenhuma imagem/);
  assert.deepEqual(await listSampleImages(path.join(run, 'nada')), []);
});

test('formatPt writes numbers the Brazilian way', () => {
  assert.equal(formatPt(12345.678, 2), '12.345,68');
  assert.equal(formatPt(1875), '1.875');
  assert.equal(formatPt(0.5, 1), '0,5');
  assert.equal(formatPt(-0.0001, 2), '0,00');
  assert.equal(formatPt(-3.25, 1), '-3,3');
  assert.equal(formatPtSignificant(0.000135), '0,00014');
  assert.equal(formatPtSignificant(0.0923, 2), '0,092');
  assert.equal(formatPtSignificant(683.8, 3), '684');
  // The kept formatters give toLocaleString's own strings, whatever the order of the calls.
  const values = [0, -0, 1e-9, -1e-9, 0.5, 2.5, 58.72049, -3.25, 1234567.891, 1e21, NaN, Infinity, -Infinity];
  for (let round = 0; round < 2; round++)
    for (const v of values) {
      for (let d = 0; d <= 4; d++) {
        const own = v.toLocaleString('pt-BR', { minimumFractionDigits: d, maximumFractionDigits: d, useGrouping: true });
        assert.equal(formatPt(v, d), /^-0(,0*)?$/.test(own) ? own.slice(1) : own, `formatPt(${v}, ${d})`);
      }
      for (let g = 1; g <= 4; g++) {
        const own = v.toLocaleString('pt-BR', { maximumSignificantDigits: g, useGrouping: true });
        assert.equal(formatPtSignificant(v, g), /^-0(,0*)?$/.test(own) ? own.slice(1) : own, `formatPtSignificant(${v}, ${g})`);
      }
    }
});

test('confidenceByRadius groups the readings by |z| in rings, the last one open', () => {
  const z = [[0.1, 0], [0, -0.4], [0.6, 0.8], [3, 4], [0, 1.5]]; // radii 0.1, 0.4, 1, 5, 1.5
  const readings = [0.95, 0.5, 0.99, 0.9, 0.2].map((p) => ({ label: 1, p }));
  const rings = confidenceByRadius(z, readings, [0, 0.5, 1, 2]);
  assert.deepEqual(rings.map((r) => [r.from, r.to, r.count]), [[0, 0.5, 2], [0.5, 1, 0], [1, 2, 2], [2, Infinity, 1]]);
  assert.deepEqual(rings.map((r) => r.confident), [0.5, NaN, 0.5, 1]);
  close(rings[0].meanP, 0.725, 1e-12, 'p médio do primeiro anel');
  assert.equal(confidenceByRadius(z, readings, [0, 2], 0.99)[0].confident, 1 / 4, 'the threshold counts p = 0.99 itself');
  assert.throws(() => confidenceByRadius(z, readings.slice(1), [0]), /uma leitura por ponto/);
  assert.throws(() => confidenceByRadius(z, readings, [0, 1, 1]), /crescentes/);
});

test('pSpaceCounts: Φ(z) per cell of the unit square, row by row from the bottom; N(0, I) fills it evenly', () => {
  // Φ(0) = 0.5 → cell 1 of 2; a very negative z → cell 0; a very large one (Φ = 1) → the last cell
  assert.deepEqual(pSpaceCounts([[0, 0], [-9, -9], [9, -9], [40, 40]], 2), [1, 1, 0, 2]);
  const counts = pSpaceCounts(tf.randomNormal([10000, 2], 0, 1, 'float32', 5) as tf.Tensor2D);
  assert.equal(counts.length, 100);
  assert.equal(counts.reduce((a, b) => a + b, 0), 10000);
  // 100 ± 10 per cell (Poisson): every cell within 5 standard deviations
  assert.ok(counts.every((c) => Math.abs(c - 100) < 50), `casas de ${Math.min(...counts)} a ${Math.max(...counts)}`);
  assert.throws(() => pSpaceCounts([[0, 0]], 0), /inteiro positivo/);
  assert.throws(() => pSpaceCounts([[0]]), /2 coordenadas/);
});
