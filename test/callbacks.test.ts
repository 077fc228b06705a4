/**
 * Each training callback alone, with a fake context (the loop stays pure: everything GDL's
 * training writes or prints comes from one of these).
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import {
  CheckpointCallback,
  CsvLoggerCallback,
  LiveLossChart,
  ProgressCallback,
  SampleImageCallback,
  StepDecayCallback,
  TrainingError,
  VariationalAutoencoder,
  findLatestCheckpoint,
  readCheckpointInfo,
  type BatchLogs,
  type EpochLogs,
  type TrainContext,
  type TrainParams,
} from '../src';
import { continueLog } from '../src/train/callbacks';
import { loadWeightsInto } from '../src/train/checkpoint';
import { tempDir, testBackend, TINY_OPTIONS } from './helpers';

const METRICS = { loss: 50, vae_r_loss: 45, vae_kl_loss: 5 };

/** A context as the loop builds it, around a tiny compiled VAE. */
function fakeContext(params: Partial<TrainParams> = {}): TrainContext & { lrs: number[]; vae: VariationalAutoencoder } {
  const vae = new VariationalAutoencoder(TINY_OPTIONS);
  vae.compile(0.001, 100);
  const lrs: number[] = [];
  return {
    vae,
    lrs,
    model: vae,
    optimizer: vae.optimizer!,
    params: { epochs: 3, initialEpoch: 0, batchSize: 8, samples: 20, stepsPerEpoch: 3, seed: 5, ...params },
    setLearningRate: (lr) => lrs.push(lr),
    learningRate: () => lrs[lrs.length - 1] ?? 0.001,
    requestStop: () => undefined,
  };
}

const epochLogs = (epoch: number, loss = 50): EpochLogs => ({
  epoch,
  metrics: { ...METRICS, loss },
  seconds: 1.23456,
  imagesPerSecond: 16.2037,
  learningRate: 0.001,
});
const batchLogs = (epoch: number, batch: number): BatchLogs => ({ epoch, batch, size: 8, metrics: METRICS, running: METRICS });

test('ProgressCallback: one Keras-like summary line per epoch, and a note when interrupted', () => {
  const lines: string[] = [];
  const cb = new ProgressCallback({ mode: 'log', log: (l) => lines.push(l) });
  const ctx = fakeContext();
  cb.onEpochBegin(1, ctx);
  cb.onBatchEnd(batchLogs(1, 0), ctx);
  cb.onEpochEnd(epochLogs(1), ctx);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^Época 1\/3 - .* \(16 imagens\/s\) - loss: 50,0000 - vae_r_loss: 45,0000 - vae_kl_loss: 5,0000$/);
  cb.onTrainEnd({ history: [epochLogs(1)], stopReason: 'interrupted', lastEpoch: 1 });
  assert.match(lines[1], /Treino interrompido: 1 época\(s\) completa\(s\)/);
  const silent: string[] = [];
  const quiet = new ProgressCallback({ mode: 'silent', log: (l) => silent.push(l) });
  quiet.onEpochBegin(1, ctx);
  quiet.onEpochEnd(epochLogs(1), ctx);
  assert.deepEqual(silent, []);
  ctx.vae.dispose();
});

test('SampleImageCallback: a decoded image every N batches, named img_EEE_B.jpg, without leaking tensors', async () => {
  await testBackend();
  const dir = tempDir();
  const ctx = fakeContext();
  const cb = new SampleImageCallback(dir, 2);
  const before = tf.memory().numTensors;
  for (let batch = 0; batch < 5; batch++) await cb.onBatchEnd(batchLogs(2, batch), ctx);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(readdirSync(dir).sort(), ['img_002_0.jpg', 'img_002_2.jpg', 'img_002_4.jpg']);
  assert.deepEqual([...readFileSync(path.join(dir, 'img_002_0.jpg')).subarray(0, 2)], [0xff, 0xd8], 'a JPEG');
  const never = new SampleImageCallback(path.join(dir, 'none'), 0);
  await never.onBatchEnd(batchLogs(1, 0), ctx);
  assert.equal(existsSync(path.join(dir, 'none')), false);
  ctx.vae.dispose();
});

