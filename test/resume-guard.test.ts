/**
 * Issue 12, items 4, 5 and 9: continuing a run. The saved settings win (a defining setting that
 * differs is an error naming both values; a new learning rate is allowed and recorded), a diverged
 * epoch never becomes a checkpoint, and a damaged checkpoint falls back to an intact one.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { ConfigError, ShapeError, TrainingError, VariationalAutoencoder, createModel, findLatestCheckpoint, readParams } from '../src';
import { tempDir, testBackend, tinyImages, TINY_OPTIONS } from './helpers';

const X = () => tinyImages(16);

function tinyVae(lr = 0.005, rLossFactor = 100, extra: { klWeight?: number; options?: object } = {}): VariationalAutoencoder {
  const vae = new VariationalAutoencoder({ ...TINY_OPTIONS, ...extra.options });
  vae.compile(lr, rLossFactor, { klWeight: extra.klWeight });
  return vae;
}

/** Trains with `vae` (disposed after); options over a tiny default run. */
async function train(vae: VariationalAutoencoder, options: object): Promise<void> {
  const x = X();
  try {
    await vae.train({ x, batchSize: 8, epochs: 2, progress: 'silent', printEveryNBatches: 0, workers: 1, ...options } as never);
  } finally {
    x.dispose();
    vae.dispose();
  }
}

/** A 2-epoch run (seed 3, batch 8, lr 0.005). */
async function baseRun(): Promise<string> {
  await testBackend();
  const dir = path.join(tempDir(), 'run');
  await train(tinyVae(), { runFolder: dir, seed: 3 });
  return dir;
}

const csvRows = (dir: string) => readFileSync(path.join(dir, 'training_log.csv'), 'utf8').trim().split('\n');
const files = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();

test('resume: a defining setting that differs is an error naming the saved value, and nothing is written', async () => {
  const dir = await baseRun();
  const params = readFileSync(path.join(dir, 'params.json'), 'utf8');
  const before = files(dir);
  const refused = async (vae: VariationalAutoencoder, options: object, pattern: RegExp) => {
    await assert.rejects(train(vae, { runFolder: dir, resume: true, epochs: 3, ...options }), (e: Error) => e instanceof ConfigError && pattern.test(e.message));
    assert.equal(readFileSync(path.join(dir, 'params.json'), 'utf8'), params, 'params.json untouched');
    assert.deepEqual(files(dir), before, 'no file added or removed');
  };
  await refused(tinyVae(), { batchSize: 4 }, /treinada com batchSize \(--batch-size\) = 8, e agora recebeu 4\. Ao continuar um treino valem os valores salvos/);
  await refused(tinyVae(0.005, 10), {}, /rLossFactor \(--r-loss-factor\) = 100, e agora recebeu 10/);
  await refused(tinyVae(0.005, 100, { klWeight: 0 }), {}, /klWeight \(--kl-weight\) = 1, e agora recebeu 0/);
  await refused(tinyVae(0.005, 100, { options: { zDim: 3 } }), {}, /zDim \(params\.json "options"\) = 2, e agora recebeu 3/);
  await refused(tinyVae(), { seed: 9 }, /a semente \(--seed\) = 3, e agora recebeu 9/);
  await refused(tinyVae(), { x: tinyImages(16, 9) }, /sha256 dos pixels.*as imagens são outras/);
  await refused(tinyVae(), { x: tinyImages(24) }, /--limit\) = 16 imagens, e agora recebeu 24 imagens/);
  const ae = createModel({ kind: 'ae', options: TINY_OPTIONS, compile: { learningRate: 0.005 } });
  const x = X();
  await assert.rejects(ae.train({ x, batchSize: 8, epochs: 3, runFolder: dir, resume: true, progress: 'silent', workers: 1 }), /o tipo de modelo \(--model\) = vae, e agora recebeu ae/);
  ae.dispose();
  x.dispose();
  // --data fashion on a digits run (the CLI records the data's name).
  const named = JSON.parse(params);
  named.training.data.name = 'digits';
  writeFileSync(path.join(dir, 'params.json'), JSON.stringify(named));
  await assert.rejects(train(tinyVae(), { runFolder: dir, resume: true, epochs: 3, dataName: 'fashion' }), /os dados de treino \(--data\) = digits, e agora recebeu fashion/);
});

