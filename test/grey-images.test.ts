/** readGreyImages reads back what saveGreyImage wrote (a run's sample images) as pixels in [0, 1]. */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { DataError, ShapeError, readGreyImages } from '../src';
import { saveGreyImage } from '../src/io/images';
import { tempDir, testBackend } from './helpers';

/** A 28 × 28 ramp with a bright square: every grey level and a sharp edge. */
function pattern(shift: number): Float32Array {
  return Float32Array.from({ length: 28 * 28 }, (_, i) => {
    const [y, x] = [Math.floor(i / 28), i % 28];
    return x >= 8 + shift && x < 20 + shift && y >= 8 && y < 20 ? 1 : (x + y) / 54;
  });
}

test('PNG written at scale 4, inverted, reads back to the same pixels (within one grey level)', async () => {
  await testBackend();
  const dir = tempDir();
  const files = [0, 3].map((s) => path.join(dir, `img_${s}.png`));
  for (const [i, f] of files.entries()) await saveGreyImage(f, pattern(i * 3), 28, 28, { scale: 4 });
  const before = tf.memory().numTensors;
  const x = await readGreyImages(files);
  assert.deepEqual(x.shape, [2, 28, 28, 1]);
  const got = x.dataSync();
  const want = [...pattern(0), ...pattern(3)];
  const worst = Math.max(...want.map((v, i) => Math.abs(v - got[i])));
  assert.ok(worst <= 0.5 / 255 + 1e-6, `largest difference ${worst}`);
  x.dispose();
  assert.equal(tf.memory().numTensors, before, 'only the returned tensor was created');
});

test('JPEG (as the training writes them): pixels close, the bright square still bright', async () => {
  await testBackend();
  const file = path.join(tempDir(), 'img_001_0.jpg');
  await saveGreyImage(file, pattern(0), 28, 28, { scale: 4 });
  const x = await readGreyImages([file]);
  const got = Array.from(x.dataSync());
  const want = pattern(0);
  const mean = got.reduce((a, v, i) => a + Math.abs(v - want[i]), 0) / got.length;
  assert.ok(mean < 0.01, `mean absolute difference ${mean}`);
  assert.ok(got[14 * 28 + 14] > 0.97, `centre of the square ${got[14 * 28 + 14]}`);
  x.dispose();
});

test('a file that is not a multiple of 28 × 28, or not an image, is refused by name', async () => {
  await testBackend();
  const dir = tempDir();
  const odd = path.join(dir, 'odd.png');
  await saveGreyImage(odd, new Float32Array(30 * 30), 30, 30);
  await assert.rejects(readGreyImages([odd]), (e: unknown) => e instanceof ShapeError && /odd\.png tem 30×30 pixels; esperado um múltiplo inteiro de 28×28/.test(e.message));
  const junk = path.join(dir, 'junk.jpg');
  writeFileSync(junk, 'não é uma imagem');
  await assert.rejects(readGreyImages([junk]), (e: unknown) => e instanceof DataError && e.message.includes('junk.jpg'));
});
