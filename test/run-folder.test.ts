/**
 * Issue 12, data loss first: a run folder is never written into the current folder, never counted
 * as empty when it holds a training, and a fresh start never leaves old and new files mixed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { ConfigError, StorageError, VariationalAutoencoder, clearRunFolder, inspectRunFolder } from '../src';
import { tempDir, testBackend, tinyImages, TINY_OPTIONS } from './helpers';

const cli = path.join(__dirname, '..', 'src', 'cli', 'train.js');

function tinyVae(): VariationalAutoencoder {
  const vae = new VariationalAutoencoder(TINY_OPTIONS);
  vae.compile(0.005, 100);
  return vae;
}

/** A tiny run of `epochs` epochs in `dir` (2 batches of 8 per epoch). */
async function tinyRun(dir: string, epochs: number, extra: object = {}): Promise<void> {
  const vae = tinyVae();
  await vae.train({ x: tinyImages(16), batchSize: 8, epochs, runFolder: dir, seed: 3, progress: 'silent', printEveryNBatches: 1, workers: 1, ...extra });
  vae.dispose();
}

/** Every file under `dir` with its bytes (to prove a refused command changed nothing). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out[path.relative(dir, path.join(e.parentPath, e.name))] = readFileSync(path.join(e.parentPath, e.name)).toString('base64');
  }
  return out;
}

test('--run-folder "" (an unset variable) exits 2 and writes nothing into the current folder', () => {
  const cwd = tempDir('vae-empty-folder-');
  const r = spawnSync(process.execPath, [cli, '--limit', '64', '--epochs', '1', '--run-folder', ''], { cwd, encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^Erro: --run-folder recebeu um texto vazio/m);
  assert.deepEqual(readdirSync(cwd), []);
});

test('the library refuses runFolder "" (an unset variable) instead of training and saving nothing', async () => {
  await testBackend();
  const vae = tinyVae();
  await assert.rejects(vae.train({ x: tinyImages(8), batchSize: 4, epochs: 1, runFolder: '', progress: 'silent' }),
    (e: Error) => e instanceof ConfigError && /runFolder recebeu um texto vazio/.test(e.message));
  await assert.rejects(vae.train({ x: tinyImages(8), batchSize: 4, epochs: 1, runFolder: '  ', progress: 'silent' }), ConfigError);
  vae.dispose();
});

test('inspectRunFolder: weights without checkpoint.json, unreadable checkpoint.json, a CSV or params.json alone all make a folder "not empty"', async () => {
  const root = tempDir();
  const make = (name: string, files: Record<string, string>) => {
    const dir = path.join(root, name);
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      writeFileSync(path.join(dir, f), text);
    }
    return dir;
  };
  assert.deepEqual(await inspectRunFolder(path.join(root, 'missing')), { exists: false, found: [] });
  assert.deepEqual((await inspectRunFolder(make('notes', { 'LEIA-ME.txt': 'minhas notas' }))).found, [], 'files of no training are ignored');
  const mkdirOnly = make('layout', {});
  for (const sub of ['viz', 'images', 'weights']) mkdirSync(path.join(mkdirOnly, sub), { recursive: true });
  assert.deepEqual((await inspectRunFolder(mkdirOnly)).found, [], 'empty subfolders are not a training');
  assert.deepEqual((await inspectRunFolder(make('copied', { 'weights/weights/model.json': '{}', 'weights/weights/weights.bin': 'x' }))).found, ['weights/weights']);
  assert.deepEqual((await inspectRunFolder(make('garbled', { 'weights/weights-001-9.00/checkpoint.json': '{ não é json' }))).found, ['weights/weights-001-9.00']);
  assert.deepEqual((await inspectRunFolder(make('csv', { 'training_log.csv': 'epoch,loss\n1,2\n' }))).found, ['training_log.csv']);
  assert.deepEqual((await inspectRunFolder(make('params', { 'params.json': '{}' }))).found, ['params.json']);
  writeFileSync(path.join(root, 'a-file'), 'x');
  await assert.rejects(inspectRunFolder(path.join(root, 'a-file')), (e: Error) => e instanceof StorageError && /a-file é um arquivo, não uma pasta/.test(e.message));
  await assert.rejects(inspectRunFolder(path.join(root, 'a-file', 'run')), (e: Error) => e instanceof StorageError && /a-file é um arquivo, não uma pasta/.test(e.message));
});

test("a fresh start with ifExists 'refuse' on hand-copied weights (no checkpoint.json) is refused and changes nothing", async () => {
  await testBackend();
  const dir = path.join(tempDir(), 'run');
  await tinyRun(dir, 2);
  for (const e of readdirSync(path.join(dir, 'weights'))) writeFileSync(path.join(dir, 'weights', e, 'checkpoint.json'), 'ilegível');
  const before = snapshot(dir);
  const vae = tinyVae();
  await assert.rejects(
    vae.train({ x: tinyImages(16), batchSize: 8, epochs: 1, runFolder: dir, progress: 'silent', ifExists: 'refuse' }),
    (e: Error) => e instanceof ConfigError && /já contém um treino \(params\.json, training_log\.csv, .*--overwrite/.test(e.message),
  );
  vae.dispose();
  assert.deepEqual(snapshot(dir), before);
});

test("the library refuses to start over a trained folder by default, but goes on where only save() wrote", async () => {
  await testBackend();
  const dir = path.join(tempDir(), 'run');
  await tinyRun(dir, 1);
  const before = snapshot(dir);
  await assert.rejects(tinyRun(dir, 1, { seed: 4 }), (e: Error) => e instanceof ConfigError && /já contém um treino .*ifExists: 'replace'/.test(e.message));
  assert.deepEqual(snapshot(dir), before, 'nothing changed');
  const saved = path.join(tempDir(), 'saved');
  const vae = tinyVae();
  await vae.save(saved); // the book: vae.save(RUN_FOLDER), then vae.train(...)
  await vae.train({ x: tinyImages(16), batchSize: 8, epochs: 1, runFolder: saved, seed: 3, progress: 'silent', workers: 1 });
  vae.dispose();
  assert.ok(readdirSync(path.join(saved, 'weights')).includes('weights'));
});

test("a fresh start that replaces a run (ifExists 'replace', the CLI's --overwrite) leaves no file of the old run", async () => {
  await testBackend();
  const dir = path.join(tempDir(), 'run');
  await tinyRun(dir, 3);
  writeFileSync(path.join(dir, 'LEIA-ME.txt'), 'minhas notas');
  await tinyRun(dir, 1, { seed: 4, ifExists: 'replace' });
  assert.deepEqual(readdirSync(path.join(dir, 'weights')).map((e) => e.replace(/-[\d.]+$/, '')).sort(), ['weights', 'weights-001']);
  assert.deepEqual(readdirSync(path.join(dir, 'images')).sort(), ['img_001_0.jpg', 'img_001_1.jpg']);
  const rows = readFileSync(path.join(dir, 'training_log.csv'), 'utf8').trim().split('\n').slice(1);
  assert.deepEqual(rows.map((r) => r.split(',')[0]), ['1']);
  const params = JSON.parse(readFileSync(path.join(dir, 'params.json'), 'utf8'));
  assert.equal(params.training.seed, 4);
  assert.equal(JSON.parse(readFileSync(path.join(dir, 'weights', 'weights', 'checkpoint.json'), 'utf8')).seed, 4);
  assert.equal(readFileSync(path.join(dir, 'LEIA-ME.txt'), 'utf8'), 'minhas notas', 'what is not a training is never touched');
});

test('clearRunFolder removes only what a training writes: anything else inside images/ or weights/ stops it first', async () => {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'images'), { recursive: true });
  mkdirSync(path.join(dir, 'weights', 'weights'), { recursive: true });
  writeFileSync(path.join(dir, 'images', 'img_001_0.jpg'), 'x');
  writeFileSync(path.join(dir, 'images', 'ferias.jpg'), 'a photo');
  writeFileSync(path.join(dir, 'params.json'), '{}');
  await assert.rejects(clearRunFolder(dir), (e: Error) => e instanceof ConfigError && /não são de um treino \(images\/ferias\.jpg\)/.test(e.message));
  assert.deepEqual(readdirSync(path.join(dir, 'images')).sort(), ['ferias.jpg', 'img_001_0.jpg'], 'nothing deleted');
  assert.ok(readdirSync(dir).includes('params.json'));
});

test('the CLI refuses to start over a hand-copied run (exit 1, weights untouched) and --overwrite starts clean', () => {
  const dir = path.join(tempDir(), 'run');
  const copied = path.join(dir, 'weights', 'weights');
  mkdirSync(copied, { recursive: true });
  writeFileSync(path.join(copied, 'model.json'), '{"weightsManifest": []}');
  writeFileSync(path.join(copied, 'weights.bin'), 'pesos copiados à mão');
  const args = ['--limit', '64', '--epochs', '1', '--print-every', '0', '--quiet', '--workers', '1', '--seed', '1', '--run-folder', dir];
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /já contém um treino \(weights\/weights\)/);
  assert.equal(readFileSync(path.join(copied, 'weights.bin'), 'utf8'), 'pesos copiados à mão');
  const over = spawnSync(process.execPath, [cli, ...args, '--overwrite'], { encoding: 'utf8' });
  assert.equal(over.status, 0, over.stderr);
  assert.deepEqual(readdirSync(path.join(dir, 'weights')).map((e) => e.replace(/-[\d.]+$/, '')).sort(), ['weights', 'weights-001']);
  assert.notEqual(readFileSync(path.join(copied, 'weights.bin')).length, 'pesos copiados à mão'.length);
});
