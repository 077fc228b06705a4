/**
 * Issue 12, item 3: one training per run folder. Two trainings started together: one trains, the
 * other stops with a clear error; a lock left by a killed process is reported and taken over.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { RunFolderBusyError, findLatestCheckpoint } from '../src';
import { LOCK_FILE, lockRunFolder, processAlive } from '../src/io/run-lock';
import { tempDir } from './helpers';

const cli = path.join(__dirname, '..', 'src', 'cli', 'train.js');

/** The pid of a process that has just exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(child.stdout);
  assert.ok(!processAlive(pid));
  return pid;
}

test('lockRunFolder: a second holder is refused with the owner named; release frees the folder', async () => {
  const dir = tempDir();
  const lock = await lockRunFolder(dir);
  const info = JSON.parse(readFileSync(path.join(dir, LOCK_FILE), 'utf8'));
  assert.equal(info.pid, process.pid);
  await assert.rejects(lockRunFolder(dir), (e: Error) => e instanceof RunFolderBusyError && new RegExp(`já está sendo usada por outro treino \\(o processo ${process.pid}, desde .*apague .*${LOCK_FILE}`).test(e.message));
  await lock.release();
  assert.ok(!existsSync(path.join(dir, LOCK_FILE)));
  const again = await lockRunFolder(dir);
  await again.release();
});

test('a stale lock (its process is gone, or it is unreadable and old) is reported and taken over; a fresh unreadable one is not', async () => {
  const dir = tempDir();
  const file = path.join(dir, LOCK_FILE);
  writeFileSync(file, JSON.stringify({ pid: deadPid(), host: require('node:os').hostname(), command: 'node train.js', startedAt: 'ontem', token: 'abc' }));
  const warnings: string[] = [];
  const lock = await lockRunFolder(dir, (w) => warnings.push(w));
  assert.match(warnings.join('\n'), /trava antiga removida: .*era do processo \d+, que não existe mais/);
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).pid, process.pid);
  // Releasing removes only our own lock: a lock rewritten by someone else stays.
  writeFileSync(file, JSON.stringify({ pid: 1, host: 'outra', command: 'x', startedAt: 'agora', token: 'other' }));
  await lock.release();
  assert.ok(existsSync(file));
  await assert.rejects(lockRunFolder(dir), /na máquina outra/);

  writeFileSync(file, 'lixo');
  await assert.rejects(lockRunFolder(dir), RunFolderBusyError, 'a lock being written is respected');
  const old = (Date.now() - 60_000) / 1000;
  utimesSync(file, old, old);
  const taken = await lockRunFolder(dir, (w) => warnings.push(w));
  assert.match(warnings[warnings.length - 1], /estava ilegível/);
  await taken.release();
});

test('two CLI trainings started together into one folder: one trains, the other exits 1 with a clear message; the folder is one run', async () => {
  const dir = path.join(tempDir(), 'run');
  const args = [cli, '--limit', '128', '--epochs', '1', '--print-every', '0', '--quiet', '--workers', '1', '--run-folder', dir];
  const start = (seed: string) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [...args, '--seed', seed], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
  const results = await Promise.all([start('1'), start('2')]);
  const codes = results.map((r) => r.code).sort();
  assert.deepEqual(codes, [0, 1], results.map((r) => r.stderr).join('\n---\n'));
  const loser = results.find((r) => r.code === 1)!;
  assert.match(loser.stderr, /^Erro: .*(já está sendo usada por outro treino|já contém um treino)/m);
  assert.doesNotMatch(loser.stderr, /Erro inesperado/);
  const params = JSON.parse(readFileSync(path.join(dir, 'params.json'), 'utf8'));
  const latest = await findLatestCheckpoint(path.join(dir, 'weights'));
  assert.equal(latest?.info.epoch, 1);
  assert.equal(latest?.info.seed, params.training.seed, 'params.json and the checkpoint are of the same run');
  assert.deepEqual(readFileSync(path.join(dir, 'training_log.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]), ['1']);
  assert.ok(!existsSync(path.join(dir, LOCK_FILE)), 'the winner released its lock');
});

test('the CLI into a folder another process holds: exit 1 naming the owner, nothing written', async () => {
  const dir = tempDir();
  const lock = await lockRunFolder(dir);
  const r = spawnSync(process.execPath, [cli, '--limit', '64', '--epochs', '1', '--print-every', '0', '--quiet', '--workers', '1', '--run-folder', dir], { encoding: 'utf8' });
  await lock.release();
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`^Erro: .* já está sendo usada por outro treino \\(o processo ${process.pid}`, 'm'));
  assert.deepEqual(require('node:fs').readdirSync(dir), []);
});