test('CheckpointCallback: per-epoch and latest folders that load back; a failed write names the last good one', async () => {
  await testBackend();
  const dir = tempDir();
  const ctx = fakeContext();
  const saved: number[] = [];
  const cb = new CheckpointCallback(dir, { backend: 'wasm', onSaved: (info) => saved.push(info.epoch) });
  await cb.onEpochEnd(epochLogs(1, 61.234), ctx);
  assert.deepEqual(readdirSync(dir).sort(), ['weights', 'weights-001-61.23']);
  const info = await readCheckpointInfo(path.join(dir, 'weights'));
  assert.equal(info?.epoch, 1);
  assert.equal(info?.seed, 5);
  assert.equal(info?.logs.backend, 'wasm');
  assert.deepEqual(saved, [1]);
  assert.equal(cb.lastSaved?.epoch, 1);
  // What was saved loads into a fresh model with the same numbers.
  const other = new VariationalAutoencoder({ ...TINY_OPTIONS, seed: 99 });
  await loadWeightsInto(path.join(dir, 'weights-001-61.23'), other.namedVariables());
  assert.deepEqual(other.namedVariables().map((v) => Array.from(v.variable.dataSync())), ctx.vae.namedVariables().map((v) => Array.from(v.variable.dataSync())));
  other.dispose();
  // keep: 'latest' writes only weights/weights; a target that cannot be written is a TrainingError naming the last good checkpoint.
  const latestOnly = new CheckpointCallback(path.join(dir, 'latest-only'), { keep: 'latest' });
  await latestOnly.onEpochEnd(epochLogs(1), ctx);
  assert.deepEqual(readdirSync(path.join(dir, 'latest-only')), ['weights']);
  writeFileSync(path.join(dir, 'blocked'), 'a file where a folder should be');
  const failing = new CheckpointCallback(path.join(dir, 'blocked'), { previous: { dir: path.join(dir, 'weights'), epoch: 1 } });
  await assert.rejects(failing.onEpochEnd(epochLogs(2), ctx), (err: Error) => err instanceof TrainingError && /O último checkpoint válido continua em .*weights \(época 1\)/.test(err.message));
  assert.equal((await findLatestCheckpoint(dir))?.info.epoch, 1);
  ctx.vae.dispose();
});

test('CsvLoggerCallback: a new log per run; a resumed run keeps rows up to its epoch and restores the missing one', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'training_log.csv');
  const ctx = fakeContext();
  const fresh = new CsvLoggerCallback(file, 'wasm');
  await fresh.onTrainBegin(ctx);
  await fresh.onEpochEnd(epochLogs(1, 60), ctx);
  await fresh.onEpochEnd(epochLogs(2, 55), ctx);
  await fresh.onEpochEnd(epochLogs(3, 52), ctx);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  assert.deepEqual(lines[0], 'epoch,loss,vae_r_loss,vae_kl_loss,seconds,images_per_second,backend,learning_rate');
  assert.deepEqual(lines[1], '1,60,45,5,1.235,16.2,wasm,0.001');
  assert.equal(lines.length, 4);
  // Resume at epoch 1 after a crash that lost row 1 (the checkpoint holds its numbers, unrounded): rows 2 and 3 go,
  // and the restored row is rounded like every other row.
  writeFileSync(file, [lines[0], lines[2], lines[3]].join('\n') + '\n');
  const restore = { epoch: 1, logs: { ...METRICS, loss: 60, seconds: 1.23456, images_per_second: 16.2037, backend: 'wasm' }, learningRate: 0.001 };
  const resumed = new CsvLoggerCallback(file, 'wasm', restore);
  await resumed.onTrainBegin(fakeContext({ initialEpoch: 1 }));
  assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n'), [lines[0], '1,60,45,5,1.235,16.2,wasm,0.001']);
  // Another log's header is never overwritten.
  writeFileSync(file, 'epoch,other\n1,2\n');
  await assert.rejects(new CsvLoggerCallback(file, 'wasm').onTrainBegin(fakeContext({ initialEpoch: 1 })), /tem outro cabeçalho/);
  ctx.vae.dispose();
});

