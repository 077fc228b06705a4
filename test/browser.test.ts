/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * A real browser (Debian's Chromium, driven by playwright-core — no browser is downloaded):
 * the classic Jupyter Notebook server runs notebook 04 cell by cell with the tslab kernel, and
 * the static HTML export shows its figures. Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { runNotebook } from '../src/cli/notebooks';
import { findJupyterPython } from '../src/jupyter';
import { tempDir } from './helpers';
import { freePort, startJupyter } from './jupyter';

const root = path.join(__dirname, '..', '..');
const artifacts = path.join(root, 'test-artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const NOTEBOOK = '04_vae_treino.ipynb';

async function launch(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `Chromium não encontrado em ${CHROMIUM}: instale o pacote Debian "chromium" (scripts/install-system-deps.sh) ou defina CHROMIUM_PATH.`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

test('notebook 04 runs all its cells in the classic Jupyter Notebook in Chromium, and its static HTML shows the figures', { timeout: 20 * 60_000 }, async () => {
  const python = findJupyterPython();
  assert.equal(spawnSync(python, ['-c', 'import notebook'], { stdio: 'ignore' }).status, 0, 'Falta o Jupyter Notebook clássico: apt-get install jupyter-notebook');
  mkdirSync(artifacts, { recursive: true });
  // A copy, so the notebook server's autosave never touches the committed notebook.
  const copyName = `zz_browser_${randomBytes(3).toString('hex')}.ipynb`;
  const copy = path.join(root, 'notebooks', copyName);
  copyFileSync(path.join(root, 'notebooks', NOTEBOOK), copy);
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const server = await startJupyter(python, port, token);
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/notebooks/notebooks/${copyName}?token=${token}`);
    // Ready when the kernel answered kernel_info (is_connected() alone comes too early).
    await page.waitForFunction(() => {
      const w = window as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected(): boolean; info_reply?: { protocol_version?: string } } } } };
      const kernel = w.Jupyter?.notebook?.kernel;
      return kernel?.is_connected() === true && Boolean(kernel.info_reply?.protocol_version);
    }, undefined, { timeout: 120_000 });
    await page.evaluate(() => (window as unknown as { Jupyter: { notebook: { execute_all_cells(): void } } }).Jupyter.notebook.execute_all_cells());
    // Done when every code cell has run and the kernel is idle — or as soon as a cell fails
    // (the notebook then stops executing, and the assertions below report the error).
    await page.waitForFunction(() => {
      if (document.querySelector('.output_error, .output_stderr')) return true;
      const prompts = [...document.querySelectorAll('.code_cell .input_prompt')].map((p) => p.textContent ?? '');
      const busy = document.querySelector('#kernel_indicator_icon')?.classList.contains('kernel_busy_icon');
      return prompts.length > 0 && prompts.every((p) => /\[\d+\]/.test(p)) && !busy;
    }, undefined, { timeout: 15 * 60_000, polling: 1000 }).finally(() => page.screenshot({ path: path.join(artifacts, 'notebook-04-live.png'), fullPage: true }));
    const errors = await page.$$eval('.output_error, .output_stderr', (els) => els.map((e) => (e.textContent ?? '').slice(0, 300)));
    assert.deepEqual(errors, [], 'no error or stderr output in the browser');
    const progress = await page.$$eval('.output_html progress', (els) => els.length);
    assert.ok(progress > 0, 'the training progress bar was drawn');
    const latentImages = await page.$$eval('.code_cell', (cells) =>
      cells
        .filter((c) => (c.querySelector('.input_area')?.textContent ?? '').includes('latentScatter('))
        .flatMap((c) => [...c.querySelectorAll('.output_png img')].map((img) => (img as HTMLImageElement).naturalWidth)),
    );
    assert.ok(latentImages.length > 0 && latentImages.every((w) => w > 0), `a latent-space figure was rendered (${latentImages})`);

    // The static HTML export of the same notebook, opened from disk.
    const outDir = tempDir('vae-html-');
    const { html } = await runNotebook(path.join(root, 'notebooks', NOTEBOOK), { outDir, python, inPlace: false, timeout: 1800 });
    const staticPage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await staticPage.goto(pathToFileURL(html).href);
    await staticPage.waitForLoadState('load');
    const widths = await staticPage.$$eval('img', (imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
    await staticPage.screenshot({ path: path.join(artifacts, 'notebook-04-static.png'), fullPage: true });
    assert.ok(widths.length >= 3 && widths.every((w) => w > 0), `every image of the static HTML renders (${widths.join(', ')})`);
  } finally {
    await browser.close();
    server.kill('SIGTERM');
    rmSync(copy, { force: true });
    rmSync(path.join(root, 'notebooks', '.ipynb_checkpoints', copyName.replace('.ipynb', '-checkpoint.ipynb')), { force: true });
  }
});
