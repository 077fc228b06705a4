/** Canvas figures: image grids, reconstructions, generated grids and interpolations from a tiny decoder. */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { formatPoint, generatedGrid, imageGrid, interpolation, normPpf, reconstructions, toImages, type Figure } from '../src/plots';
import { DataError } from '../src/errors';

let decoder: tf.Sequential;

before(async () => {
  await tf.setBackend('cpu');
  // A tiny random decoder: z (2) → 784 sigmoid → (28, 28, 1).
  decoder = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [2], units: 784, activation: 'sigmoid' }), tf.layers.reshape({ targetShape: [28, 28, 1] })],
  });
});

function pngSize(png: Buffer): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'assinatura PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** PNG at 2× and 1×, SVG with the right size. */
async function checkRenders(fig: Figure): Promise<void> {
  assert.equal(fig.kind, 'image');
  assert.deepEqual(pngSize(await fig.toPNG()), { width: fig.width * 2, height: fig.height * 2 });
  assert.deepEqual(pngSize(await fig.toPNG(1)), { width: fig.width, height: fig.height });
  const svg = await fig.toSVG();
  assert.match(svg, new RegExp(`^<svg [^>]*width="${fig.width}" height="${fig.height}"`));
  assert.match(svg, /<image [^>]*xlink:href="data:image\/png;base64,iVBORw0KGgo/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
}

/** The grey value of the PNG pixel at CSS position (x, y) of a figure rendered at scale 1. */
async function pixel(fig: Figure, x: number, y: number): Promise<number> {
  const ctx = (await fig.toCanvas(1)).getContext('2d');
  return ctx.getImageData(x, y, 1, 1).data[0];
}

test('imageGrid: rows × cols tiles, captions, gray_r (0 → white, 1 → black)', async () => {
  const images = tf.tidy(() => tf.concat([tf.ones([3, 28, 28, 1]), tf.zeros([4, 28, 28, 1])]));
  const fig = imageGrid(images, { cols: 4, captions: ['a', 'b', 'c', 'd', 'e', 'f', 'g'], scale: 1, border: false });
  images.dispose();
  assert.equal(fig.data.length, 7);
  assert.deepEqual(fig.data.map((t) => [t.row, t.col]), [[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1], [1, 2]]);
  assert.equal(fig.data[5].caption, 'f');
  await checkRenders(fig);
  assert.equal(fig.data[0].image.length, 784);
  assert.equal(fig.data[3].image[0], 0);
  // tile 0 is all ones → black; tile 3 is zeros → white (cells are 28 px wide at scale 1, gap 4, pad 8)
  assert.equal(await pixel(fig, 8 + 14, 8 + 14), 0);
  assert.equal(await pixel(fig, 8 + 3 * 32 + 14, 8 + 14), 255);
  assert.equal(await pixel(imageGrid([new Float32Array(784).fill(1)], { invert: false, border: false }), 8 + 20, 8 + 20), 255);
});

test('imageGrid accepts (N,28,28), (N,784), flat arrays and bytes', () => {
  assert.equal(imageGrid(tf.zeros([2, 28, 28])).data.length, 2);
  assert.equal(imageGrid(tf.zeros([5, 784]), { cols: 2 }).data.at(-1)!.row, 2);
  const bytes = [Uint8Array.from({ length: 784 }, () => 255)];
  assert.equal(toImages(bytes).pixels[0][0], 1);
  assert.equal(toImages([[[0, 1], [1, 0]]]).width, 2);
  assert.throws(() => imageGrid(tf.zeros([2, 28, 28, 3])), /\(N, 28, 28, 1\).*\(2, 28, 28, 3\)/);
});

test('imageGrid refuses NaN or infinite pixels with a sentence about divergence', () => {
  const bad = [new Float32Array(784).fill(0.5), new Float32Array(784).fill(NaN)];
  assert.throws(() => imageGrid(bad), (e: Error) => e instanceof DataError && /imagem 1 tem pixels NaN/.test(e.message));
  assert.throws(() => imageGrid([new Float32Array(784).fill(Infinity)]), /divergiu/);
});

test('reconstructions: two rows of N, captions with z under the originals', async () => {
  const x = tf.randomUniform([5, 28, 28, 1]);
  const z = tf.randomNormal([5, 2]) as tf.Tensor2D;
  const xHat = decoder.predict(z) as tf.Tensor;
  const fig = reconstructions(x, xHat, z);
  const zs = z.arraySync();
  tf.dispose([x, z, xHat]);
  assert.equal(fig.data.length, 10);
  assert.deepEqual(fig.data.map((t) => t.kind), [...Array(5).fill('original'), ...Array(5).fill('reconstruída')]);
  assert.deepEqual(fig.data.map((t) => t.row), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
  assert.equal(fig.data[2].caption, formatPoint(zs[2]));
  assert.equal(fig.data[7].caption, undefined);
  assert.deepEqual(fig.data[7].z, zs[2]);
  assert.equal(reconstructions(tf.zeros([2, 784]), tf.zeros([2, 784])).data[0].caption, undefined);
  await checkRenders(fig);
  assert.throws(() => reconstructions(tf.zeros([2, 784]), tf.zeros([3, 784])), /originais: 2; recebi 3/);
});

test('generatedGrid decodes gridSize² points, high z[1] at the top; no tensors leak', async () => {
  const before = tf.memory().numTensors;
  const fig = generatedGrid(decoder, { gridSize: 4, range: [-2, 2] });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(fig.data.length, 16);
  assert.deepEqual(fig.data[0].z, [-2, 2]); // top-left
  assert.deepEqual(fig.data[3].z, [2, 2]); // top-right
  assert.deepEqual(fig.data[15].z, [2, -2]); // bottom-right
  await checkRenders(fig);
  const ppf = generatedGrid((z) => tf.sigmoid(z.sum(1)).reshape([-1, 1, 1, 1]).tile([1, 28, 28, 1]), { gridSize: 3, ppf: true, zDim: 4, dims: [1, 3] });
  assert.equal(ppf.data.length, 9);
  const top = normPpf(0.99);
  assert.ok(Math.abs(ppf.data[0].z[1] - normPpf(0.01)) < 1e-12 && Math.abs(ppf.data[0].z[3] - top) < 1e-12);
  assert.deepEqual([ppf.data[4].z[0], ppf.data[4].z[2]], [0, 0]);
  // a latent box (GDL 03_02): columns over range, rows over yRange
  const box = generatedGrid(decoder, { gridSize: 3, range: [-4, 2], yRange: [-1, 5] });
  assert.deepEqual(box.data.map((t) => t.z), [[-4, 5], [-1, 5], [2, 5], [-4, 2], [-1, 2], [2, 2], [-4, -1], [-1, -1], [2, -1]]);
  assert.match(box.description, /\[-4,0; 2,0\] × \[-1,0; 5,0\]/);
});

test('interpolation has `steps` frames from zA (t = 0) to zB (t = 1)', async () => {
  const fig = interpolation(decoder, [-1, 0], tf.tensor1d([1, 2]), 6);
  assert.equal(fig.data.length, 6);
  assert.deepEqual(fig.data.map((t) => t.t), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(fig.data[0].z, [-1, 0]);
  assert.deepEqual(fig.data[5].z, [1, 2]);
  assert.equal(fig.data[5].caption, 't = 1,00');
  assert.ok(fig.data.every((t) => t.row === 0));
  await checkRenders(fig);
  assert.throws(() => interpolation(decoder, [0, 0], [0, 0, 0]), /mesmo tamanho/);
});
