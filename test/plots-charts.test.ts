/** vega-lite charts: each renders to a PNG (2× its size) and an SVG with Portuguese titles, and holds its data. */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  ChartFigure, histogramVsNormal, klSurface, latentScatter, lossCurves, normalDensity1d, normalDensity2d, parseCsv, pSpaceScatter,
} from '../src/plots';

before(async () => {
  await tf.setBackend('cpu');
});

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'assinatura PNG');
  assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Checks an SVG is well nested (every tag closed) and returns its width/height attributes. */
function svgSize(svg: string): { width: number; height: number } {
  assert.match(svg, /^<svg[\s>]/);
  const stack: string[] = [];
  for (const [, close, name, self] of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (self) continue;
    if (close) assert.equal(stack.pop(), name, `tag </${name}> fecha outra tag`);
    else stack.push(name);
  }
  assert.deepEqual(stack, [], 'tags não fechadas');
  const m = svg.match(/^<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/);
  assert.ok(m, 'svg sem width/height');
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** Renders `fig` both ways, checks sizes, and checks that `texts` appear in the SVG. */
async function checkRenders(fig: ChartFigure<unknown>, texts: string[]): Promise<string> {
  assert.deepEqual(pngSize(await fig.toPNG()), { width: fig.width * 2, height: fig.height * 2 });
  assert.deepEqual(pngSize(await fig.toPNG(1)), { width: fig.width, height: fig.height });
  const svg = await fig.toSVG();
  assert.deepEqual(svgSize(svg), { width: fig.width, height: fig.height });
  for (const t of texts) assert.ok(svg.includes(`>${t}</text>`), `SVG sem o texto "${t}"`);
  assert.match(svg, /font-family="DejaVu Sans/);
  return svg;
}

const z = Array.from({ length: 50 }, (_, i) => [Math.sin(i) * 2, Math.cos(i * 0.7) * 1.5]);
const labels = z.map((_, i) => i % 10);

test('latentScatter: one point per input, legend "dígito", grid overlay, fixed domains', async () => {
  const fig = latentScatter(tf.tensor2d(z), tf.tensor1d(labels, 'int32'), { gridPoints: [[0, 0], [1, 1]], xDomain: [-3, 3], yDomain: [-3, 3] });
  assert.equal(fig.kind, 'chart');
  assert.equal(fig.data.length, z.length);
  assert.deepEqual(fig.data.map((r) => r.label), labels);
  assert.ok(Math.abs(fig.data[3].x - z[3][0]) < 1e-4 && Math.abs(fig.data[3].y - z[3][1]) < 1e-4);
  const spec = fig.spec as unknown as { layer: { data: { values: unknown[] }; encoding: { x: { scale: { domain: number[] } } } }[] };
  assert.equal(spec.layer.length, 2);
  assert.equal(spec.layer[1].data.values.length, 2);
  assert.deepEqual(spec.layer[0].encoding.x.scale.domain, [-3, 3]);
  await checkRenders(fig, ['Espaço latente', 'z[0]', 'z[1]', 'dígito']);
  // without labels: a single colour, no legend
  const plain = latentScatter(z);
  assert.equal(plain.data.length, z.length);
  assert.ok(!(await plain.toSVG()).includes('>dígito</text>'));
});

test('latentScatter rejects a label count that does not match', () => {
  assert.throws(() => latentScatter(z, [1, 2, 3]), /um rótulo por ponto: 50; recebi 3/);
});

test('pSpaceScatter maps each coordinate through Φ into [0, 1]²', async () => {
  const fig = pSpaceScatter(z, labels);
  assert.equal(fig.data.length, z.length);
  assert.ok(fig.data.every((r) => r.x > 0 && r.x < 1 && r.y > 0 && r.y < 1));
  assert.equal(pSpaceScatter([[0, 0]]).data[0].x, 0.5);
  await checkRenders(fig, ['Φ(z[0])', 'Φ(z[1])', 'dígito']);
});

test('normalDensity1d: one curve per (μ, σ), legend "μ = …, σ = …" in pt-BR', async () => {
  const fig = normalDensity1d([{ mu: 0, sigma: 1 }, { mu: 1, sigma: 0.5 }], { samples: 101, xRange: [-4, 4] });
  assert.equal(fig.data.length, 202);
  const peak = fig.data.find((r) => r.series === 'μ = 0, σ = 1' && r.x === 0);
  assert.ok(peak && Math.abs(peak.density - 0.398942) < 1e-6);
  await checkRenders(fig, ['μ = 0, σ = 1', 'μ = 1, σ = 0,5', 'densidade p(x)', 'distribuição']);
});

test('normalDensity2d: resolution² cells of the product density', async () => {
  const fig = normalDensity2d({ mu: [0, 0], sigma: [1, 0.5] }, { resolution: 21 });
  assert.equal(fig.data.length, 21 * 21);
  const max = fig.data.reduce((a, r) => (r.value > a.value ? r : a));
  assert.ok(Math.abs(max.x) < 1e-9 && Math.abs(max.y) < 1e-9);
  await checkRenders(fig, ['z[0]', 'z[1]', 'densidade']);
});

test('klSurface is 0 at μ = 0, σ = 1 and positive elsewhere, legend "KL"', async () => {
  const fig = klSurface();
  assert.equal(fig.data.length, 43 * 43);
  const min = fig.data.reduce((a, r) => (r.value < a.value ? r : a));
  assert.ok(Math.abs(min.x) < 1e-12 && Math.abs(min.y - 1) < 1e-12, `mínimo em (${min.x}, ${min.y})`);
  assert.ok(Math.abs(min.value) < 1e-12);
  assert.ok(fig.data.every((r) => r.value >= -1e-12));
  await checkRenders(fig, ['KL', 'μ', 'σ']);
});

const CSV = [
  'epoch,loss,vae_r_loss,vae_kl_loss,seconds,images_per_second,backend',
  '1,60.5,55.2,5.3,12.1,4958,tensorflow',
  '2,50.1,45.0,5.1,11.9,5042,tensorflow',
  '3,47.25,42.2,5.05,12.0,5000,tensorflow',
  '',
].join('\r\n');

test('parseCsv reads the training log header and numbers', () => {
  const rows = parseCsv(CSV);
  assert.equal(rows.length, 3);
  assert.deepEqual(rows[2], { epoch: 3, loss: 47.25, vae_r_loss: 42.2, vae_kl_loss: 5.05, seconds: 12, images_per_second: 5000, backend: 'tensorflow' });
});

test('lossCurves: three series per epoch with a legend, KL on its own axis', async () => {
  const fig = lossCurves(CSV);
  assert.equal(fig.data.length, 9);
  assert.deepEqual([...new Set(fig.data.map((r) => r.series))], ['total (loss)', 'reconstrução (vae_r_loss)', 'KL (vae_kl_loss)']);
  assert.deepEqual((fig.spec as { resolve?: unknown }).resolve, { scale: { y: 'independent' } });
  await checkRenders(fig, ['época', 'perda (total, reconstrução)', 'perda KL (tracejada)', 'KL (vae_kl_loss)', 'Perdas por época']);
  const same = lossCurves(parseCsv(CSV), { kl: 'same', logScale: true });
  assert.equal((same.spec as { resolve?: unknown }).resolve, undefined);
  await checkRenders(same, ['perda']);
  assert.throws(() => lossCurves('a,b\n1,2'), /colunas epoch/);
});

test('histogramVsNormal: density bins integrate to 1, N(0, 1) curve and legend', async () => {
  const values = Array.from({ length: 500 }, (_, i) => Math.sin(i * 12.9898) * 1.5);
  const fig = histogramVsNormal(values, { bins: 30, xTitle: 'z[0]' });
  assert.equal(fig.data.length, 30);
  assert.equal(fig.data.reduce((a, b) => a + b.count, 0), 500);
  const area = fig.data.reduce((a, b) => a + b.density * (b.x1 - b.x0), 0);
  assert.ok(Math.abs(area - 1) < 1e-9, `área ${area}`);
  await checkRenders(fig, ['densidade', 'z[0]', 'histograma', 'N(0, 1)']);
});
