/**
 * The trained runs that ship with the project: complete, honest (the log matches the weights:
 * the test-set loss is within a few percent of the last epoch's training loss) and small.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Autoencoder, VariationalAutoencoder, listCheckpoints, loadMnist, parseCsv, readParams } from '../src';
import { RUNS } from '../src/book-figures';
import { testBackend } from './helpers';

const root = path.join(__dirname, '..', '..');
const run = (folder: string) => path.join(root, folder);
const log = (folder: string) => parseCsv(readFileSync(path.join(run(folder), 'training_log.csv'), 'utf8'));

test('the three runs exist with params.json, a full log and their latest weights', async () => {
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
