/**
 * Faults a real training must survive (the CLI in a child process, the book's network):
 * kill -9 mid-epoch, Ctrl-C, a full disk, and memory over several epochs.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { TrainingError, VariationalAutoencoder, findLatestCheckpoint, loadMnist, MNIST_VAE_OPTIONS, type Callback } from '../src';
import { chmodSync, closeSync, cpSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { tempDir, testBackend, tinyImages, TINY_OPTIONS } from './helpers';

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

const isRoot = process.getuid?.() === 0;

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
  assert.match(resumed.stderr, /Aviso: trava antiga removida: .*training\.lock era do processo \d+, que não existe mais/, 'the killed run\'s lock is reported');
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
  // 4 MiB: one checkpoint (weights 0.8 MB + Adam state 1.7 MB) fits, a second copy does not.
  const mountPoint = smallMount(t, '4m');
  if (!mountPoint) return;
  const dir = path.join(mountPoint, 'run');
  const r = spawnSync(process.execPath, [cli, '--epochs', '3', '--run-folder', dir, '--keep-checkpoints', 'latest', ...baseArgs], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^Erro: Checkpoint da época 2 não gravado\. Disco cheio ao gravar .*weights \(ENOSPC\): libere espaço.* O último checkpoint válido continua em .*\(época 1\)\.$/m);
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


/** A small tmpfs (root), unmounted when the test ends; outside CI a non-root run skips, in CI it fails. */
function smallMount(t: { after: (fn: () => void) => void; skip: (m: string) => void }, size: string): string | null {
  if (!isRoot) {
    if (process.env.CI) assert.fail('precisa de root (o CI roda como root) para montar um tmpfs');
    t.skip('precisa de root para montar um tmpfs (mount -t tmpfs)');
    return null;
  }
  // Not tempDir(): its clean-up would run before the unmount.
  const mountPoint = mkdtempSync(path.join(tmpdir(), 'vae-mount-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mountPoint]);
  t.after(() => {
    spawnSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });
  return mountPoint;
}

test('a read-only disk: --resume and a new run folder say so in one Portuguese sentence (EROFS, not a misleading ENOENT)', async (t) => {
  const source = path.join(tempDir(), 'run');
  const made = spawnSync(process.execPath, [cli, '--epochs', '1', '--run-folder', source, '--quiet', ...baseArgs], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  let folder: string;
  let expected: RegExp;
  if (isRoot) {
    const mountPoint = smallMount(t, '8m')!;
    cpSync(source, path.join(mountPoint, 'run'), { recursive: true });
    execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
    folder = mountPoint;
    expected = /está num disco somente leitura \(EROFS\): use uma pasta gravável/;
  } else {
    // Without root: a folder without write permission is the same situation.
    folder = path.dirname(source);
    chmodSync(source, 0o555);
    chmodSync(folder, 0o555);
    t.after(() => (chmodSync(folder, 0o755), chmodSync(source, 0o755)));
    expected = /Sem permissão para .* \(EACCES\)/;
  }
  const resumed = spawnSync(process.execPath, [cli, '--epochs', '2', '--run-folder', path.join(folder, 'run'), '--resume', '--quiet', ...baseArgs], { encoding: 'utf8' });
  assert.equal(resumed.status, 1, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`^Erro: .*training\\.lock ${expected.source}`, 'm'));
  assert.doesNotMatch(resumed.stderr, /Erro inesperado|\n\s+at /);
  const fresh = spawnSync(process.execPath, [cli, '--epochs', '1', '--run-folder', path.join(folder, 'novo', 'run'), '--quiet', ...baseArgs], { encoding: 'utf8' });
  assert.equal(fresh.status, 1, fresh.stderr);
  assert.match(fresh.stderr, new RegExp(`^Erro: .*novo ${expected.source}`, 'm'));
  assert.doesNotMatch(fresh.stderr, /ENOENT|Erro inesperado/);
});

test('disk full while writing a sample image: one sentence naming the image and the intact checkpoint', async (t) => {
  const mountPoint = smallMount(t, '1m');
  if (!mountPoint) return;
  await testBackend();
  const dir = path.join(mountPoint, 'run');
  // After epoch 1 is saved, fill the disk: the first image of epoch 2 cannot be written.
  const fill: Callback = {
    onEpochEnd: () => {
      const fd = openSync(path.join(mountPoint, 'enchimento'), 'w');
      try {
        for (;;) writeSync(fd, Buffer.alloc(4096));
      } catch (err) {
        assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
      } finally {
        closeSync(fd);
      }
    },
  };
  const vae = new VariationalAutoencoder(TINY_OPTIONS);
  vae.compile(0.005, 100);
  const x = tinyImages(16);
  await assert.rejects(
    vae.train({ x, batchSize: 8, epochs: 3, runFolder: dir, progress: 'silent', printEveryNBatches: 1, workers: 1, keepCheckpoints: 'latest', callbacks: [fill] }),
    (e: Error) => e instanceof TrainingError && /^Disco cheio ao gravar .*images\/img_002_0\.jpg \(ENOSPC\): libere espaço .* O último checkpoint válido continua em .*weights \(época 1\)\.$/.test(e.message),
  );
  x.dispose();
  vae.dispose();
  assert.equal((await findLatestCheckpoint(path.join(dir, 'weights')))?.info.epoch, 1);
});
