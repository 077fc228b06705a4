/**
 * The run folder of GDL's layout, in one place: `run/<section>/<RUN_ID>_<data>/` holding
 * params.json, viz/ (diagrams), images/ (sample images), weights/ (checkpoints: weights/weights is
 * the latest, weights/weights-EEE-LOSS one per epoch) and training_log.csv.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../errors';
import { ensureFolder, notAFolderError, toStorageError } from './fs-errors';

export const PARAMS_FILE = 'params.json';
export const CSV_FILE = 'training_log.csv';
/** Name of the latest checkpoint's folder inside weights/ (GDL: `weights/weights.h5`). */
export const LATEST = 'weights';
export const RUN_SUBFOLDERS = ['viz', 'images', 'weights'] as const;

/** Every path of a run folder. */
export interface RunPaths {
  folder: string;
  params: string;
  log: string;
  viz: string;
  images: string;
  weights: string;
  /** weights/weights: the latest checkpoint. */
  latest: string;
}

export function runPaths(folder: string): RunPaths {
  const weights = path.join(folder, 'weights');
  return {
    folder,
    params: path.join(folder, PARAMS_FILE),
    log: path.join(folder, CSV_FILE),
    viz: path.join(folder, 'viz'),
    images: path.join(folder, 'images'),
    weights,
    latest: path.join(weights, LATEST),
  };
}

/** Creates the folder and its viz/, images/ and weights/ (like the `os.mkdir` cell of the book). */
export async function createRunFolder(folder: string): Promise<RunPaths> {
  const paths = runPaths(folder);
  for (const sub of RUN_SUBFOLDERS) await ensureFolder(path.join(folder, sub));
  return paths;
}

/** `0004_digits` → 4; null for names outside GDL's RUN_ID scheme. */
export function runIdOf(name: string): number | null {
  const m = /^(\d{4,})_/.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * Claims the next free run id of `section` (GDL's RUN_ID: one more than the largest id in
 * `root/section/`, so shipped runs are never reused) by creating `root/section/NNNN_<dataName>`.
 * Two processes starting together get different folders (mkdir fails for the second, which tries the next id).
 */
export async function claimNextRunFolder(root: string, section: string, dataName: string): Promise<string> {
  const dir = path.join(root, section);
  await fs.mkdir(dir, { recursive: true });
  const ids = (await fs.readdir(dir)).map(runIdOf).filter((id): id is number => id !== null);
  for (let id = Math.max(0, ...ids) + 1; ; id++) {
    const folder = path.join(dir, `${String(id).padStart(4, '0')}_${dataName}`);
    try {
      await fs.mkdir(folder);
      return folder;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** What a run folder already holds: the entries of a training that a fresh start would replace or mix with. */
export interface RunFolderContents {
  /** False when the folder does not exist yet. */
  exists: boolean;
  /** Files of a training found there (params.json, training_log.csv, weights/..., images/..., viz/...), relative to the folder. */
  found: string[];
}

/** Leftovers of interrupted atomic writes (io/files.ts) and of lock take-overs: never a training's content. */
export const isTemporaryName = (name: string): boolean => /^\..+\.tmp-\d+-[0-9a-f]{8}$/.test(name) || /^\.training\.lock\.stale-/.test(name);

async function entriesOf(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).filter((e) => !isTemporaryName(e));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    if (code === 'ENOTDIR') return [''];
    throw err;
  }
}

/**
 * The "is this folder empty?" rule, in one place: a folder is empty when it does not exist or holds
 * nothing of a training — any params.json, training_log.csv, anything under weights/ (with or
 * without a readable checkpoint.json), images/ or viz/ makes it "not empty". Files that are not a
 * training's (notes, a README) are ignored: a training never touches them.
 */
export async function inspectRunFolder(folder: string): Promise<RunFolderContents> {
  const stat = await fs.stat(folder).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    if (err.code === 'ENOTDIR') throw await notAFolderError(folder, err);
    throw toStorageError(err, folder, 'ler');
  });
  if (stat === null) return { exists: false, found: [] };
  if (!stat.isDirectory()) throw await notAFolderError(folder);
  const paths = runPaths(folder);
  const found: string[] = [];
  for (const file of [PARAMS_FILE, CSV_FILE]) {
    if (await fs.lstat(path.join(folder, file)).then(() => true, () => false)) found.push(file);
  }
  for (const sub of RUN_SUBFOLDERS) {
    const entries = await entriesOf(paths[sub]);
    const shown = entries.slice(0, 3).map((e) => (e === '' ? sub : `${sub}/${e}`));
    if (entries.length > 3) shown.push(`${sub}/… (${entries.length} itens)`);
    found.push(...shown);
  }
  return { exists: true, found };
}

/** Names a fresh start may replace: what a training writes, and nothing else. */
const OWN_ENTRIES: Record<(typeof RUN_SUBFOLDERS)[number], RegExp> = {
  viz: /^(model|encoder|decoder)\.svg$/,
  images: /^img_\d{3,}_\d+\.(jpg|png)$/,
  weights: new RegExp(`^(${LATEST}|weights-\\d{3,}-.*)$`),
};

/**
 * Removes a previous training's files from `folder` (an explicit fresh start, `--overwrite`), so the
 * new run never mixes with the old one. Only what a training writes is removed; anything else
 * inside viz/, images/ or weights/ stops it before a single file is deleted.
 */
export async function clearRunFolder(folder: string): Promise<void> {
  const paths = runPaths(folder);
  const doomed: string[] = [];
  const foreign: string[] = [];
  for (const sub of RUN_SUBFOLDERS) {
    for (const e of await entriesOf(paths[sub])) {
      if (e === '') foreign.push(sub);
      else (OWN_ENTRIES[sub].test(e) ? doomed : foreign).push(path.join(sub, e));
    }
  }
  if (foreign.length) {
    throw new ConfigError(
      `${folder} tem arquivos que não são de um treino (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? '…' : ''}): ` +
        'não apago o que não reconheço; mova-os ou escolha outra pasta.',
    );
  }
  for (const entry of [...doomed, PARAMS_FILE, CSV_FILE]) await fs.rm(path.join(folder, entry), { recursive: true, force: true });
  for (const sub of RUN_SUBFOLDERS) {
    for (const e of await fs.readdir(paths[sub]).catch(() => [] as string[])) if (isTemporaryName(e)) await fs.rm(path.join(paths[sub], e), { recursive: true, force: true });
  }
}
