/** The figure helpers written for the book's pictures: composition, μ ± σ ellipses, the sampling animation, image strips, the live loss chart. */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, test } from 'node:test';
import {
  CAR_COLORS, LiveLossChart, composeFigures, imageFiles, latentDistributions, latentScatter, normalDensity1d, sampleCategory, samplingFrames, type TrainContext,
} from '../src';
import { saveGreyImage } from '../src/io/images';
import { tempDir } from './helpers';

before(() => tf.setBackend('cpu'));

const pngSize = (b: Buffer) => ({ width: b.readUInt32BE(16), height: b.readUInt32BE(20) });

test('composeFigures lays figures side by side or stacked, at their sizes', async () => {
  const a = normalDensity1d([{ mu: 0, sigma: 1 }], { width: 300, height: 200 });
  const b = latentScatter([[0, 0], [1, 1]], [0, 1], { width: 250, height: 220 });
  const row = await composeFigures([a, b], { gap: 10 });
  assert.deepEqual([row.width, row.height], [560, 220]);
  const column = await composeFigures([a, b], { direction: 'column', gap: 10, title: 'Título' });
  assert.deepEqual([column.width, column.height], [300, 30 + 430]);
  assert.deepEqual(pngSize(await column.toPNG(1)), { width: 300, height: 460 });
  assert.match(column.description, /^Título: /);
});

test('latentDistributions draws one closed ellipse of 41 points per image, of radius σ', () => {
  const fig = latentDistributions([[0, 0], [2, -1]], [[0, 0], [Math.log(0.25), Math.log(4)]], [3, 7], { nSigma: 1 });
  assert.equal(fig.data.length, 2 * 41);
  const second = fig.data.filter((r) => r.id === 1);
  const xs = second.map((r) => r.x);
  const ys = second.map((r) => r.y);
  assert.ok(Math.abs(Math.max(...xs) - 2.5) < 1e-9 && Math.abs(Math.min(...xs) - 1.5) < 1e-9, 'σx = 0.5');
  assert.ok(Math.abs(Math.max(...ys) - 1) < 1e-3 && Math.abs(Math.min(...ys) + 3) < 1e-3, 'σy = 2');
  assert.throws(() => latentDistributions([[0, 0]], [[0, 0]], [1, 2]), /mesmo número de linhas/);
});

test('the car-colour animation: one frame per draw, frequencies approach the probabilities', () => {
  assert.equal(sampleCategory(CAR_COLORS, 0), 0);
  assert.equal(sampleCategory(CAR_COLORS, 0.999), CAR_COLORS.length - 1);
  const { frames, draws } = samplingFrames(CAR_COLORS, { samples: 12, width: 320, height: 160 });
  assert.equal(frames.length, 12);
  assert.deepEqual([frames[0].width, frames[0].height], [320, 160]);
  const many = samplingFrames(CAR_COLORS, { samples: 2000, seed: 3, width: 40, height: 40 }).draws;
  const white = many.filter((d) => d === 0).length / many.length;
  assert.ok(Math.abs(white - CAR_COLORS[0].p) < 0.04, `white: ${white}`);
  assert.ok(draws.every((d) => d >= 0 && d < CAR_COLORS.length));
});

test('imageFiles lays saved images out with captions and fits a long title', async () => {
  const dir = tempDir();
  const files = [0, 1, 2].map((i) => path.join(dir, `img_00${i}.jpg`));
  for (const f of files) await saveGreyImage(f, new Float32Array(28 * 28).fill(0.5), 28, 28);
  const fig = await imageFiles(files, { captions: ['a', 'b', 'c'], size: 40 });
  assert.deepEqual([fig.width, fig.height], [3 * 52, 40 + 22]);
  const titled = await imageFiles(files.slice(0, 1), { title: 'Um título bem mais largo que uma única imagem', size: 40 });
  assert.ok(titled.width > 52, 'widened for the title');
});

test('LiveLossChart collects a point every N batches and at the end of each epoch', async () => {
  const chart = new LiveLossChart({ everyNBatches: 4 });
  const ctx = { params: { stepsPerEpoch: 10 } } as unknown as TrainContext;
  for (const epoch of [1, 2]) {
    for (let batch = 0; batch < 10; batch++) {
      await chart.onBatchEnd({ epoch, batch, size: 32, metrics: { loss: 1 }, running: { loss: 10 - batch } }, ctx);
    }
  }
  assert.deepEqual(chart.rows.map((r) => r.epoch), [0.4, 0.8, 1, 1.4, 1.8, 2]);
  assert.equal(chart.rows[2].loss, 1);
});
