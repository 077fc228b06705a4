/**
 * The standard exports (issue 9, part 1): stock TensorFlow.js in a child process — nothing of this
 * package loaded or registered — loads encoder/ and decoder/ over http with `tf.loadLayersModel`,
 * and their outputs equal the package's models on the same inputs (both on the stock cpu backend).
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { before, test } from 'node:test';
import { Autoencoder, loadMnist, VariationalAutoencoder } from '../src';
import { exportModels, LATENT_FORMAT, type ExportManifest, type LatentFile } from '../src/explorer/export';
import { tempDir } from './helpers';

const root = path.join(__dirname, '..', '..');
const RUNS = { vae: path.join(root, 'run', 'vae', '0002_digits'), ae: path.join(root, 'run', 'ae', '0001_digits') };

/** What the child prints: each model's outputs as nested arrays (or the error message). */
const CHILD = `
const tf = require('@tensorflow/tfjs');
(async () => {
  await tf.setBackend('cpu');
  const { base, inputs } = JSON.parse(require('node:fs').readFileSync(process.argv[1], 'utf8'));
  const encoder = await tf.loadLayersModel(base + '/encoder/model.json');
  const decoder = await tf.loadLayersModel(base + '/decoder/model.json');
  const enc = encoder.predict(tf.tensor4d(inputs.x, [inputs.x.length / 784, 28, 28, 1]));
  const out = {
    encoder: (Array.isArray(enc) ? enc : [enc]).map((t) => t.arraySync()),
    decoder: decoder.predict(tf.tensor2d(inputs.z)).arraySync(),
    layers: [...encoder.layers, ...decoder.layers].map((l) => l.getClassName()),
  };
  console.log(JSON.stringify(out));
})().catch((err) => { console.error(err); process.exit(1); });
`;

/** Serves `dir` on 127.0.0.1 (what a browser or a third-party client would fetch). */
function serve(dir: string): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const file = path.join(dir, decodeURIComponent(new URL(req.url!, 'http://x').pathname));
    if (!file.startsWith(dir)) return void res.writeHead(403).end();
    createReadStream(file).on('error', () => res.writeHead(404).end()).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

function maxAbsDiff(a: unknown, b: unknown): number {
  const fa = (a as number[][]).flat(Infinity) as number[];
  const fb = (b as number[][]).flat(Infinity) as number[];
  assert.equal(fa.length, fb.length, 'same number of values');
  return fa.reduce((m, v, i) => Math.max(m, Math.abs(v - fb[i])), 0);
}

let x: tf.Tensor4D;
const outDirs = { vae: tempDir('vae-export-'), ae: tempDir('vae-export-') };
const written: Record<string, string[]> = {};
before(async () => {
  const { xTest } = await loadMnist({ quiet: true }); // chooses the package's default backend (wasm)...
  x = xTest.slice([0, 0, 0, 0], [6, -1, -1, -1]);
  for (const kind of ['vae', 'ae'] as const) {
    written[kind] = await exportModels(RUNS[kind], outDirs[kind], { n: 200 }); // ...which exports fast
  }
  assert.ok(await tf.setBackend('cpu')); // then the stock cpu kernels, as in the child
  assert.equal(tf.getBackend(), 'cpu');
});

for (const kind of ['vae', 'ae'] as const) {
  test(`${kind}: stock tf.loadLayersModel loads the exported encoder and decoder, outputs equal the package's (≤ 1e-6)`, { timeout: 120_000 }, async () => {
    const out = outDirs[kind];
    assert.deepEqual(written[kind].map((f) => path.relative(out, f)).sort(),
      ['decoder/model.json', 'decoder/weights.bin', 'encoder/model.json', 'encoder/weights.bin', 'latent.json', 'manifest.json']);
    const model = kind === 'vae' ? await VariationalAutoencoder.load(RUNS[kind]) : await Autoencoder.load(RUNS[kind]);
    const z = [[0, 0], [1.5, -0.5], [-2, 2], [0.25, 3], [-3, -1]];
    const { server, base } = await serve(out);
    let child: { encoder: number[][][]; decoder: number[][][][]; layers: string[] };
    try {
      const inputsFile = path.join(out, 'inputs.json');
      writeFileSync(inputsFile, JSON.stringify({ base, inputs: { x: Array.from(x.dataSync()), z } }));
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', CHILD, inputsFile], { cwd: root, maxBuffer: 64 << 20 });
      child = JSON.parse(stdout);
    } finally {
      server.close();
    }
    const ours = kind === 'vae' ? (model as VariationalAutoencoder).encoderMuLogVar.predict(x) : model.encoder.predict(x);
    const oursList = (Array.isArray(ours) ? ours : [ours]).map((t) => t.arraySync());
    assert.equal(child.encoder.length, kind === 'vae' ? 2 : 1, 'encoder outputs: [mu, log_var] for the VAE, z for the AE');
    for (let i = 0; i < oursList.length; i++) {
      const d = maxAbsDiff(child.encoder[i], oursList[i]);
      assert.ok(d <= 1e-6, `encoder output ${i}: max |Δ| = ${d}`);
    }
    const d = maxAbsDiff(child.decoder, (model.decoder.predict(tf.tensor2d(z)) as tf.Tensor).arraySync());
    assert.ok(d <= 1e-6, `decoder: max |Δ| = ${d}`);
    assert.ok(!child.layers.includes('Sampling'), `stock layers only: ${[...new Set(child.layers)].join(', ')}`);
    model.dispose();

    const latent = JSON.parse(readFileSync(path.join(out, 'latent.json'), 'utf8')) as LatentFile;
    assert.equal(latent.format, LATENT_FORMAT);
    assert.equal(latent.points.length, 200);
    assert.equal(latent.labels.length, 200);
    const mu0 = (oursList[0] as number[][])[0];
    assert.ok(Math.abs(latent.points[0][0] - mu0[0]) <= 5e-4 && Math.abs(latent.points[0][1] - mu0[1]) <= 5e-4, `latent.json holds μ rounded to 3 decimals (${latent.points[0]} vs ${mu0})`);
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as ExportManifest;
    assert.equal(manifest.kind, kind);
    assert.equal(manifest.zDim, 2);
    assert.equal(manifest.epoch, kind === 'vae' ? 30 : 20);
    assert.ok(manifest.loss! > 0, 'the loss of the exported epoch');
    assert.equal(manifest.backend.training, 'wasm');
    assert.equal(manifest.backend.export, 'wasm');
  });
}

test('the run\'s own model.json (the whole VAE with its Sampling layer) is what stock tfjs cannot load', { timeout: 60_000 }, async () => {
  // Stock tfjs in Node has no file:// loader: read the files the way a third-party client would.
  const script = `
    const tf = require('@tensorflow/tfjs'); const fs = require('node:fs'); const path = require('node:path');
    const dir = process.argv[1]; const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    const bin = fs.readFileSync(path.join(dir, 'weights.bin'));
    tf.setBackend('cpu').then(() => tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) })))
      .then(() => console.log('loaded'), (err) => console.log(err.message));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, path.join(RUNS.vae, 'weights', 'weights')], { cwd: root });
  assert.match(stdout, /Unknown layer: Sampling/);
});