test('CsvLoggerCallback: a log from before the learning_rate column is continued (old rows get an empty rate)', async () => {
  const file = path.join(tempDir(), 'training_log.csv');
  const ctx = fakeContext({ initialEpoch: 2 });
  writeFileSync(file, 'epoch,loss,vae_r_loss,vae_kl_loss,seconds,images_per_second,backend\n1,60,45,5,1.2,16.2,wasm\n2,55,50,5,1.2,16.2,wasm\n');
  const cb = new CsvLoggerCallback(file, 'wasm');
  await cb.onTrainBegin(ctx);
  await cb.onEpochEnd(epochLogs(3, 52), ctx);
  assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n'), [
    'epoch,loss,vae_r_loss,vae_kl_loss,seconds,images_per_second,backend,learning_rate',
    '1,60,45,5,1.2,16.2,wasm,',
    '2,55,50,5,1.2,16.2,wasm,',
    '3,52,45,5,1.235,16.2,wasm,0.001',
  ]);
  ctx.vae.dispose();
});

test('continueLog: a checkpoint claiming a later epoch than the log is a gap, refused (no copied row, file untouched)', async () => {
  const file = path.join(tempDir(), 'training_log.csv');
  const header = 'epoch,loss,vae_r_loss,vae_kl_loss,seconds,images_per_second,backend,learning_rate';
  const text = `${header}\n1,60,45,5,1.2,16.2,wasm,0.001\n2,55,50,5,1.2,16.2,wasm,0.001\n`;
  writeFileSync(file, text);
  const metrics = ['loss', 'vae_r_loss', 'vae_kl_loss'];
  const claim = { epoch: 5, logs: { ...METRICS, seconds: 1, images_per_second: 1, backend: 'wasm' }, learningRate: 0.001 };
  await assert.rejects(continueLog(file, metrics, 5, claim), (e: Error) => e instanceof TrainingError && /tem as épocas 1 a 2, .*depois da época 5: faltariam as linhas 3 a 4/.test(e.message));
  await assert.rejects(continueLog(file, metrics, 4, null), /faltariam as linhas 3 a 4/); // --initial-epoch 4 on a 2-epoch log
  assert.equal(readFileSync(file, 'utf8'), text);
  assert.deepEqual(await continueLog(file, metrics, 3, { ...claim, epoch: 3 }), [text.split('\n')[1], text.split('\n')[2], '3,50,45,5,1,1,wasm,0.001']);
  assert.deepEqual(await continueLog(path.join(path.dirname(file), 'none.csv'), metrics, 4, null), [], 'no log yet: a new one starts');
  writeFileSync(file, text.replace(/\n/g, '\r\n')); // saved by a spreadsheet on Windows
  assert.deepEqual(await continueLog(file, metrics, 2, null), text.trim().split('\n').slice(1));
  writeFileSync(file, `${header}\nxx,1\n`);
  await assert.rejects(continueLog(file, metrics, 1, null), /linha 2: época ilegível/);
});

test("StepDecayCallback: GDL's step_decay_schedule, lr = initial · decay^floor((epoch − 1) / step)", () => {
  const ctx = fakeContext();
  const cb = new StepDecayCallback(0.01, 0.5, 2);
  for (let epoch = 1; epoch <= 5; epoch++) cb.onEpochBegin(epoch, ctx);
  assert.deepEqual(ctx.lrs, [0.01, 0.01, 0.005, 0.005, 0.0025]);
  // A rate changed on resume after epoch 3 applies from epoch 4 on, and decays from there.
  const changed = new StepDecayCallback(0.1, 0.5, 1, 4);
  ctx.lrs.length = 0;
  for (const epoch of [4, 5, 6]) changed.onEpochBegin(epoch, ctx);
  assert.deepEqual(ctx.lrs, [0.1, 0.05, 0.025]);
  ctx.vae.dispose();
});

test('LiveLossChart: a point every N batches and at the end of each epoch (fractional epochs), nothing drawn outside a notebook', async () => {
  const ctx = fakeContext({ stepsPerEpoch: 5 });
  const chart = new LiveLossChart({ everyNBatches: 2 });
  for (const epoch of [1, 2]) for (let batch = 0; batch < 5; batch++) await chart.onBatchEnd(batchLogs(epoch, batch), ctx);
  assert.deepEqual(chart.rows.map((r) => r.epoch), [0.4, 0.8, 1, 1.4, 1.8, 2]);
  assert.equal(chart.rows[0].loss, 50);
  ctx.vae.dispose();
});
