/**
 * Issue 12, items 6, 7 and 10: hostile or broken files stay harmless. Manifest paths are confined to
 * the model's folder, no file is read past the size it must have, options are bounded before any
 * tensor is made, `workers` is capped by the cores, and checkpoints leak no tensor.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { CheckpointCallback, ConfigError, DataError, VariationalAutoencoder, readCheckpointInfo, readParams } from '../src';
import { readModelArtifacts } from '../src/io/model-files';
import { validateOptions } from '../src/model/options';
import { capWorkerCount } from '../src/threads/sizing';
import { loadOptimizerState } from '../src/train/checkpoint';
import { tempDir, testBackend, tinyImages, TINY_OPTIONS } from './helpers';

/** A saved tiny model's folder (model.json + weights.bin), and its manifest for editing. */
async function savedModel(): Promise<{ dir: string; json: { weightsManifest: { paths: string[]; weights: { shape: number[] }[] }[] }; write: () => void }> {
  await testBackend();
  const root = path.join(tempDir(), 'run');
  const vae = new VariationalAutoencoder(TINY_OPTIONS);
  vae.compile(0.005, 100);
  const x = tinyImages(8);
  await vae.train({ x, batchSize: 8, epochs: 1, runFolder: root, progress: 'silent', printEveryNBatches: 0, workers: 1 });
  x.dispose();
  vae.dispose();
  const dir = path.join(root, 'weights', 'weights');
  const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
  return { dir, json, write: () => writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json)) };
}

const rssMb = () => process.memoryUsage().rss / 2 ** 20;

test('manifest paths outside the model folder are refused before any read: ../../etc/passwd, /etc/passwd, a symlink out', async () => {
  const m = await savedModel();
  for (const p of ['../../../../../../etc/passwd', '/etc/passwd', 'sub/../../weights.bin']) {
    m.json.weightsManifest[0].paths = [p];
    m.write();
    await assert.rejects(readModelArtifacts(m.dir), (e: Error) => e instanceof DataError && /fora da pasta do modelo/.test(e.message), p);
  }
  symlinkSync('/etc/passwd', path.join(m.dir, 'link.bin'));
  m.json.weightsManifest[0].paths = ['link.bin'];
  m.write();
  await assert.rejects(readModelArtifacts(m.dir), /aponta para \/etc\/passwd, fora da pasta do modelo/);
});

test('/dev/zero, a FIFO or a giant file as weights are refused without reading them (bounded memory, no hang)', async () => {
  const m = await savedModel();
  const bin = path.join(m.dir, 'weights.bin');
  const start = rssMb();
  rmSync(bin);
  symlinkSync('/dev/zero', bin);
  await assert.rejects(readModelArtifacts(m.dir), /fora da pasta do modelo/); // /dev/zero is outside: refused first
  rmSync(bin);
  execFileSync('mkfifo', [bin]);
  await assert.rejects(readModelArtifacts(m.dir), /não é um arquivo comum/);
  rmSync(bin);
  writeFileSync(bin, '');
  truncateSync(bin, 8 * 2 ** 30); // 8 GiB, sparse
  const t0 = Date.now();
  await assert.rejects(readModelArtifacts(m.dir), /têm 8589934592 bytes, mas model\.json descreve \d+ bytes/);
  assert.ok(Date.now() - t0 < 2000, 'refused from the size alone');
  // A manifest whose shapes ask for terabytes: refused from the shapes alone.
  m.json.weightsManifest[0].weights[0].shape = [1e6, 1e6];
  m.write();
  await assert.rejects(readModelArtifacts(m.dir), /passam de \d+ bytes/);
  assert.ok(rssMb() - start < 200, `RSS grew by ${Math.round(rssMb() - start)} MiB`);
});

test('optimizer.bin and checkpoint.json as /dev/zero: refused or ignored, never read', async () => {
  const m = await savedModel();
  const opt = path.join(m.dir, 'optimizer.bin');
  rmSync(opt);
  symlinkSync('/dev/zero', opt);
  const vae = new VariationalAutoencoder(TINY_OPTIONS);
  vae.compile(0.005, 100);
  await assert.rejects(loadOptimizerState(m.dir, vae.optimizer!, vae.namedVariables()), /não é um arquivo comum/);
  vae.dispose();
  const info = path.join(m.dir, 'checkpoint.json');
  rmSync(info);
  symlinkSync('/dev/zero', info);
  assert.equal(await readCheckpointInfo(m.dir), null);
});

test('params.json with zDim 200000 is refused by validateOptions bounds, with little memory', async () => {
  const dir = tempDir();
  const start = rssMb();
  writeFileSync(path.join(dir, 'params.json'), JSON.stringify({ format: 'vae-didatico/params@1', kind: 'vae', options: { ...TINY_OPTIONS, zDim: 200000 }, compile: { learningRate: 0.001 } }));
  await assert.rejects(readParams(dir), (e: Error) => e instanceof DataError && /zDim = 200000 passa do limite de 4096/.test(e.message));
  assert.ok(rssMb() - start < 100);
  assert.throws(() => validateOptions({ ...TINY_OPTIONS, encoderConvFilters: [4, 4096] }), /encoderConvFilters\[1\] = 4096 passa do limite/);
  assert.throws(() => validateOptions({ ...TINY_OPTIONS, inputDim: [512, 512, 1], encoderConvFilters: [512, 512], decoderConvTFilters: [512, 1], zDim: 4096 }), (e: Error) => e instanceof ConfigError && /parâmetros, mais que o limite de 50\.000\.000/.test(e.message));
  writeFileSync(path.join(dir, 'params.json'), Buffer.alloc(2 << 20, 32));
  await assert.rejects(readParams(dir), /mais que o máximo esperado/);
});

test('workers above the cores are capped, with a message', () => {
  const notes: string[] = [];
  assert.equal(capWorkerCount(200, (n) => notes.push(n)), availableParallelism());
  assert.match(notes[0], new RegExp(`workers = 200 é mais que os ${availableParallelism()} núcleos desta máquina; usando ${availableParallelism()}`));
  assert.equal(capWorkerCount(1, (n) => notes.push(n)), 1);
  assert.equal(notes.length, 1);
});

test('a checkpoint leaks no tensor (the Adam iteration scalar is disposed)', async () => {
  await testBackend();
  const dir = tempDir();
  const vae = new VariationalAutoencoder(TINY_OPTIONS);
  vae.compile(0.005, 100);
  const x = tinyImages(8);
  await vae.train({ x, batchSize: 8, epochs: 1, progress: 'silent', workers: 1 }); // Adam has its moments now
  const probe = tinyImages(4);
  const cb = new CheckpointCallback(dir, { probe });
  const ctx = { model: vae, optimizer: vae.optimizer!, params: { epochs: 9, initialEpoch: 0, batchSize: 8, samples: 8, stepsPerEpoch: 1, seed: 1 } } as never;
  const logs = (epoch: number) => ({ epoch, metrics: { loss: 50, vae_r_loss: 45, vae_kl_loss: 5 }, seconds: 1, imagesPerSecond: 8, learningRate: 0.005 });
  await cb.onEpochEnd(logs(1), ctx);
  const count = tf.memory().numTensors;
  for (let e = 2; e <= 5; e++) await cb.onEpochEnd(logs(e), ctx);
  assert.equal(tf.memory().numTensors, count, 'same tensor count after 4 more checkpoints');
  probe.dispose();
  x.dispose();
  vae.dispose();
  mkdirSync(dir, { recursive: true });
});
