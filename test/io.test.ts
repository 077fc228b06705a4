import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { DataError, ShapeError, VariationalAutoencoder } from '../src';
import { replaceDirAtomic, writeFileAtomic } from '../src/io/files';
import { folderLoadHandler } from '../src/io/model-files';
import { tempDir, testBackend, tinyImages, TINY_OPTIONS } from './helpers';

test('writeFileAtomic replaces content and leaves no temporary file', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'a', 'b.txt');
  await writeFileAtomic(file, 'um');
  await writeFileAtomic(file, 'dois');
  assert.equal(readFileSync(file, 'utf8'), 'dois');
  assert.deepEqual(readdirSync(path.dirname(file)), ['b.txt']);
});

test('replaceDirAtomic keeps the previous folder when filling fails', async () => {
  const dir = tempDir();
  const target = path.join(dir, 'weights');
  await replaceDirAtomic(target, async (tmp) => writeFileSync(path.join(tmp, 'x'), 'v1'));
  await assert.rejects(
    replaceDirAtomic(target, async (tmp) => {
      writeFileSync(path.join(tmp, 'x'), 'v2 parcial');
      throw new Error('disco cheio');
    }),
    /disco cheio/,
  );
  assert.equal(readFileSync(path.join(target, 'x'), 'utf8'), 'v1');
  assert.deepEqual(readdirSync(dir), ['weights'], 'no leftovers');
});

async function savedRun(): Promise<string> {
  await testBackend();
  const dir = tempDir();
  const vae = new VariationalAutoencoder(TINY_OPTIONS);
  vae.compile(0.001, 100);
  await vae.train({ x: tinyImages(16), batchSize: 16, epochs: 1, runFolder: dir, seed: 1, progress: 'silent' });
  vae.dispose();
  return dir;
}

test('saved checkpoints load with tf.loadLayersModel (standard format, Sampling registered)', async () => {
  const dir = await savedRun();
  const model = await tf.loadLayersModel(folderLoadHandler(path.join(dir, 'weights', 'weights')));
  const out = model.predict(tinyImages(2)) as tf.Tensor;
  assert.deepEqual(out.shape, [2, 8, 8, 1]);
  const json = JSON.parse(readFileSync(path.join(dir, 'weights', 'weights', 'model.json'), 'utf8'));
  assert.equal(json.format, 'layers-model');
  assert.deepEqual(json.weightsManifest[0].paths, ['weights.bin']);
});

test('broken saved files give clear errors naming the file', async () => {
  const dir = await savedRun();
  const latest = path.join(dir, 'weights', 'weights');
  // params.json corrupt
  const params = path.join(dir, 'params.json');
  const good = readFileSync(params, 'utf8');
  writeFileSync(params, '{ não é json');
  await assert.rejects(VariationalAutoencoder.load(dir), (e: Error) => e instanceof DataError && e.message.includes(params) && /corrompido/.test(e.message));
  // params.json that does not match the weights
  const other = JSON.parse(good);
  other.options.encoderConvFilters = [8, 4];
  writeFileSync(params, JSON.stringify(other));
  await assert.rejects(VariationalAutoencoder.load(dir), (e: Error) => e instanceof ShapeError && /encoder_conv_0\/kernel/.test(e.message) && /forma/.test(e.message));
  writeFileSync(params, good);
  // model.json corrupt (per-epoch checkpoints are still good: load falls back to them)
  const epochDir = readdirSync(path.join(dir, 'weights')).find((d) => d.startsWith('weights-'))!;
  writeFileSync(path.join(latest, 'model.json'), '{"weightsManifest": 3');
  const vae = new VariationalAutoencoder(TINY_OPTIONS);
  await assert.rejects(vae.loadWeights(latest), (e: Error) => e instanceof DataError && e.message.includes(path.join(latest, 'model.json')));
  const fallback = await VariationalAutoencoder.load(dir);
  fallback.dispose();
  // missing and truncated .bin
  const epochPath = path.join(dir, 'weights', epochDir);
  truncateSync(path.join(epochPath, 'weights.bin'), 10);
  await assert.rejects(vae.loadWeights(epochPath), (e: Error) => e instanceof DataError && /bytes/.test(e.message));
  unlinkSync(path.join(epochPath, 'weights.bin'));
  await assert.rejects(vae.loadWeights(epochPath), (e: Error) => e instanceof DataError && e.message.includes('weights.bin'));
  await assert.rejects(VariationalAutoencoder.load(path.join(dir, 'nada')), (e: Error) => e instanceof DataError && /params\.json/.test(e.message));
  mkdirSync(path.join(dir, 'vazia'));
  await assert.rejects(vae.loadWeights(path.join(dir, 'vazia')), (e: Error) => e instanceof DataError && /model\.json/.test(e.message));
  vae.dispose();
});
