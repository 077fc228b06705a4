/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The latent-space explorer in a real browser (issue 9, part 5): Debian's Chromium through
 * playwright-core, every request outside file:, data:, blob: and 127.0.0.1 blocked and counted (0).
 * The self-contained --html file, the page served by `npm run explorer`, the committed output of
 * notebook 05 in the classic Jupyter Notebook, and the exported HTML of notebook 05 (with its live
 * vega-lite charts). The page's pixels and μ are compared with the Node
 * decoder and encoder on the same inputs. Screenshots go to test-artifacts/.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Autoencoder, normCdf, normPpf, VariationalAutoencoder } from '../src';
import { main as explorerCli } from '../src/cli/explorer';
import { runNotebook } from '../src/cli/notebooks';
import { findJupyterPython } from '../src/jupyter';
import { startExplorerServer } from '../src/explorer';
import { tempDir, testBackend } from './helpers';
import { freePort, startJupyter } from './jupyter';

const root = path.join(__dirname, '..', '..');
const artifacts = path.join(root, 'test-artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const VAE_RUN = path.join(root, 'run', 'vae', '0002_digits');
const AE_RUN = path.join(root, 'run', 'ae', '0001_digits');
const STEPS = 10;

let browser: Browser;
let vae: VariationalAutoencoder;
/** Requests the pages tried outside file:/data:/blob:/127.0.0.1 (all blocked). */
const outside: string[] = [];

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium não encontrado em ${CHROMIUM}: instale o pacote Debian "chromium" (scripts/install-system-deps.sh) ou defina CHROMIUM_PATH.`);
  mkdirSync(artifacts, { recursive: true });
  await testBackend();
  vae = await VariationalAutoencoder.load(VAE_RUN);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  await browser?.close();
  vae?.dispose();
});

async function newContext(options: { javaScriptEnabled?: boolean } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 1150 }, ...options });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (/^(file|data|blob):/.test(url) || /^https?:\/\/127\.0\.0\.1[:/]/.test(url)) return route.continue();
    outside.push(url);
    return route.abort('blockedbyclient');
  });
  return context;
}

/** Opens `url`, waits for data-state="ready", returns the page and the load time the page measured. */
async function openExplorer(context: BrowserContext, url: string): Promise<{ page: Page; loadMs: number }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('[data-role="explorer"][data-state="ready"], [data-role="explorer"][data-state="error"]', { timeout: 120_000 });
  assert.deepEqual(errors, [], 'no page error');
  assert.equal(await page.getAttribute('[data-role="explorer"]', 'data-state'), 'ready', await page.textContent('[data-role="explorer"]') ?? '');
  return { page, loadMs: Number(await page.getAttribute('[data-role="explorer"]', 'data-load-ms')) };
}

interface PlaneGeometry { space: string; x: [number, number]; y: [number, number]; area: { left: number; top: number; width: number; height: number } }

/** Client pixel of latent point z on the plane (through Φ in p-space). */
async function pixelOf(page: Page, z: number[]): Promise<[number, number]> {
  const plane = page.locator('[data-role="latent-plane"]');
  const box = (await plane.boundingBox())!;
  const g = JSON.parse((await plane.getAttribute('data-domain'))!) as PlaneGeometry;
  const space = await plane.getAttribute('data-space');
  const [u, v] = space === 'p' ? z.map((c) => normCdf(c)) : z;
  return [box.x + g.area.left + ((u - g.x[0]) / (g.x[1] - g.x[0])) * g.area.width, box.y + g.area.top + (1 - (v - g.y[0]) / (g.y[1] - g.y[0])) * g.area.height];
}

/** Waits until the decoded view shows a z other than `previous` and nothing is pending. */
async function settledZ(page: Page, previous: string | null): Promise<number[]> {
  await page.waitForFunction((prev) => {
    const c = document.querySelector('[data-role="decoded"]') as HTMLElement | null;
    const root = document.querySelector('[data-role="explorer"]') as HTMLElement;
    return c?.dataset.z && c.dataset.z !== prev && root.dataset.busy === '0';
  }, previous, { timeout: 30_000 });
  return JSON.parse((await page.getAttribute('[data-role="decoded"]', 'data-z'))!);
}

/** Ink of a 28×28 canvas of the page (1 − red/255: black ink on white). */
async function canvasInk(page: Page, selector: string): Promise<number[]> {
  return page.$eval(selector, (c) => {
    const data = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data;
    return Array.from({ length: 784 }, (_, i) => 1 - data[4 * i] / 255);
  });
}

/** Moves the mouse to z and checks the page's decoded digit against the Node decoder (≤ 2/255). */
async function checkDecodeAt(page: Page, decoder: tf.LayersModel, z: number[]): Promise<number> {
  const previous = await page.getAttribute('[data-role="decoded"]', 'data-z');
  await page.mouse.move(...(await pixelOf(page, z)));
  const shown = await settledZ(page, previous);
  assert.ok(Math.hypot(shown[0] - z[0], shown[1] - z[1]) < 0.1, `the page decoded ${shown}, near ${z}`);
  const ink = await canvasInk(page, '[data-role="decoded"]');
  const node = tf.tidy(() => Array.from((decoder.predict(tf.tensor2d([shown])) as tf.Tensor).dataSync()));
  const diff = ink.reduce((m, v, i) => Math.max(m, Math.abs(v - node[i])), 0);
  assert.ok(diff <= 2 / 255, `decoder(${shown}): max |page − Node| = ${(diff * 255).toFixed(2)}/255`);
  return diff;
}

test('the self-contained --html file: decode, draw, sample, interpolate, p-space, grid — offline', { timeout: 120_000 }, async () => {
  const file = path.join(tempDir('vae-explorer-'), 'explorer.html');
  assert.equal(await explorerCli(['--run-folder', VAE_RUN, '--html', file]), 0);
  const bytes = statSync(file).size;
  console.log(`explorer.html: ${(bytes / 2 ** 20).toFixed(2)} MiB (${bytes} bytes)`);
  assert.ok(bytes <= 3e6, `self-contained file ≤ 3 MB (${bytes} bytes)`);
  const context = await newContext();
  const { page, loadMs } = await openExplorer(context, pathToFileURL(file).href);
  const backend = await page.getAttribute('[data-role="backend"]', 'data-backend');
  console.log(`carregamento: ${loadMs} ms; ${await page.textContent('[data-role="backend"]')}`);
  assert.ok(['webgl', 'wasm', 'cpu'].includes(backend!), `backend ${backend}`);

  // Three known latent points: the page's pixels equal the Node decoder's.
  for (const z of [[0, 0], [1.5, -1], [-1.5, 1.5]]) await checkDecodeAt(page, vae.decoder, z);

  // Decodes per second during a fast drag (pointer events at 120 Hz for 2 s, inside the page).
  const rate = await page.evaluate(async () => {
    const plane = document.querySelector('[data-role="latent-plane"]') as HTMLCanvasElement;
    const root = document.querySelector('[data-role="explorer"]') as HTMLElement;
    const r = plane.getBoundingClientRect();
    const start = Number(root.dataset.decodes);
    const tensors = root.dataset.tensors;
    const t0 = performance.now();
    let k = 0;
    await new Promise<void>((done) => {
      const timer: ReturnType<typeof setInterval> = setInterval(() => {
        const t = (performance.now() - t0) / 2000;
        if (t >= 1) return void (clearInterval(timer), done());
        const x = r.left + r.width * (0.2 + 0.6 * t);
        const y = r.top + r.height * (0.5 + 0.3 * Math.sin(8 * Math.PI * t));
        plane.dispatchEvent(new PointerEvent('pointermove', { clientX: x, clientY: y, buttons: 1, pointerId: 1, bubbles: true }));
        k++;
      }, 1000 / 120);
    });
    const seconds = (performance.now() - t0) / 1000;
    return { decodes: (Number(root.dataset.decodes) - start) / seconds, events: k / seconds, tensors: [tensors, root.dataset.tensors] };
  });
  assert.equal(rate.tensors[1], rate.tensors[0], 'decoding leaks no tensor');
  console.log(`arrastando: ${rate.decodes.toFixed(1)} decodificações/s (${rate.events.toFixed(0)} eventos/s)`);
  assert.ok(rate.decodes >= 10, `decodes per second while dragging: ${rate.decodes.toFixed(1)}`);

  // A known stroke on the pad (a "7"): the μ the page shows equals the Node encoder's on the same image.
  const pad = (await page.locator('[data-role="draw-pad"]').boundingBox())!;
  const at = (u: number, v: number): [number, number] => [pad.x + (u / 28) * pad.width, pad.y + (v / 28) * pad.height];
  await page.mouse.move(...at(8, 7));
  await page.mouse.down();
  for (const [u, v] of [[13, 7], [20, 7], [17, 13], [14, 19], [12, 23]]) await page.mouse.move(...at(u, v), { steps: 6 });
  await page.mouse.up();
  await page.waitForFunction(() => {
    const p = document.querySelector('[data-role="draw-pad"]') as HTMLElement;
    return p.dataset.mu && p.dataset.busy === '0';
  }, undefined, { timeout: 30_000 });
  const muPage = JSON.parse((await page.getAttribute('[data-role="draw-pad"]', 'data-mu'))!) as number[];
  const ink = await canvasInk(page, '[data-role="draw-pad"]');
  assert.ok(ink.filter((v) => v > 0.5).length > 20, 'the stroke left ink on the pad');
  const muNode = tf.tidy(() => {
    const [mu] = vae.encoderMuLogVar.predict(tf.tensor4d(ink, [1, 28, 28, 1])) as tf.Tensor[];
    return Array.from(mu.dataSync());
  });
  const dMu = Math.max(...muPage.map((v, i) => Math.abs(v - muNode[i])));
  console.log(`μ do traço: página ${muPage.map((v) => v.toFixed(4))}, Node ${muNode.map((v) => v.toFixed(4))} (|Δ| ${dMu.toExponential(1)})`);
  assert.ok(dMu <= 1e-3, `μ page vs Node: ${dMu}`);
  const encodedText = (await page.textContent('[data-role="encoded"]'))!;
  assert.match(encodedText, /μ = \(.*;.*\) · σ = /, encodedText);
  assert.ok(encodedText.includes(muNode[0].toLocaleString('pt-BR', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).replace(/^-0,00$/, '0,00')), `pt-BR μ in ${encodedText}`);
  const before = await page.getAttribute('[data-role="decoded"]', 'data-z');
  await page.click('[data-role="sample"]');
  const zSampled = await settledZ(page, before);
  assert.match((await page.textContent('[data-role="coords"]'))!, /μ \+ σ·ε/);
  assert.ok(zSampled.every(Number.isFinite), 'z = μ + σ·ε decoded');

  // Two clicks: the interpolation strip has STEPS images.
  await page.mouse.click(...(await pixelOf(page, [-2, -1])));
  await page.mouse.click(...(await pixelOf(page, [2, 1.5])));
  await page.waitForFunction((n) => document.querySelectorAll('[data-role="interpolation"] canvas').length === n, STEPS, { timeout: 30_000 });
  await page.screenshot({ path: path.join(artifacts, 'explorer-html-z-space.png'), fullPage: true });

  // p-space: the axes become Φ(z), the domain [0, 1]², and a pixel decodes z = Φ⁻¹(p).
  await page.click('[data-role="space-toggle"]');
  assert.equal(await page.getAttribute('[data-role="latent-plane"]', 'data-space'), 'p');
  assert.equal(await page.textContent('[data-role="axis-x"]'), 'Φ(z[0])');
  assert.deepEqual((JSON.parse((await page.getAttribute('[data-role="latent-plane"]', 'data-domain'))!) as PlaneGeometry).x, [0, 1]);
  const zp = [normPpf(0.8), normPpf(0.3)];
  await checkDecodeAt(page, vae.decoder, zp);
  await page.check('[data-role="grid-toggle"]');
  await page.waitForFunction(() => (document.querySelector('[data-role="explorer"]') as HTMLElement).dataset.grid, undefined, { timeout: 60_000 });
  await page.mouse.move(...(await pixelOf(page, zp)));
  await page.screenshot({ path: path.join(artifacts, 'explorer-html-p-space-grid.png'), fullPage: true });
  await context.close();
  assert.deepEqual(outside, [], 'no request left the machine');
});

test('npm run explorer serves the runs on 127.0.0.1; the plain AE page decodes like the Node decoder', { timeout: 120_000 }, async () => {
  const { url, runs, close } = await startExplorerServer({ runsDir: path.join(root, 'run'), port: 0, n: 1000 });
  const ae = await Autoencoder.load(AE_RUN);
  const context = await newContext();
  try {
    const ids = runs.map((r) => r.id); // the shipped autoencoder runs (a local training may add more), never the classifier
    for (const id of ['ae/0001_digits', 'tradeoff/0001_digits_r100', 'vae/0002_digits', 'vae/0003_digits_sem_kl']) assert.ok(ids.includes(id), `${id} in ${ids}`);
    assert.ok(!ids.some((id) => id.startsWith('classifier/')), 'the classifier is not an autoencoder run');
    const index = await context.newPage();
    await index.goto(url);
    assert.deepEqual(await index.$$eval('[data-role="runs"] a', (as) => as.map((a) => a.getAttribute('href'))), runs.map((r) => `run/${r.id}/`));
    const fetched: string[] = [];
    context.on('request', (r) => fetched.push(new URL(r.url()).pathname));
    const { page, loadMs } = await openExplorer(context, `${url}run/ae/0001_digits/`);
    console.log(`página servida (AE): carregamento ${loadMs} ms`);
    assert.ok(fetched.includes('/run/ae/0001_digits/encoder/model.json') && fetched.includes('/run/ae/0001_digits/decoder/weights.bin'), `models loaded over http: ${fetched.join(', ')}`);
    const g = JSON.parse((await page.getAttribute('[data-role="latent-plane"]', 'data-domain'))!) as PlaneGeometry;
    const mid = (d: [number, number], t: number) => d[0] + t * (d[1] - d[0]);
    for (const t of [[0.3, 0.3], [0.5, 0.7], [0.8, 0.4]]) await checkDecodeAt(page, ae.decoder, [mid(g.x, t[0]), mid(g.y, t[1])]);
    // The AE has no σ: the pad gives a point, and there is nothing to sample.
    const pad = (await page.locator('[data-role="draw-pad"]').boundingBox())!;
    await page.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * 0.2);
    await page.mouse.down();
    await page.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * 0.8, { steps: 8 });
    await page.mouse.up();
    await page.waitForFunction(() => (document.querySelector('[data-role="draw-pad"]') as HTMLElement).dataset.mu, undefined, { timeout: 30_000 });
    assert.match((await page.textContent('[data-role="encoded"]'))!, /sem σ/);
    assert.equal(await page.isDisabled('[data-role="sample"]'), true);
    await page.check('[data-role="grid-toggle"]');
    await page.waitForFunction(() => (document.querySelector('[data-role="explorer"]') as HTMLElement).dataset.grid, undefined, { timeout: 60_000 });
    await page.screenshot({ path: path.join(artifacts, 'explorer-served-ae.png'), fullPage: true });
  } finally {
    await context.close();
    await close();
    ae.dispose();
  }
  assert.deepEqual(outside, [], 'no request left the machine');
});

test('the exported HTML of notebook 05: the explorer runs offline and vega-lite figures become live charts (PNG without JavaScript)', { timeout: 300_000 }, async () => {
  process.env.VAE_QUICK = '1';
  const outDir = tempDir('vae-html-');
  const { html } = await runNotebook(path.join(root, 'notebooks', '05_vae_analise.ipynb'), { outDir, python: findJupyterPython(), inPlace: false, timeout: 1800 });
  const context = await newContext();
  const { page, loadMs } = await openExplorer(context, pathToFileURL(html).href);
  console.log(`HTML do notebook 05: ${(statSync(html).size / 2 ** 20).toFixed(2)} MiB, explorador pronto em ${loadMs} ms`);
  await page.locator('[data-role="explorer"]').scrollIntoViewIfNeeded();
  await checkDecodeAt(page, vae.decoder, [0.5, 0.5]);
  const charts = await page.$$eval('[data-role="vega-live"]', (els) => els.length);
  await page.waitForFunction((n) => document.querySelectorAll('[data-role="vega-live"][data-state="live"] svg').length === n, charts, { timeout: 60_000 });
  assert.ok(charts >= 4, `live charts: ${charts}`);
  assert.equal(await page.$$eval('[data-role="vega-live"] img', (els) => els.length), 0, 'the PNG gives way to the live chart');
  await page.locator('[data-role="explorer"]').screenshot({ path: path.join(artifacts, 'explorer-notebook-05.png') });
  await page.locator('[data-role="vega-live"]').first().screenshot({ path: path.join(artifacts, 'notebook-05-live-chart.png') });
  await context.close();

  // With JavaScript off the same page still shows every figure: the PNGs, and the explorer's scatter.
  const noJs = await newContext({ javaScriptEnabled: false });
  const still = await noJs.newPage();
  await still.goto(pathToFileURL(html).href);
  const widths = await still.$$eval('[data-role="vega-live"] img, [data-role="explorer"] img[data-role="fallback"]', (imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
  assert.equal(widths.length, charts + 1, 'one PNG per chart and the explorer fallback');
  assert.ok(widths.every((w) => w > 0), `every fallback PNG renders (${widths.join(', ')})`);
  await noJs.close();
  assert.deepEqual(outside, [], 'no request left the machine');
});

test('the classic Jupyter Notebook runs the committed explorer output of notebook 05 once the notebook is trusted', { timeout: 180_000 }, async () => {
  const python = findJupyterPython();
  // A copy (git-ignored), signed as trusted, so the saved output's script runs when the notebook opens.
  const copyName = `zz_explorer_${randomBytes(3).toString('hex')}.ipynb`;
  const copy = path.join(root, 'notebooks', copyName);
  copyFileSync(path.join(root, 'notebooks', '05_vae_analise.ipynb'), copy);
  const server = { process: null as Awaited<ReturnType<typeof startJupyter>> | null };
  const context = await newContext();
  try {
    const trust = spawnSync(python, ['-m', 'nbformat.sign', copy], { encoding: 'utf8' }); // what `jupyter trust` runs
    assert.equal(trust.status, 0, `jupyter trust: ${trust.stderr}`);
    const port = await freePort();
    const token = randomBytes(16).toString('hex');
    server.process = await startJupyter(python, port, token);
    const { page, loadMs } = await openExplorer(context, `http://127.0.0.1:${port}/notebooks/notebooks/${copyName}?token=${token}`);
    console.log(`Notebook clássico: explorador do notebook 05 pronto em ${loadMs} ms`);
    await page.locator('[data-role="explorer"]').scrollIntoViewIfNeeded();
    await checkDecodeAt(page, vae.decoder, [-1, 1]);
    await page.locator('[data-role="explorer"]').screenshot({ path: path.join(artifacts, 'explorer-classic-notebook.png') });
  } finally {
    await context.close();
    server.process?.kill('SIGTERM');
    rmSync(copy, { force: true });
    rmSync(path.join(root, 'notebooks', '.ipynb_checkpoints', copyName.replace('.ipynb', '-checkpoint.ipynb')), { force: true });
  }
  assert.deepEqual(outside, [], 'no request left the machine');
});
