/**
 * The trained runs that ship with the project: complete, honest (the log matches the weights:
 * the test-set loss is within a few percent of the last epoch's training loss) and small.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Autoencoder, VariationalAutoencoder, listCheckpoints, loadMnist, parseCsv, readParams, reconstructionError, vaeQuality } from '../src';
import { RUNS } from '../src/book-figures';
import { testBackend } from './helpers';

const root = path.join(__dirname, '..', '..');
const run = (folder: string) => path.join(root, folder);
const log = (folder: string) => parseCsv(readFileSync(path.join(run(folder), 'training_log.csv'), 'utf8'));

test('the shipped runs exist with params.json, a full log and their latest weights', async () => {
  for (const [name, folder] of Object.entries(RUNS)) {
    const params = await readParams(run(folder));
    const rows = log(folder);
    assert.ok(rows.length >= 20, `${name}: at least 20 epochs logged (${rows.length})`);
    assert.deepEqual(rows.map((r) => r.epoch), rows.map((_, i) => i + 1), `${name}: one row per epoch`);
    const latest = (await listCheckpoints(path.join(run(folder), 'weights')))[0];
    assert.equal(latest.info.epoch, rows.length, `${name}: latest checkpoint = last logged epoch`);
    assert.match(params.manifest.command, /--seed 1\b/, `${name}: trained with seed 1`);
  }
  assert.equal((await readParams(run(RUNS.noKl))).compile?.klWeight, 0, 'the comparison run has no KL term');
  assert.equal((await readParams(run(RUNS.smallR))).compile?.rLossFactor, 100, 'the small end of the trade-off has r_loss_factor 100');
});

test('the shipped weights reproduce the logged loss on the test set (within 5%)', async () => {
  await testBackend();
  const { xTest } = await loadMnist({ quiet: true });
  for (const [name, folder] of Object.entries(RUNS)) {
    const model = name === 'ae' ? await Autoencoder.load(run(folder)) : await VariationalAutoencoder.load(run(folder));
    const test = model.evaluate(xTest, { seed: 1 });
    const last = log(folder).at(-1)!;
    const rel = Math.abs(test.loss - Number(last.loss)) / Number(last.loss);
    console.log(`${name}: loss de treino (última época) ${Number(last.loss).toFixed(4)}, de teste ${test.loss.toFixed(4)} (${(100 * rel).toFixed(1)}%)`);
    assert.ok(rel < 0.05, `${name}: test loss ${test.loss} vs last epoch ${last.loss}`);
    model.dispose();
  }
});

test('what git ships of the runs stays under 10 MB', () => {
  const files = execFileSync('git', ['ls-files', 'run'], { cwd: root, encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  const bytes = files.reduce((a, f) => a + statSync(path.join(root, f)).size, 0);
  console.log(`run/ no git: ${files.length} arquivos, ${(bytes / 2 ** 20).toFixed(1)} MiB`);
  assert.ok(files.length > 0 && bytes < 10 * 2 ** 20, `${(bytes / 2 ** 20).toFixed(1)} MiB`);
});

test('the trade-off runs of notebook 03, at the same epoch, are in the order the notebook reads them', async () => {
  await testBackend();
  const { xTest, yTest } = await loadMnist({ quiet: true });
  const n = 500;
  const x = xTest.slice([0, 0, 0, 0], [n, -1, -1, -1]);
  const labels = Array.from(yTest.slice(0, n).dataSync());
  const zPrior = tf.randomNormal([n, 2], 0, 1, 'float32', 1) as tf.Tensor2D;
  const epoch = (await listCheckpoints(path.join(run(RUNS.noKl), 'weights')))[0].info.epoch;
  // r_loss_factor 100, 1000 (the book) and no KL (r_loss_factor → ∞)
  const models = [
    await VariationalAutoencoder.load(run(RUNS.smallR), { epoch }),
    await VariationalAutoencoder.load(run(RUNS.vae), { epoch }),
    await VariationalAutoencoder.load(run(RUNS.noKl), { epoch }),
  ];
  const q = [];
  for (const m of models) q.push(await vaeQuality(m, x, labels, zPrior, { grid: { bins: 20, box: [-3, 3, -3, 3] } }));
  console.log(q.map((v) => JSON.stringify(v)).join('\n'));
  for (const k of [0, 1]) {
    assert.ok(q[k].vaeKlLoss < q[k + 1].vaeKlLoss, `KL grows with r_loss_factor (${k})`);
    assert.ok(q[k].meanSigma > q[k + 1].meanSigma, `σ shrinks with r_loss_factor (${k})`);
    assert.ok(q[k].rLoss > q[k + 1].rLoss, `r_loss falls with r_loss_factor (${k})`);
  }
  assert.ok(q[0].reconKeepsLabel < q[1].reconKeepsLabel && q[1].reconKeepsLabel > 0.5, 'the book keeps most digits; r_loss_factor 100 loses most');
  assert.ok(q[1].generatedTv < q[2].generatedTv, 'without KL, the digits drawn from N(0, I) are further from the data');
  // vaeQuality's r_loss is GDL's r_loss of the reconstructions decoded from μ
  const mu = (models[1].encoderMuLogVar.predict(x) as tf.Tensor2D[])[0];
  const direct = reconstructionError(x, models[1].decoder.predict(mu) as tf.Tensor4D).mean().dataSync()[0];
  assert.ok(Math.abs(direct - q[1].rLoss) < 1e-6, `${direct} vs ${q[1].rLoss}`);
  models.forEach((m) => m.dispose());
});

test('a new training folder stays out of git; the shipped runs are tracked', () => {
  const ignored = (p: string) => spawnSync('git', ['check-ignore', '-q', p], { cwd: root }).status === 0;
  for (const p of ['run/vae/0004_digits/params.json', 'run/vae/0004_digits/weights/weights/weights.bin', 'run/ae/0002_digits/training_log.csv', 'run/tradeoff/0002_digits_r10/params.json']) {
    assert.ok(ignored(p), `${p} is ignored (npm run train never dirties the checkout)`);
  }
  for (const folder of Object.values(RUNS)) {
    for (const f of ['params.json', 'training_log.csv', 'weights/weights/model.json']) assert.ok(!ignored(path.join(folder, f)), `${folder}/${f} is tracked`);
  }
});
