/**
 * One training per run folder at a time: `training.lock` holds the owner's pid, host and command.
 * It is created with O_EXCL (exactly one of two processes starting together gets it); a lock whose
 * process no longer exists (a `kill -9`, a power cut) is stale: it is reported and taken over.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { RunFolderBusyError } from '../errors';
import { toStorageError } from './fs-errors';

export const LOCK_FILE = 'training.lock';

/** What training.lock says. */
export interface LockInfo {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
  /** Random id of this acquisition (so a process only ever removes its own lock). */
  token: string;
}

/** A held lock. */
export interface RunLock {
  file: string;
  info: LockInfo;
  /** Removes the lock if it is still this process's. */
  release(): Promise<void>;
}

/** Locks held by this process (two trainings of one notebook into one folder are refused too). */
const held = new Set<string>();

/** True when process `pid` exists on this machine (EPERM: it exists, under another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(file: string): Promise<{ info: LockInfo | null; mtimeMs: number } | null> {
  try {
    const [text, stat] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
    let info: LockInfo | null = null;
    try {
      const parsed = JSON.parse(text) as LockInfo;
      if (Number.isInteger(parsed?.pid) && typeof parsed.token === 'string') info = parsed;
    } catch {
      // being written, or garbage
    }
    return { info, mtimeMs: stat.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Why the lock `info` is stale, or null when its owner may still be running. */
function staleReason(file: string, info: LockInfo | null, mtimeMs: number): string | null {
  if (info === null) return Date.now() - mtimeMs > 5000 ? `${file} estava ilegível` : null;
  if (info.host !== hostname()) return null; // another machine (a shared disk): we cannot tell
  if (info.pid === process.pid) return held.has(path.resolve(file)) ? null : `${file} era de um treino anterior deste mesmo processo`;
  return processAlive(info.pid) ? null : `${file} era do processo ${info.pid}, que não existe mais (interrompido com kill -9 ou uma queda de energia?)`;
}

function busyMessage(folder: string, file: string, info: LockInfo | null): string {
  const who = info
    ? `o processo ${info.pid}${info.host !== hostname() ? ` na máquina ${info.host}` : ''}, desde ${info.startedAt}: ${info.command}`
    : 'um processo que ainda está gravando a trava';
  return (
    `${folder} já está sendo usada por outro treino (${who}). Espere ele terminar ou use outra pasta; ` +
    `se tem certeza de que esse treino não está mais rodando, apague ${file}.`
  );
}

/**
 * Takes the lock of `folder` (which must exist) or throws a RunFolderBusyError naming the owner.
 * `warn` receives the note when a stale lock is taken over.
 */
export async function lockRunFolder(folder: string, warn: (message: string) => void = console.warn): Promise<RunLock> {
  const file = path.join(folder, LOCK_FILE);
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    command: process.argv.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' '),
    startedAt: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const handle = await fs.open(file, 'wx');
      try {
        await handle.writeFile(JSON.stringify(info, null, 1) + '\n');
        await handle.sync();
      } finally {
        await handle.close();
      }
      held.add(path.resolve(file));
      return { file, info, release: () => releaseLock(file, info.token) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw toStorageError(err, file, 'travar');
    }
    const current = await readLock(file);
    if (current === null) continue; // released meanwhile: try again
    const reason = staleReason(file, current.info, current.mtimeMs);
    if (reason === null) {
      if (current.info === null && attempt < 40) {
        await new Promise((resolve) => setTimeout(resolve, 25)); // the owner is still writing it
        continue;
      }
      throw new RunFolderBusyError(busyMessage(folder, file, current.info));
    }
    // Take it over: move the stale lock away (only one process can), check it is the one judged stale.
    const moved = `${path.join(folder, '.' + LOCK_FILE)}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await fs.rename(file, moved);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // someone else took it over
      throw toStorageError(err, file, 'travar');
    }
    const seen = await readLock(moved);
    if (current.info && seen?.info?.token !== current.info.token) {
      await fs.link(moved, file).catch(() => undefined); // a live lock moved by mistake: put it back
      await fs.rm(moved, { force: true });
      continue;
    }
    await fs.rm(moved, { force: true });
    warn(`Aviso: trava antiga removida: ${reason}.`);
  }
  throw new RunFolderBusyError(busyMessage(folder, file, null));
}

async function releaseLock(file: string, token: string): Promise<void> {
  held.delete(path.resolve(file));
  const current = await readLock(file).catch(() => null);
  if (current?.info?.token === token) await fs.rm(file, { force: true });
}
