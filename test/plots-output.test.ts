/** Figure outputs: files (.svg/.png/.jpg, atomic, folders created), the notebook MIME bundle, GIFs. */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { after, before, test } from 'node:test';
import {
  MAX_SPEC_ROWS, NOTEBOOK_SCALE, VEGALITE_MIME, latentPoints, thinSpec, drawFrames, encodeGif, figureBundle, figureFrames, imageGrid, interpolation, klSurface, latentScatter, show, showFigure, tileFrames, writeGif,
} from '../src/plots';
import { compactPng, QUANTIZE_ABOVE_BYTES } from '../src/plots/png';

let dir: string;
before(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(path.join(tmpdir(), 'vae-plots-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const isPng = (b: Buffer) => b.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));

/** Counts the image descriptors of a GIF by walking its blocks (header, palettes, extensions, LZW data). */
function gifFrames(b: Uint8Array): number {
  let i = 13 + (b[10] & 0x80 ? 3 * 2 ** ((b[10] & 7) + 1) : 0);
  let frames = 0;
  const skipSubBlocks = () => {
    while (b[i] !== 0) i += b[i] + 1;
    i++;
  };
  for (;;) {
    const kind = b[i++];
    if (kind === 0x3b) return frames; // trailer
    if (kind === 0x21) {
      i++; // extension label
      skipSubBlocks();
    } else if (kind === 0x2c) {
      frames++;
      const packed = b[i + 8];
      i += 9 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0) + 1; // descriptor, local palette, LZW min code size
      skipSubBlocks();
    } else throw new Error(`bloco GIF inesperado 0x${kind.toString(16)} em ${i - 1}`);
  }
}

test('save writes .svg, .png and .jpg by extension, creating folders, no temporaries left', async () => {
  const fig = latentScatter([[0, 0], [1, 1]], ['a', 'b']);
  const svgPath = await fig.save(path.join(dir, 'a', 'b', 'scatter.svg'));
  assert.equal(svgPath, path.join(dir, 'a', 'b', 'scatter.svg'));
  assert.match(await readFile(svgPath, 'utf8'), /^<svg/);
  const png = await readFile(await fig.save(path.join(dir, 'scatter.png')));
  assert.ok(isPng(png));
  assert.equal(png.readUInt32BE(16), fig.width * 2);
  assert.equal((await readFile(await fig.save(path.join(dir, 'scatter1x.png'), { scale: 1 }))).readUInt32BE(16), fig.width);
  const jpg = await readFile(await fig.save(path.join(dir, 'scatter.jpg')));
  assert.deepEqual([...jpg.subarray(0, 3)], [0xff, 0xd8, 0xff]);
  const grid = imageGrid([new Float32Array(784)]);
  assert.deepEqual([...(await readFile(await grid.save(path.join(dir, 'g.jpeg')))).subarray(0, 2)], [0xff, 0xd8]);
  assert.ok(isPng(await readFile(await grid.save(path.join(dir, 'g.png')))));
  await assert.rejects(fig.save(path.join(dir, 'x.pdf')), /"\.pdf".*use \.svg, \.png ou \.jpg/);
  assert.deepEqual((await readdir(dir, { recursive: true })).filter((f) => f.includes('tmp')), []);
});

test('figureBundle: vega-lite spec object + base64 PNG + text/plain (charts); PNG + text (images)', async () => {
  const fig = klSurface({}, { resolution: 11 });
  const { data, metadata } = await figureBundle(fig);
  const spec = data[VEGALITE_MIME] as { $schema: string; data?: unknown; layer: { data: { values: unknown[] } }[] };
  assert.equal(VEGALITE_MIME, 'application/vnd.vegalite.v5+json');
  assert.equal(typeof spec, 'object');
  assert.match(spec.$schema, /vega-lite\/v5/);
  assert.equal(spec.layer[0].data.values.length, 121); // data inlined
  const png = Buffer.from(data['image/png'] as string, 'base64');
  assert.ok(isPng(png));
  assert.equal(png.readUInt32BE(16), Math.round(fig.width * NOTEBOOK_SCALE));
  assert.match(data['text/plain'] as string, /KL/);
  assert.deepEqual(metadata, { 'image/png': { width: fig.width, height: fig.height } });
  const image = await figureBundle(imageGrid([new Float32Array(784)]));
  assert.deepEqual(Object.keys(image.data).sort(), ['image/png', 'text/plain']);
});

test('a notebook spec keeps at most MAX_SPEC_ROWS rows per dataset, evenly spaced, and says so; the PNG keeps every point', async () => {
  const points = Array.from({ length: 5000 }, (_, i) => [i, -i]);
  const fig = latentPoints(points, points.map((_, i) => i % 10), [[1, 1], [2, 2]], { title: 'muitos pontos' });
  const { data } = await figureBundle(fig);
  const spec = data[VEGALITE_MIME] as { title: { text: string; subtitle: string[] }; layer: { data: { values: { x: number }[] } }[] };
  assert.equal(spec.layer[0].data.values.length, MAX_SPEC_ROWS);
  assert.equal(spec.layer[0].data.values[0].x, 0);
  assert.equal(spec.layer[0].data.values[MAX_SPEC_ROWS - 1].x, 4999);
  assert.equal(spec.layer[1].data.values.length, 2, 'small layers are kept whole');
  assert.equal(spec.title.text, 'muitos pontos');
  assert.deepEqual(spec.title.subtitle, ['+ = 2 pontos marcados', 'interativo: 2.000 dos 5.000 pontos (a imagem mostra todos)']);
  assert.equal((fig.spec as unknown as { layer: { data: { values: unknown[] } }[] }).layer[0].data.values.length, 5000, 'the figure itself is not changed');
  assert.deepEqual(thinSpec({ data: { values: [1, 2, 3] } }).thinned, null);
});

test('outside a notebook show does nothing; console.log prints one line', async () => {
  const fig = latentScatter([[0, 0]]);
  assert.equal(await showFigure(fig), false);
  assert.equal(await fig.show(), undefined);
  assert.equal(await show(fig), undefined);
  assert.match(inspect(fig), /^ChartFigure 480×400: Dispersão de 1 ponto \(z\[0\], z\[1\]\)/);
});

test('writeGif: GIF89a with one image per frame; drawFrames, tileFrames, figureFrames', async () => {
  const frames = drawFrames(5, 40, 30, (ctx, i) => {
    ctx.fillStyle = `rgb(${i * 50}, 0, 0)`;
    ctx.fillRect(i * 5, 5, 10, 10);
  });
  const file = await writeGif(frames, path.join(dir, 'gif', 'moving.gif'), { delayMs: 80 });
  const bytes = await readFile(file);
  assert.equal(bytes.subarray(0, 6).toString('latin1'), 'GIF89a');
  assert.deepEqual([bytes.readUInt16LE(6), bytes.readUInt16LE(8)], [40, 30]);
  assert.equal(gifFrames(bytes), 5);
  assert.ok(bytes.includes(Buffer.from('NETSCAPE2.0')), 'sem a extensão de repetição');
  assert.ok(!Buffer.from(encodeGif(frames, { loop: false })).includes(Buffer.from('NETSCAPE2.0')));
  // raw RGBA frames work too
  const rgba = { width: 2, height: 2, data: new Uint8ClampedArray(16).fill(255) };
  assert.equal(gifFrames(encodeGif([rgba, rgba])), 2);
  // an interpolation as a GIF, one frame per step
  const decoder = (z: tf.Tensor2D) => tf.sigmoid(z.sum(1)).reshape([-1, 1, 1, 1]).tile([1, 28, 28, 1]);
  const morph = interpolation(decoder, [-3, 0], [3, 0], 4);
  assert.equal(gifFrames(encodeGif(await tileFrames(morph.data))), 4);
  const charts = await figureFrames([latentScatter([[0, 0]]), latentScatter([[0, 0]], undefined, { width: 300 })]);
  assert.deepEqual([charts[1].width, charts[1].height], [charts[0].width, charts[0].height]);
  assert.throws(() => encodeGif([frames[0], rgba]), /40×30; o quadro 1 tem 2×2/);
});

test('compactPng: a large chart becomes an indexed PNG of the same size in fewer bytes; a small one stays lossless', async () => {
  const points = Array.from({ length: 5000 }, (_, i) => [Math.sin(i) * 3 + Math.cos(i * 7), Math.cos(i * 1.3) * 3]);
  const big = await latentScatter(points, points.map((_, i) => i % 10), { width: 620, height: 520 }).toCanvas(NOTEBOOK_SCALE);
  const lossless = big.toBuffer('image/png');
  const small = compactPng(big);
  assert.ok(lossless.length > QUANTIZE_ABOVE_BYTES, `a large chart (${lossless.length} bytes)`);
  assert.ok(isPng(small));
  assert.ok(small.length < lossless.length * 0.6, `${small.length} vs ${lossless.length} bytes`);
  assert.equal(small.readUInt32BE(16), big.width);
  assert.equal(small.readUInt32BE(20), big.height);
  assert.equal(small[25], 3, 'colour type 3: indexed');
  const tiny = await imageGrid([new Float32Array(784)]).toCanvas(1);
  assert.deepEqual(compactPng(tiny), tiny.toBuffer('image/png'));
});