test('resume with a new learning rate: allowed, recorded in params.json (resumes) and in the CSV learning_rate column; load() compiles with it', async () => {
  const dir = await baseRun();
  await train(tinyVae(0.001), { runFolder: dir, resume: true, epochs: 3 });
  const params = JSON.parse(readFileSync(path.join(dir, 'params.json'), 'utf8'));
  assert.equal(params.compile.learningRate, 0.001);
  assert.equal(params.training.lrFromEpoch, 3);
  assert.equal(params.resumes.length, 1);
  assert.deepEqual(params.resumes[0].changed, { learningRate: { from: 0.005, to: 0.001 } });
  assert.equal(params.resumes[0].atEpoch, 2);
  assert.deepEqual(csvRows(dir).slice(1).map((r) => [r.split(',')[0], r.split(',').pop()]), [['1', '0.005'], ['2', '0.005'], ['3', '0.001']]);
  const loaded = await VariationalAutoencoder.load(dir);
  assert.equal(loaded.learningRate, 0.001);
  loaded.dispose();
  // A second resume without --lr keeps the changed rate; a changed decay continues from the last rate.
  await train(tinyVae(0.001), { runFolder: dir, resume: true, epochs: 5, lrDecay: 0.5 });
  const rates = csvRows(dir).slice(1).map((r) => Number(r.split(',').pop()));
  assert.deepEqual(rates, [0.005, 0.005, 0.001, 0.0005, 0.00025]);
  const again = JSON.parse(readFileSync(path.join(dir, 'params.json'), 'utf8'));
  assert.deepEqual(again.resumes[1].changed, { lrDecay: { from: 1, to: 0.5 } });
});

test('a params.json edited to zDim 3 does not resume: the weights are not of that model', async () => {
  const dir = await baseRun();
  const file = path.join(dir, 'params.json');
  const params = JSON.parse(readFileSync(file, 'utf8'));
  params.options.zDim = 3;
  writeFileSync(file, JSON.stringify(params));
  // What the CLI does on resume: the model comes from params.json.
  const saved = await readParams(dir);
  const vae = createModel({ kind: 'vae', options: saved.options, compile: saved.compile });
  await assert.rejects(train(vae, { runFolder: dir, resume: true, epochs: 3 }), (e: Error) => e instanceof ShapeError && /params\.json de .* não descreve esses pesos \(foi editado\?\)/.test(e.message));
});

test('initialEpoch past the log (weights loaded by hand) is refused: the CSV would have a gap', async () => {
  const dir = await baseRun();
  const vae = tinyVae();
  await vae.loadWeights(dir);
  await assert.rejects(train(vae, { runFolder: dir, initialEpoch: 4, epochs: 6 }), (e: Error) => e instanceof TrainingError && /faltariam as linhas 3 a 4/.test(e.message));
  assert.deepEqual(csvRows(dir).slice(1).map((r) => r.split(',')[0]), ['1', '2']);
});

test('--resume without a checkpoint fails before writing anything (no params.json, no viz/)', async () => {
  await testBackend();
  const dir = tempDir();
  await assert.rejects(train(tinyVae(), { runFolder: dir, resume: true }), (e: Error) => e instanceof ConfigError && /Não há checkpoint completo para retomar/.test(e.message));
  assert.deepEqual(readdirSync(dir), []);
});

test('a truncated weights/weights falls back to the per-epoch checkpoint of the same epoch; a missing optimizer.bin suggests --initial-epoch', async () => {
  const dir = await baseRun();
  truncateSync(path.join(dir, 'weights', 'weights', 'weights.bin'), 100);
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (m: string) => void warnings.push(m);
  try {
    await train(tinyVae(), { runFolder: dir, resume: true, epochs: 3 });
  } finally {
    console.warn = warn;
  }
  assert.match(warnings.join('\n'), /têm 100 bytes.*Continuando de .*weights-002-.* \(época 2\)/);
  assert.deepEqual(csvRows(dir).slice(1).map((r) => r.split(',')[0]), ['1', '2', '3']);
  // Every checkpoint without its Adam state: the weights are fine, the message says how to use them.
  for (const e of readdirSync(path.join(dir, 'weights'))) rmSync(path.join(dir, 'weights', e, 'optimizer.bin'));
  await assert.rejects(train(tinyVae(), { runFolder: dir, resume: true, epochs: 4 }), (e: Error) => e instanceof ConfigError && /Falta .*optimizer\.bin.*use --initial-epoch 3 sem --resume/.test(e.message));
});

test('a diverged epoch (lr 1e9, one batch per epoch) is not saved: the last checkpoint stays good and resumes with finite losses', async () => {
  await testBackend();
  const dir = path.join(tempDir(), 'run');
  await train(tinyVae(), { runFolder: dir, seed: 3, epochs: 1, batchSize: 16 });
  await assert.rejects(
    train(tinyVae(1e9), { runFolder: dir, resume: true, epochs: 3, batchSize: 16 }),
    (e: Error) => e instanceof TrainingError && /O treino divergiu na época 2 .*não foi gravado\. O último checkpoint válido continua em .*weights \(época 1\)/.test(e.message),
  );
  assert.equal((await findLatestCheckpoint(path.join(dir, 'weights')))?.info.epoch, 1);
  const vae = tinyVae(1e-4);
  const x = X();
  const result = await vae.train({ x, batchSize: 16, epochs: 3, runFolder: dir, resume: true, progress: 'silent', printEveryNBatches: 0, workers: 1 });
  assert.ok(result.history.every((h) => Number.isFinite(h.metrics.loss)), JSON.stringify(result.history.map((h) => h.metrics)));
  vae.dispose();
  x.dispose();
  assert.ok(existsSync(path.join(dir, 'weights', 'weights', 'model.json')));
  assert.equal(tf.memory().numTensors >= 0, true);
});
