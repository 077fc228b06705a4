/**
 * The explorer's Node side without a browser: the page's configuration and its checks, the HTML
 * fragment (escaped, the bundle inlined once), the notebook API outside a notebook, the server's
 * routes, and the live charts of the static HTML (src/plots/live-charts.ts).
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { ConfigError, latentScatter, VariationalAutoencoder } from '../src';
import { unembeddedImages } from '../src/cli/notebooks';
import { explorer, explorerArtifacts, startExplorerServer, type ExplorerArtifacts } from '../src/explorer';
import { explorerFragment, pageConfig } from '../src/explorer/page';
import { addLiveCharts, finishLiveHtml, type NotebookOutputs } from '../src/plots/live-charts';
import { figureBundle } from '../src/plots/show';
import { testBackend, TINY_OPTIONS } from './helpers';

const root = path.join(__dirname, '..', '..');
let small: ExplorerArtifacts;

before(async () => {
  await testBackend();
  const vae = await VariationalAutoencoder.load(path.join(root, 'run', 'vae', '0002_digits'));
  const images = tf.zeros([12, 28, 28, 1]) as tf.Tensor4D;
  small = await explorerArtifacts(vae, { images, labels: Array.from({ length: 12 }, (_, i) => i % 10) });
  images.dispose();
  vae.dispose();
});

test('the page configuration inlines both models and checks its options', async () => {
  const config = pageConfig(small);
  assert.ok('weightsBase64' in config.encoder && 'weightsBase64' in config.decoder, 'models inlined');
  assert.equal(config.latent.n, 12);
  assert.equal(config.latent.source, 'imagens dadas');
  assert.equal(config.manifest.run, null, 'a model in memory has no run folder');
  assert.deepEqual(pageConfig(small, {}, { encoder: 'e/model.json', decoder: 'd/model.json' }).encoder, { url: 'e/model.json' });
  assert.throws(() => pageConfig(small, { steps: 1 }), ConfigError);
  assert.throws(() => pageConfig({ ...small, manifest: { ...small.manifest, zDim: 3 } }), /zDim 2/);
  const tiny = new VariationalAutoencoder(TINY_OPTIONS);
  const tinyArtifacts = await explorerArtifacts(tiny, { images: tf.zeros([2, 8, 8, 1]) as tf.Tensor4D, labels: [0, 1] });
  assert.throws(() => pageConfig(tinyArtifacts), /28×28×1/);
  tiny.dispose();
  await assert.rejects(explorerArtifacts(tiny, { images: tf.zeros([2, 8, 8, 1]) as tf.Tensor4D }), /labels/);
});

test('the HTML fragment: one root, the bundle once, nothing that closes its <script> early', async () => {
  const html = await explorerFragment(pageConfig({ ...small, latent: { ...small.latent, source: '</script><b>x</b>' } }));
  assert.equal(html.match(/data-role="explorer"/g)?.length, 1);
  assert.equal(html.match(/<script>/g)?.length, 2, 'the bundle and the mount call');
  assert.equal(html.match(/<\/script>/gi)?.length, 2, 'no </script> inside the JSON');
  assert.match(html, /vaeExplorer\.mount\("vae-explorer-[0-9a-f]{8}-\d+", \{/);
  assert.ok(html.includes('if(!globalThis.vaeExplorer){'), 'the bundle runs once per page');
});

test('explorer(): a full offline document, and show() does nothing outside a notebook', async () => {
  const tensors = tf.memory().numTensors;
  const e = explorer(path.join(root, 'run', 'ae', '0001_digits'), { n: 50 });
  const page = await e.html();
  assert.equal(tf.memory().numTensors, tensors, 'exporting a run folder leaves no tensor behind');
  assert.match(page, /^<!DOCTYPE html>/);
  assert.ok(!/\bsrc="https?:/.test(page) && !/\bhref="https?:/.test(page), 'no external script or link');
  assert.equal(await e.show(), undefined);
  assert.equal((await e.exports()).manifest.kind, 'ae');
});

test('the server lists the runs and answers 404 for anything else', async () => {
  const { url, runs, close } = await startExplorerServer({ runsDir: path.join(root, 'run'), port: 0, n: 20 });
  try {
    const ids = runs.map((r) => r.id); // the shipped autoencoder runs (a local training may add more), never the classifier
    for (const id of ['ae/0001_digits', 'tradeoff/0001_digits_r100', 'vae/0002_digits', 'vae/0003_digits_sem_kl']) assert.ok(ids.includes(id), `${id} in ${ids}`);
    assert.ok(!ids.some((id) => id.startsWith('classifier/')), 'the classifier is not an autoencoder run');
    assert.match(await (await fetch(url)).text(), /run\/vae\/0002_digits\//);
    assert.equal((await fetch(`${url}run/vae/9999/`)).status, 404);
    assert.equal((await fetch(`${url}run/vae/0002_digits/nada.json`)).status, 404);
    const manifest = await (await fetch(`${url}run/vae/0002_digits/manifest.json`)).json() as { kind: string; epoch: number };
    assert.deepEqual([manifest.kind, manifest.epoch], ['vae', 30]);
    const model = await (await fetch(`${url}run/vae/0002_digits/encoder/model.json`)).json() as { weightsManifest: { paths: string[] }[] };
    assert.deepEqual(model.weightsManifest[0].paths, ['weights.bin']);
    assert.equal((await (await fetch(`${url}run/vae/0002_digits/encoder/weights.bin`)).arrayBuffer()).byteLength, 420880);
  } finally {
    await close();
  }
});

test('live charts: a vega-lite output gets an HTML twin with its PNG inside; the libraries are inlined once', async () => {
  const { data, metadata } = await figureBundle(latentScatter([[0, 1], [1, 0]], [0, 1], { width: 200, height: 160 }));
  const nb: NotebookOutputs = { cells: [
    { cell_type: 'code', outputs: [{ output_type: 'display_data', data: { ...data }, metadata }, { output_type: 'display_data', data: { 'image/png': data['image/png'] } }] },
  ] };
  assert.equal(addLiveCharts(nb), 1, 'only the output with a vega-lite spec');
  const twin = nb.cells[0].outputs![0].data!['text/html'] as string;
  assert.match(twin, /^<div data-role="vega-live"><img alt="gráfico" src="data:image\/png;base64,[^"]+" width="200" height="160"><\/div>/);
  assert.equal(nb.cells[0].outputs![1].data!['text/html'], undefined);
  const page = finishLiveHtml(`<html><head><script src="file:///usr/share/javascript/requirejs/require.min.js"></script></head><body>${twin}</body></html>`, 1);
  assert.equal(page.match(/window\.define = undefined/g)?.length, 1, 'AMD hidden while the UMD builds run');
  assert.equal(page.match(/function vaeLiveChart/g)?.length, 1);
  assert.deepEqual(unembeddedImages(page), [], 'template strings inside the libraries are not images');
  assert.equal(finishLiveHtml('<head></head>', 0), '<head></head>', 'no chart, no libraries');
});
