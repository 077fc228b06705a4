/**
 * File helpers that never leave a half-written file at its final name: write to a temporary
 * name in the same folder, fsync, then rename (atomic on POSIX file systems).
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';

/** A temporary sibling name for `target` (same folder, so rename is atomic). */
export function temporarySibling(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Writes `data` to `file` atomically, creating parent folders. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = temporarySibling(file);
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes `data` to `file` atomically unless `file` already exists (then returns false and
 * leaves it alone). Used for downloads: a good file in the cache is never replaced.
 */
export async function writeFileExclusive(file: string, data: Uint8Array): Promise<boolean> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = temporarySibling(file);
  try {
    const handle = await fs.open(tmp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.link(tmp, file); // fails with EEXIST instead of overwriting
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
      // File systems without hard links: rename, after checking the name is free.
      if (await fs.stat(file).then(() => true, () => false)) return false;
      await fs.rename(tmp, file);
    }
    return true;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/**
 * Replaces the folder `target` with the content written by `fill(tmpDir)`, atomically:
 * the new folder is complete before it takes the name; the old one is removed after.
 */
export async function replaceDirAtomic(target: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = temporarySibling(target);
  const old = temporarySibling(target);
  try {
    await fs.mkdir(tmp);
    await fill(tmp);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  let hadOld = false;
  try {
    await fs.rename(target, old);
    hadOld = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    await fs.rename(tmp, target);
  } catch (err) {
    if (hadOld) await fs.rename(old, target); // put the previous version back
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  if (hadOld) await fs.rm(old, { recursive: true, force: true });
}

/** fsyncs a folder's entry list (so renames inside it survive a power loss). Best effort. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems refuse fsync on folders; nothing more we can do.
  }
}

/** Removes leftovers of interrupted atomic writes (`.name.tmp-*`) in `dir`. */
export async function removeStaleTemporaries(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch {
    return [];
  }
  const stale = entries.filter((e) => /^\..+\.tmp-\d+-[0-9a-f]{8}$/.test(e));
  await Promise.all(stale.map((e) => fs.rm(path.join(dir, e), { recursive: true, force: true })));
  return stale;
}

/**
 * Reads a regular file of at most `maxBytes` (a JSON or a log of a run folder), never more: a
 * symlink to /dev/zero, a FIFO or a giant file is refused before reading. Returns null when the
 * file does not exist; other problems are a DataError naming the file.
 */
export async function readFileBounded(file: string, maxBytes: number): Promise<Buffer | null> {
  let handle: fs.FileHandle;
  try {
    // O_NONBLOCK: a FIFO put in place of the file cannot block the open (it is refused just below).
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new DataError(`Não consegui ler ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`, file, { cause: err });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new DataError(`${file} não é um arquivo comum (é um dispositivo, uma pasta ou um pipe): não vou lê-lo.`, file);
    if (stat.size > maxBytes) throw new DataError(`${file} tem ${stat.size} bytes, mais que o máximo esperado (${maxBytes}): não é um arquivo desta execução.`, file);
    // Read at most maxBytes + 1 even if the file grows meanwhile.
    const buffer = Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw new DataError(`${file} cresceu durante a leitura além de ${maxBytes} bytes: não vou lê-lo.`, file);
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/** Reads and parses a JSON file of at most `maxBytes`; null when absent; a DataError when unreadable or invalid. */
export async function readJsonBounded<T>(file: string, maxBytes = 1 << 20): Promise<T | null> {
  const bytes = await readFileBounded(file, maxBytes);
  if (bytes === null) return null;
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (err) {
    throw new DataError(`${file} está corrompido (JSON inválido: ${(err as Error).message}).`, file, { cause: err });
  }
}
