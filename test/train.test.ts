import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { LocalEngine, TrainingError, VariationalAutoencoder, findLatestCheckpoint, type Callback } from '../src';
import { tempDir, testBackend, tinyImages, TINY_OPTIONS } from './helpers';

function tinyVae(): VariationalAutoencoder {
  const vae = new VariationalAutoencoder(TINY_OPTIONS);
  vae.compile(0.005, 100);
  return vae;
}

const weightsOf = (vae: VariationalAutoencoder) => vae.namedVariables().map((v) => Array.from(v.variable.dataSync()));

test('a few steps on a fixed batch lower the loss, and the tensor count stays flat', async () => {
  await testBackend();
  const vae = tinyVae();
  const engine = new LocalEngine(vae, vae.optimizer!);
  const x = tinyImages(16).dataSync() as Float32Array;
  const eps = new Float32Array(16 * 2); // ε = 0: a deterministic objective
  const losses: number[] = [];
  let countAfterWarmup = 0;
  for (let i = 0; i < 30; i++) {
    losses.push((await engine.step(x, eps, 16))[0]);
    if (i === 1) countAfterWarmup = tf.memory().numTensors;
  }
  assert.equal(tf.memory().numTensors, countAfterWarmup, 'no tensor leaked per step');
  assert.ok(losses[29] < losses[0] * 0.95, `loss went from ${losses[0]} to ${losses[29]}`);
  vae.dispose();
});

test('seeded training is reproducible on one backend', async () => {
  await testBackend();
  const run = async () => {
    const vae = tinyVae();
    const result = await vae.train({ x: tinyImages(48), batchSize: 16, epochs: 2, seed: 11, progress: 'silent' });
    const w = weightsOf(vae);
    vae.dispose();
    return { losses: result.history.map((h) => h.metrics.loss), w };
  };
  const a = await run();
  const b = await run();
  assert.deepEqual(a.losses, b.losses);
  assert.deepEqual(a.w, b.w);
});

