/**
 * Faults a real training must survive (the CLI in a child process, the book's network):
 * kill -9 mid-epoch, Ctrl-C, a full disk, and memory over several epochs.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { VariationalAutoencoder, findLatestCheckpoint, loadMnist, MNIST_VAE_OPTIONS, type Callback } from '../src';
import { tempDir, testBackend } from './helpers';

const cli = path.join(__dirname, '..', 'src', 'cli', 'train.js');
const baseArgs = ['--limit', '1024', '--seed', '1', '--print-every', '0', '--workers', '1'];

/** Starts the CLI; resolves when `pattern` appears on stderr (the progress lines). */
function startTraining(args: string[]): { child: ChildProcess; seen: (pattern: RegExp) => Promise<void>; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => {
    stderr += d;
    const pending = waiters.splice(0);
    for (const w of pending) {
      if (w.pattern.test(stderr)) w.resolve();
      else waiters.push(w);
    }
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  const seen = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      if (pattern.test(stderr)) return resolve();
      waiters.push({ pattern, resolve });
      done.then(() => reject(new Error(`o treino terminou antes de ${pattern}:\n${stderr}`)));
    });
  return { child, seen, done };
}

const csvEpochs = (dir: string) => readFileSync(path.join(dir, 'training_log.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[0]));

test('kill -9 mid-epoch: the previous checkpoint loads and --resume ends with every epoch logged once', async () => {
  await testBackend();
  const dir = path.join(tempDir(), 'run');
  const run = startTraining(['--epochs', '3', '--run-folder', dir, ...baseArgs]);
  await run.seen(/Época 2\/3 .*\(\d0%\)/); // epoch 1 is saved, epoch 2 under way
  run.child.kill('SIGKILL');
  const killed = await run.done;
  assert.equal(killed.code, null, 'killed by a signal');
  const latest = await findLatestCheckpoint(path.join(dir, 'weights'));
  assert.equal(latest?.info.epoch, 1);
  const vae = await VariationalAutoencoder.load(dir);
  vae.dispose();
  assert.deepEqual(csvEpochs(dir), [1]);

  const resumed = spawnSync(process.execPath, [cli, '--epochs', '3', '--run-folder', dir, '--resume', ...baseArgs], { encoding: 'utf8' });
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /Retomando de .*época 1 concluída/);
  assert.deepEqual(csvEpochs(dir), [1, 2, 3], 'no duplicated or missing rows');
  assert.deepEqual(
    readdirSync(path.join(dir, 'weights')).filter((d) => d.startsWith('.')),
    [],
    'no temporary folders left behind',
  );
});

test('Ctrl-C (SIGINT) stops between batches with exit code 130 and a valid last checkpoint', async () => {
  await testBackend();
  const dir = path.join(tempDir(), 'run');
  const run = startTraining(['--epochs', '3', '--run-folder', dir, ...baseArgs]);
  await run.seen(/Época 2\/3 .*\(\d0%\)/);
  run.child.kill('SIGINT');
  const { code, stderr } = await run.done;
  assert.equal(code, 130, stderr);
  assert.match(stderr, /Interrompido\. O último checkpoint completo está em .*--resume/);
  assert.equal((await findLatestCheckpoint(path.join(dir, 'weights')))?.info.epoch, 1);
  assert.deepEqual(csvEpochs(dir), [1]);
});

test('a full disk while saving fails cleanly and keeps the last checkpoint readable', async (t) => {
  await testBackend();
  if (process.getuid?.() !== 0) {
    t.skip('precisa de root para montar um tmpfs pequeno (mount -t tmpfs)');
    return;
  }
  const mountPoint = path.join(tempDir(), 'pequeno');
  mkdirSync(mountPoint);
  // 4 MiB: one checkpoint (weights 0.8 MB + Adam state 1.7 MB) fits, a second copy does not.
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint]);
  t.after(() => spawnSync('umount', [mountPoint]));
  const dir = path.join(mountPoint, 'run');
  const r = spawnSync(process.execPath, [cli, '--epochs', '3', '--run-folder', dir, '--keep-checkpoints', 'latest', ...baseArgs], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /Não foi possível salvar o checkpoint em .* \(disco cheio\).* O último checkpoint válido continua em .*\(época 1\)/);
  assert.equal((await findLatestCheckpoint(path.join(dir, 'weights')))?.info.epoch, 1);
  const vae = await VariationalAutoencoder.load(dir);
  vae.dispose();
  assert.deepEqual(readdirSync(path.join(dir, 'weights')), ['weights'], 'the failed write left nothing behind');
});

test('memory: 3 epochs on 10,000 images keep the tensor count flat and the RSS bounded', async () => {
  await testBackend();
  const { xTrain } = await loadMnist({ limit: { train: 10000, test: 1 }, quiet: true });
  const vae = new VariationalAutoencoder({ ...MNIST_VAE_OPTIONS, seed: 1 });
  vae.compile(0.0005, 1000);
  const samples: { tensors: number; rss: number }[] = [];
  const probe: Callback = { onEpochEnd: () => void samples.push({ tensors: tf.memory().numTensors, rss: process.memoryUsage().rss }) };
  await vae.train({ x: xTrain, batchSize: 32, epochs: 3, seed: 1, progress: 'silent', callbacks: [probe] });
  const mb = samples.map((s) => Math.round(s.rss / 2 ** 20));
  console.log(`numTensors por época: ${samples.map((s) => s.tensors).join(', ')}; RSS (MiB): ${mb.join(', ')}`);
  assert.equal(samples[2].tensors, samples[0].tensors, 'no tensor leaked across epochs');
  assert.ok(mb[2] - mb[0] < 150, `RSS grew by ${mb[2] - mb[0]} MiB between epochs 1 and 3`);
  vae.dispose();
  xTrain.dispose();
  assert.ok(existsSync(cli));
});
