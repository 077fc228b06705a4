/**
 * The digit classifier (src/classifier/): the shipped weights, accuracy on the whole MNIST test
 * set, shapes and ranges, determinism, clear errors, tensor count, the small summaries, the shifts
 * of the training images, and one short run of `npm run train-classifier`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  CLASSIFIER_RUN,
  DataError,
  ShapeError,
  classifyDigits,
  confidentShare,
  formatPt,
  formatReading,
  labelChanges,
  labelDistribution,
  loadClassifier,
  loadMnist,
  totalVariation,
} from '../src';
import { defaultClassifierDir, readClassifierManifest, shiftedBatch } from '../src/classifier';
import { Rng } from '../src/train/rng';
import { parseTrainClassifierArgs } from '../src/cli/train-classifier';
import { tempDir, testBackend } from './helpers';

const root = path.join(__dirname, '..', '..');
const shipped = path.join(root, CLASSIFIER_RUN);

test('the shipped classifier is found from the project root, loads once, and is small', async () => {
  await testBackend();
  assert.equal(defaultClassifierDir(), shipped);
  const model = await loadClassifier();
  assert.equal(await loadClassifier(), model, 'cached: the same model object');
  assert.deepEqual(model.inputs[0].shape, [null, 28, 28, 1]);
  assert.deepEqual(model.outputs[0].shape, [null, 10]);
  const bytes = statSync(path.join(shipped, 'weights.bin')).size;
  const manifest = await readClassifierManifest(shipped);
  assert.equal(manifest.architecture.weightsBytes, bytes);
  assert.ok(bytes <= 400_000, `weights.bin: ${bytes} bytes`);
  assert.equal(manifest.training.trainImages, 60_000, 'trained on the full training set');
  assert.equal(manifest.training.testImages, 10_000);
  assert.match(manifest.manifest.command, /train-classifier/);
  assert.ok(manifest.accuracy.test >= 0.99, `manifest test accuracy ${manifest.accuracy.test}`);
  const log = readFileSync(path.join(shipped, 'training_log.csv'), 'utf8').trim().split('\n');
  assert.equal(log.length, manifest.training.epochs + 1, 'one CSV row per epoch');
});

test('accuracy on the full MNIST test set is ≥ 99% and matches the manifest', async () => {
  await testBackend();
  const { xTrain, yTrain, xTest, yTest } = await loadMnist({ quiet: true, limit: { train: 0 } });
  tf.dispose([xTrain, yTrain]);
  const labels = yTest.dataSync();
  const start = performance.now();
  const readings = await classifyDigits(xTest);
  const seconds = (performance.now() - start) / 1000;
  const accuracy = readings.filter((r, i) => r.label === labels[i]).length / readings.length;
  console.log(`classificador: ${formatPt(100 * accuracy, 2)}% de acerto nos 10.000 dígitos de teste, em ${formatPt(seconds, 1)} s`);
  assert.equal(readings.length, 10_000);
  assert.ok(accuracy >= 0.99, `test accuracy ${accuracy}`);
  const manifest = await readClassifierManifest(shipped);
  assert.ok(Math.abs(accuracy - manifest.accuracy.test) <= 5e-4, `${accuracy} vs manifest ${manifest.accuracy.test}`);
  tf.dispose([xTest, yTest]);
});

test('one reading per image: an integer label 0–9 and p in [0.1, 1]; none for no images', async () => {
  await testBackend();
  const images = tf.randomUniform([37, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
  const readings = await classifyDigits(images, { batchSize: 16 });
  assert.equal(readings.length, 37);
  for (const r of readings) {
    assert.ok(Number.isInteger(r.label) && r.label >= 0 && r.label <= 9, `label ${r.label}`);
    assert.ok(r.p >= 0.1 && r.p <= 1, `p ${r.p} (the largest of 10 probabilities is at least 1/10)`);
  }
  assert.deepEqual(await classifyDigits(tf.zeros([0, 28, 28, 1]) as tf.Tensor4D), []);
  images.dispose();
});

test('deterministic: the same images twice give identical readings, whatever the batch size', async () => {
  await testBackend();
  const { xTest, yTest, xTrain, yTrain } = await loadMnist({ quiet: true, limit: { train: 0, test: 300 } });
  const first = await classifyDigits(xTest);
  const second = await classifyDigits(xTest);
  assert.deepEqual(second, first);
  const batched = await classifyDigits(xTest, { batchSize: 7 });
  assert.deepEqual(batched.map((r) => r.label), first.map((r) => r.label));
  batched.forEach((r, i) => assert.ok(Math.abs(r.p - first[i].p) < 1e-5, `image ${i}: p ${r.p} vs ${first[i].p}`));
  tf.dispose([xTest, yTest, xTrain, yTrain]);
});

test('clear Portuguese errors: wrong shape, pixels outside [0, 1], missing weights folder', async () => {
  await testBackend();
  const small = tf.zeros([4, 8, 8, 1]) as tf.Tensor4D;
  await assert.rejects(classifyDigits(small), (err: Error) => {
    assert.ok(err instanceof ShapeError);
    assert.match(err.message, /classifyDigits espera imagens de dígitos com forma \(N, 28, 28, 1\).*recebeu \(4, 8, 8, 1\)/);
    return true;
  });
  const flat = tf.zeros([4, 784]);
  await assert.rejects(classifyDigits(flat as unknown as tf.Tensor4D), /recebeu \(4, 784\)/);
  const bytes = tf.fill([2, 28, 28, 1], 255) as tf.Tensor4D;
  await assert.rejects(classifyDigits(bytes), (err: Error) => err instanceof DataError && /pixels em \[0, 1\].*de 255 a 255/.test(err.message));
  const negative = tf.fill([1, 28, 28, 1], -0.5) as tf.Tensor4D;
  await assert.rejects(classifyDigits(negative), /recebeu valores de -0,5 a -0,5/);
  const missing = path.join(tempDir(), 'nada');
  await assert.rejects(classifyDigits(tf.zeros([1, 28, 28, 1]) as tf.Tensor4D, { dir: missing }), (err: Error) => {
    assert.ok(err instanceof DataError);
    assert.match(err.message, new RegExp(`Não encontrei o classificador de dígitos em ${missing}.*npm run train-classifier`));
    return true;
  });
  await assert.rejects(classifyDigits(tf.zeros([1, 28, 28, 1]) as tf.Tensor4D, { batchSize: 0 }), /batchSize deve ser um inteiro positivo/);
  tf.dispose([small, flat, bytes, negative]);
});

test('the tensor count stays flat over classifyDigits calls', async () => {
  await testBackend();
  const images = tf.randomUniform([50, 28, 28, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
  await classifyDigits(images); // loads the model (its weights stay)
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) await classifyDigits(images, { batchSize: 20 });
  assert.equal(tf.memory().numTensors, before);
  images.dispose();
});

test('labelDistribution, confidentShare and totalVariation on hand-made readings', () => {
  const readings = [
    { label: 1, p: 0.95 },
    { label: 1, p: 0.5 },
    { label: 7, p: 0.9 },
    { label: 0, p: 0.99 },
  ];
  assert.deepEqual(labelDistribution(readings), [0.25, 0.5, 0, 0, 0, 0, 0, 0.25, 0, 0]);
  assert.deepEqual(labelDistribution(Int32Array.from([3, 3])), [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(labelDistribution([]), new Array(10).fill(0));
  assert.throws(() => labelDistribution([4, 10]), /posição 1 é 10/);
  assert.equal(confidentShare(readings), 0.75, 'p ≥ 0.9 counts the 0.9 itself');
  assert.equal(confidentShare(readings, 0.96), 0.25);
  assert.equal(confidentShare([]), 0);
  const uniform = new Array(10).fill(0.1);
  assert.equal(totalVariation(uniform, uniform), 0);
  assert.equal(totalVariation([1, 0], [0, 1]), 1);
  assert.ok(Math.abs(totalVariation(labelDistribution(readings), uniform) - 0.7) < 1e-12, '½(0.15 + 0.4 + 0.15 + 7 × 0.1)');
  assert.throws(() => totalVariation([1], [0.5, 0.5]), /tamanhos diferentes \(1 e 2\)/);
});

test('labelChanges counts readings that differ from the reference, most frequent change first; formatReading', () => {
  const reference = [4, 4, 4, 5, 5, 7, 3];
  const readings = [9, 4, 9, 3, 5, 7, 8].map((label) => ({ label, p: 0.9 }));
  const r = labelChanges(reference, readings);
  assert.equal(r.count, 4);
  assert.equal(r.share, 4 / 7);
  assert.deepEqual(r.changes, [{ from: 4, to: 9, count: 2 }, { from: 3, to: 8, count: 1 }, { from: 5, to: 3, count: 1 }]);
  assert.deepEqual(labelChanges(Int32Array.from([1]), [{ label: 1, p: 1 }]), { count: 0, share: 0, changes: [] });
  assert.deepEqual(labelChanges([], []), { count: 0, share: 0, changes: [] });
  assert.throws(() => labelChanges([1, 2], [{ label: 1, p: 1 }]), /2 rótulos de referência e 1 leituras/);
  assert.equal(formatReading({ label: 9, p: 0.9812 }), '9 (p = 0,98)');
  assert.equal(formatReading({ label: 3, p: 0.5 }, 1), '3 (p = 0,5)');
});

test('shiftedBatch moves each image by whole pixels within ±maxShift, filling with background', () => {
  const pixels = new Uint8Array(2 * 784);
  pixels[14 * 28 + 14] = 255; // image 0: one bright pixel at the centre
  pixels[784 + 0] = 51; // image 1: one pixel in the corner
  const same = shiftedBatch(pixels, [0, 1], 0, new Rng(1));
  assert.equal(same[14 * 28 + 14], 1);
  assert.ok(Math.abs(same[784] - 0.2) < 1e-7);
  const seen = new Set<string>();
  for (let seed = 0; seed < 200; seed++) {
    const out = shiftedBatch(pixels, [0], 2, new Rng(seed));
    const at = out.findIndex((v) => v === 1);
    const [dy, dx] = [Math.floor(at / 28) - 14, (at % 28) - 14];
    assert.ok(Math.abs(dx) <= 2 && Math.abs(dy) <= 2, `shift (${dx}, ${dy})`);
    assert.equal(out.reduce((a, v) => a + v, 0), 1, 'only the moved pixel is lit');
    seen.add(`${dx},${dy}`);
  }
  assert.equal(seen.size, 25, 'all 5×5 shifts occur');
  assert.deepEqual(shiftedBatch(pixels, [0, 0], 2, new Rng(3)), shiftedBatch(pixels, [0, 0], 2, new Rng(3)), 'seeded');
});

const cli = path.join(__dirname, '..', 'src', 'cli', 'train-classifier.js');
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 300_000 });

test('train-classifier: flags, one short epoch into a temp folder that classifyDigits loads, no silent overwrite', async () => {
  const a = parseTrainClassifierArgs([]);
  assert.deepEqual([a.epochs, a.seed, a.out, a.batchSize], [12, 1, CLASSIFIER_RUN, 128]);
  assert.throws(() => parseTrainClassifierArgs(['--epochs', '0']), /--epochs 0: esperado um inteiro positivo/);
  assert.throws(() => parseTrainClassifierArgs(['--max-shift', '20']), /--max-shift 20/);
  assert.throws(() => parseTrainClassifierArgs(['--nada']), /Opção desconhecida/);
  assert.equal(run(['--lr', 'x']).status, 2);

  const out = path.join(tempDir(), 'clf');
  const r = run(['--epochs', '1', '--limit', '256', '--out', out, '--seed', '3', '--quiet']);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  for (const f of ['model.json', 'weights.bin', 'manifest.json', 'training_log.csv']) assert.ok(existsSync(path.join(out, f)), f);
  const manifest = await readClassifierManifest(out);
  assert.deepEqual([manifest.training.trainImages, manifest.training.testImages, manifest.training.epochs, manifest.training.seed], [256, 256, 1, 3]);
  assert.equal(manifest.architecture.params, 63_914);
  assert.match(manifest.manifest.command, /--limit 256/);
  assert.ok(manifest.accuracy.test > 0.1 && manifest.accuracy.test <= 1, `accuracy ${manifest.accuracy.test}`);
  const csv = readFileSync(path.join(out, 'training_log.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 2);
  assert.ok(Number(csv[1].split(',')[1]) > 0, 'a positive loss');

  await testBackend();
  const readings = await classifyDigits(tf.zeros([3, 28, 28, 1]) as tf.Tensor4D, { dir: out });
  assert.equal(readings.length, 3);

  const again = run(['--epochs', '1', '--limit', '256', '--out', out, '--quiet']);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /já contém um classificador .*--overwrite/);
});
