import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VariationalAutoencoder } from '../src';
import { splitBatch } from '../src/threads/sizing';
import { testBackend, tinyImages, TINY_OPTIONS } from './helpers';

test('splitBatch shares a batch as evenly as possible', () => {
  assert.deepEqual(splitBatch(32, 2), [16, 16]);
  assert.deepEqual(splitBatch(33, 2), [17, 16]);
  assert.deepEqual(splitBatch(1, 2), [1]);
  assert.deepEqual(splitBatch(10, 3), [4, 3, 3]);
});

test('data-parallel training over worker threads matches one thread up to float rounding', async () => {
  await testBackend();
  const run = async (workers: number) => {
    const vae = new VariationalAutoencoder(TINY_OPTIONS);
    vae.compile(0.005, 100);
    const result = await vae.train({ x: tinyImages(80), batchSize: 32, epochs: 3, seed: 9, progress: 'silent', workers });
    const weights = vae.namedVariables().flatMap((v) => Array.from(v.variable.dataSync()));
    vae.dispose();
    return { losses: result.history.map((h) => h.metrics.loss), weights };
  };
  const one = await run(1);
  for (const workers of [2, 3]) {
    const many = await run(workers);
    one.losses.forEach((l, i) => assert.ok(Math.abs(l - many.losses[i]) <= 1e-5 * Math.abs(l), `epoch ${i + 1}: ${l} vs ${many.losses[i]}`));
    const maxDiff = Math.max(...one.weights.map((w, i) => Math.abs(w - many.weights[i])));
    assert.ok(maxDiff < 1e-4, `weights differ by ${maxDiff} with ${workers} threads`);
  }
});
