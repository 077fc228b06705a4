import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VariationalAutoencoder } from '../src';
import { splitBatch } from '../src/threads/sizing';
import { weightedSum } from '../src/train/parallel';
import { testBackend, tinyImages, TINY_OPTIONS } from './helpers';

test('splitBatch shares a batch as evenly as possible', () => {
  assert.deepEqual(splitBatch(32, 2), [16, 16]);
  assert.deepEqual(splitBatch(33, 2), [17, 16]);
  assert.deepEqual(splitBatch(1, 2), [1]);
  assert.deepEqual(splitBatch(10, 3), [4, 3, 3]);
});

test('weightedSum averages the threads\' gradients in order, rounded to float32 after each term', () => {
  const out = new Float32Array(3);
  const parts = [Float32Array.of(1, 2, 3), Float32Array.of(10, 20, 30), Float32Array.of(0.1, 0.2, 0.3)];
  weightedSum(out, parts, [0.5, 0.25, 0.25]);
  const expected = [0, 1, 2].map((j) => Math.fround(Math.fround(Math.fround(0.5 * parts[0][j]) + 0.25 * parts[1][j]) + 0.25 * parts[2][j]));
  assert.deepEqual(Array.from(out), expected);
  weightedSum(out, parts.slice(0, 1), [1]);
  assert.deepEqual(Array.from(out), [1, 2, 3]);
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
