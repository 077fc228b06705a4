/**
 * The run folder of GDL's layout, in one place: `run/<section>/<RUN_ID>_<data>/` holding
 * params.json, viz/ (diagrams), images/ (sample images), weights/ (checkpoints: weights/weights is
 * the latest, weights/weights-EEE-LOSS one per epoch) and training_log.csv.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

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
  for (const sub of RUN_SUBFOLDERS) await fs.mkdir(path.join(folder, sub), { recursive: true });
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