test('train writes the GDL run folder: params, images, per-epoch and latest weights, CSV log', async () => {
  await testBackend();
  const dir = tempDir();
  const vae = tinyVae();
  const result = await vae.train({ x: tinyImages(48), batchSize: 16, epochs: 2, runFolder: dir, printEveryNBatches: 2, seed: 3, progress: 'silent' });
  assert.equal(result.stopReason, 'completed');
  assert.ok(existsSync(path.join(dir, 'params.json')));
  assert.ok(existsSync(path.join(dir, 'viz', 'model.svg')));
  const images = readdirSync(path.join(dir, 'images')).sort();
  assert.deepEqual(images, ['img_001_0.jpg', 'img_001_2.jpg', 'img_002_0.jpg', 'img_002_2.jpg']);
  const weights = readdirSync(path.join(dir, 'weights')).sort();
  assert.equal(weights.length, 3);
  assert.equal(weights[0], 'weights');
  assert.match(weights[1], /^weights-001-\d+\.\d\d$/);
  assert.match(weights[2], /^weights-002-\d+\.\d\d$/);
  for (const f of ['model.json', 'weights.bin', 'optimizer.json', 'optimizer.bin', 'checkpoint.json']) {
    assert.ok(existsSync(path.join(dir, 'weights', 'weights', f)), f);
  }
  const csv = readFileSync(path.join(dir, 'training_log.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'epoch,loss,vae_r_loss,vae_kl_loss,seconds,images_per_second,backend,learning_rate');
  assert.deepEqual(csv.slice(1).map((l) => l.split(',')[0]), ['1', '2']);
  assert.equal(Number(csv[2].split(',')[1]).toFixed(6), result.history[1].metrics.loss.toFixed(6));
  vae.dispose();
});

test('save → load gives identical outputs', async () => {
  await testBackend();
  const dir = tempDir();
  const vae = tinyVae();
  await vae.train({ x: tinyImages(32), batchSize: 16, epochs: 1, runFolder: dir, seed: 1, progress: 'silent' });
  const loaded = await VariationalAutoencoder.load(dir);
  assert.deepEqual(loaded.compileSettings(), vae.compileSettings());
  const z = tf.tensor2d([[0.3, -1.2], [2, 0.5]]);
  const x = tinyImages(4, 9);
  assert.deepEqual(Array.from((vae.decoder.predict(z) as tf.Tensor).dataSync()), Array.from((loaded.decoder.predict(z) as tf.Tensor).dataSync()));
  const [muA] = vae.encoderMuLogVar.predict(x) as tf.Tensor[];
  const [muB] = loaded.encoderMuLogVar.predict(x) as tf.Tensor[];
  assert.deepEqual(Array.from(muA.dataSync()), Array.from(muB.dataSync()));
  vae.dispose();
  loaded.dispose();
});

test('resume continues from the saved epoch with the Adam state: same weights as an uninterrupted run', async () => {
  await testBackend();
  const x = tinyImages(48);
  const straightDir = tempDir();
  const straight = tinyVae();
  await straight.train({ x, batchSize: 16, epochs: 4, runFolder: straightDir, seed: 5, progress: 'silent' });

  const dir = tempDir();
  const first = tinyVae();
  await first.train({ x, batchSize: 16, epochs: 2, runFolder: dir, seed: 5, progress: 'silent' });
  first.dispose();
  const resumed = await VariationalAutoencoder.load(dir);
  const result = await resumed.train({ x, batchSize: 16, epochs: 4, runFolder: dir, resume: true, progress: 'silent' });
  assert.deepEqual(result.history.map((h) => h.epoch), [3, 4]);
  assert.deepEqual(weightsOf(resumed), weightsOf(straight), 'bit-identical to the uninterrupted run');
  const rows = readFileSync(path.join(dir, 'training_log.csv'), 'utf8').trim().split('\n').slice(1);
  assert.deepEqual(rows.map((r) => r.split(',')[0]), ['1', '2', '3', '4']);
  const straightRows = readFileSync(path.join(straightDir, 'training_log.csv'), 'utf8').trim().split('\n').slice(1);
  assert.deepEqual(rows.map((r) => r.split(',')[1]), straightRows.map((r) => r.split(',')[1]), 'same losses per epoch');
  straight.dispose();
  resumed.dispose();
});

test('a NaN loss stops training with a clear error and keeps the last good checkpoint', async () => {
  await testBackend();
  const dir = tempDir();
  const vae = tinyVae();
  const poison: Callback = {
    onBatchEnd(logs, ctx) {
      if (logs.epoch === 2 && logs.batch === 0) {
        const v = ctx.model.namedVariables()[0].variable;
        v.assign(tf.fill(v.shape, NaN));
      }
    },
  };
  await assert.rejects(
    vae.train({ x: tinyImages(48), batchSize: 16, epochs: 3, runFolder: dir, seed: 2, progress: 'silent', callbacks: [poison] }),
    (e: Error) => e instanceof TrainingError && /época 2, lote 1/.test(e.message) && /checkpoint/.test(e.message),
  );
  const latest = await findLatestCheckpoint(path.join(dir, 'weights'));
  assert.equal(latest?.info.epoch, 1);
  const reloaded = await VariationalAutoencoder.load(dir);
  assert.ok(weightsOf(reloaded).flat().every(Number.isFinite));
  reloaded.dispose();
  vae.dispose();
});

test('an interrupt (SIGINT) stops between batches and leaves the model usable', async () => {
  await testBackend();
  const dir = tempDir();
  const vae = tinyVae();
  const interrupt: Callback = {
    onBatchEnd(logs) {
      if (logs.epoch === 2 && logs.batch === 1) process.emit('SIGINT', 'SIGINT');
    },
  };
  const result = await vae.train({ x: tinyImages(64), batchSize: 16, epochs: 5, runFolder: dir, seed: 2, progress: 'silent', callbacks: [interrupt] });
  assert.equal(result.stopReason, 'interrupted');
  assert.equal(result.lastEpoch, 1);
  assert.equal((await findLatestCheckpoint(path.join(dir, 'weights')))?.info.epoch, 1);
  const out = vae.decoder.predict(tf.zeros([1, 2])) as tf.Tensor;
  assert.ok(out.dataSync().every(Number.isFinite));
  assert.equal(process.listenerCount('SIGINT'), 0, 'the loop removed its SIGINT listener');
  vae.dispose();
});

test('training checks its input with clear errors', async () => {
  await testBackend();
  const vae = tinyVae();
  await assert.rejects(vae.train({ x: tf.zeros([4, 28, 28, 1]) as tf.Tensor4D, epochs: 1 }), /forma \(4, 28, 28, 1\).*\(None, 8, 8, 1\)/);
  await assert.rejects(vae.train({ x: tf.fill([4, 8, 8, 1], 255) as tf.Tensor4D, epochs: 1 }), /\[0, 1\]; a imagem 0 tem o valor 255/);
  await assert.rejects(vae.train({ x: tf.fill([4, 8, 8, 1], NaN) as tf.Tensor4D, epochs: 1 }), /valor NaN/);
  await assert.rejects(vae.train({ x: tinyImages(4), epochs: 0 }), /epochs/);
  const raw = new VariationalAutoencoder(TINY_OPTIONS);
  await assert.rejects(raw.train({ x: tinyImages(4), epochs: 1 }), /compile/i);
  vae.dispose();
  raw.dispose();
});

test('a step that throws (here the optimiser) frees its batch, metrics and gradients', async () => {
  await testBackend();
  const vae = tinyVae();
  const failing = { applyGradients: () => { throw new Error('falha de propósito'); } } as unknown as tf.Optimizer;
  const engine = new LocalEngine(vae, failing);
  const x = tinyImages(8).dataSync() as Float32Array;
  const eps = new Float32Array(8 * 2);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) await assert.rejects(engine.step(x, eps, 8), /falha de propósito/);
  assert.equal(tf.memory().numTensors, before, 'nothing left behind by the failed steps');
  vae.dispose();
});
