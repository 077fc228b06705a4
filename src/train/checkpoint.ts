/**
 * Checkpoints: a folder per epoch (`weights/weights-EEE-LOSS/`) plus the latest one
 * (`weights/weights/`), each holding the model in the standard TensorFlow.js format, the Adam
 * state (so a resumed run continues exactly), and `checkpoint.json` (epoch and metrics).
 * Folders are written under a temporary name and renamed when complete.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError, OptimizerStateMissingError, ShapeError } from '../errors';
import { readFileBounded, readJsonBounded, replaceDirAtomic, writeFileAtomic } from '../io/files';
import { folderSaveHandler, readModelArtifacts } from '../io/model-files';
import { LATEST } from '../io/run-folder';

export const CHECKPOINT_JSON = 'checkpoint.json';
export const OPTIMIZER_JSON = 'optimizer.json';
export const OPTIMIZER_BIN = 'optimizer.bin';

/** What `checkpoint.json` records. */
export interface CheckpointInfo {
  /** Number of completed epochs (1-based, like Keras' file names). */
  epoch: number;
  /** The epoch's metrics (loss, vae_r_loss, vae_kl_loss...) and timing, as logged. */
  logs: Record<string, number | string>;
  /** Learning rate in use at the end of the epoch. */
  learningRate: number;
  /** Seed of the training run (shuffling and ε), so a resumed run draws the same numbers. */
  seed: number;
  /** ISO time of writing. */
  savedAt: string;
}

/** A variable of the model with its save name. */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

interface OptimizerState {
  class: 'Adam';
  iterations: number;
  variables: { name: string; shape: number[] }[];
}

/** Folder name of the per-epoch checkpoint, like GDL's weights-{epoch:03d}-{loss:.2f}. */
export function epochFolderName(epoch: number, loss: number): string {
  return `weights-${String(epoch).padStart(3, '0')}-${loss.toFixed(2)}`;
}

/** Writes the Adam moments (m, v per variable) and iteration count into `dir`. */
async function writeOptimizerState(dir: string, optimizer: tf.Optimizer, variables: NamedVariable[]): Promise<void> {
  const weights = await optimizer.getWeights();
  const iter = weights.find((w) => w.name === 'iter');
  const moments = weights.filter((w) => w.name !== 'iter');
  // getWeights() makes a new scalar for the iteration count (the moments are the optimizer's own variables).
  const iterations = iter ? (await iter.tensor.data())[0] : 0;
  iter?.tensor.dispose();
  const state: OptimizerState = {
    class: 'Adam',
    iterations,
    variables: variables.map((v) => ({ name: v.name, shape: v.variable.shape })),
  };
  if (moments.length !== 0 && moments.length !== 2 * variables.length) {
    throw new ShapeError(`Estado do Adam inesperado: ${moments.length} momentos para ${variables.length} variáveis.`);
  }
  const parts = await Promise.all(moments.map((m) => m.tensor.data() as Promise<Float32Array>));
  const bytes = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    bytes.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), offset);
    offset += p.byteLength;
  }
  await writeFileAtomic(path.join(dir, OPTIMIZER_BIN), bytes);
  await writeFileAtomic(path.join(dir, OPTIMIZER_JSON), JSON.stringify(state, null, 1));
}

/** Names of the variables holding a NaN or ±Inf (a diverged training); empty when all are finite. */
export function nonFiniteVariables(variables: NamedVariable[]): string[] {
  return variables.filter((v) => tf.tidy(() => tf.all(tf.isFinite(v.variable)).dataSync()[0] === 0)).map((v) => v.name);
}

/** Writes one complete checkpoint folder at `target` (atomically replacing what was there). */
export async function writeCheckpoint(
  target: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer | null,
  variables: NamedVariable[],
  info: CheckpointInfo,
): Promise<void> {
  await replaceDirAtomic(target, async (tmp) => {
    await model.save(folderSaveHandler(tmp));
    if (optimizer) await writeOptimizerState(tmp, optimizer, variables);
    await writeFileAtomic(path.join(tmp, CHECKPOINT_JSON), JSON.stringify(info, null, 1));
  });
}

/** Reads `checkpoint.json` of a folder, or null when absent/unreadable/implausible (an incomplete folder). */
export async function readCheckpointInfo(dir: string): Promise<CheckpointInfo | null> {
  try {
    const info = await readJsonBounded<CheckpointInfo>(path.join(dir, CHECKPOINT_JSON), 1 << 20);
    if (!info || !Number.isInteger(info.epoch) || info.epoch < 1 || typeof info.logs !== 'object' || info.logs === null) return null;
    // A per-epoch folder says its epoch in its name (weights-EEE-...): a checkpoint.json claiming another is not trusted.
    const named = /^weights-(\d{3,})-/.exec(path.basename(dir));
    if (named && Number(named[1]) !== info.epoch) return null;
    return info;
  } catch {
    return null;
  }
}

/** Complete checkpoints under `weightsDir`, most advanced first (the latest folder before its per-epoch twin). */
export async function listCheckpoints(weightsDir: string): Promise<{ dir: string; info: CheckpointInfo }[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(weightsDir);
  } catch {
    return [];
  }
  const found: { dir: string; info: CheckpointInfo; latest: boolean }[] = [];
  for (const name of entries.filter((e) => e === LATEST || /^weights-\d{3,}-/.test(e))) {
    const dir = path.join(weightsDir, name);
    const info = await readCheckpointInfo(dir);
    const hasModel = await fs.access(path.join(dir, 'model.json')).then(() => true, () => false);
    if (info && hasModel) found.push({ dir, info, latest: name === LATEST });
  }
  found.sort((a, b) => b.info.epoch - a.info.epoch || Number(b.latest) - Number(a.latest));
  return found.map(({ dir, info }) => ({ dir, info }));
}

/** The most advanced complete checkpoint under `weightsDir` (latest or per-epoch), or null. */
export async function findLatestCheckpoint(weightsDir: string): Promise<{ dir: string; info: CheckpointInfo } | null> {
  return (await listCheckpoints(weightsDir))[0] ?? null;
}

/** Loads weights saved in `dir` into `variables` (matched by name, shapes checked). */
export async function loadWeightsInto(dir: string, variables: NamedVariable[]): Promise<void> {
  const artifacts = await readModelArtifacts(dir);
  const byName = new Map(artifacts.weightSpecs!.map((s) => [s.name, s]));
  const missing = variables.filter((v) => !byName.has(v.name)).map((v) => v.name);
  if (missing.length) {
    throw new ShapeError(`Os pesos em ${dir} não correspondem a este modelo: faltam ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? '…' : ''}.`);
  }
  for (const v of variables) {
    const shape = byName.get(v.name)!.shape;
    if (shape.join('x') !== v.variable.shape.join('x')) {
      throw new ShapeError(
        `Os pesos em ${dir} não correspondem a este modelo: ${v.name} tem forma [${shape}] no arquivo, [${v.variable.shape}] no modelo.`,
      );
    }
  }
  const tensors = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
  for (const v of variables) v.variable.assign(tensors[v.name]);
  tf.dispose(tensors);
}

/** Restores the Adam state written by `writeCheckpoint` (variables must match by name and shape). */
export async function loadOptimizerState(dir: string, optimizer: tf.Optimizer, variables: NamedVariable[]): Promise<number> {
  const jsonPath = path.join(dir, OPTIMIZER_JSON);
  let state: OptimizerState | null;
  try {
    state = await readJsonBounded<OptimizerState>(jsonPath, 4 << 20);
  } catch (err) {
    throw new DataError(`Não consegui ler o estado do otimizador em ${jsonPath}: ${(err as Error).message}`, jsonPath, { cause: err });
  }
  if (state === null) throw new OptimizerStateMissingError(`Falta ${jsonPath} (estado do otimizador).`, jsonPath);
  const names = variables.map((v) => `${v.name}[${v.variable.shape}]`).join(',');
  const saved = (state.variables ?? []).map((v) => `${v.name}[${v.shape}]`).join(',');
  if (names !== saved) {
    throw new ShapeError(`O estado do otimizador em ${jsonPath} é de outro modelo (variáveis diferentes).`);
  }
  const binPath = path.join(dir, OPTIMIZER_BIN);
  const sizes = variables.map((v) => v.variable.size);
  const total = sizes.reduce((a, b) => a + b, 0);
  // Never more than the moments of these variables: m and v, float32 each.
  const bytes = await readFileBounded(binPath, 2 * total * 4).catch((err) => {
    throw new DataError(`${binPath}: ${(err as Error).message}`, binPath, { cause: err });
  });
  if (bytes === null) throw new OptimizerStateMissingError(`Falta ${binPath} (estado do otimizador).`, binPath);
  if (bytes.byteLength !== 2 * total * 4) {
    if (bytes.byteLength === 0 && state.iterations === 0) return 0;
    throw new DataError(`${binPath} tem ${bytes.byteLength} bytes; esperado ${2 * total * 4}.`, binPath);
  }
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const named: { name: string; tensor: tf.Tensor }[] = [{ name: 'iter', tensor: tf.scalar(state.iterations, 'int32') }];
  let offset = 0;
  for (const slot of ['m', 'v']) {
    variables.forEach((v, i) => {
      named.push({ name: `${v.name}/${slot}`, tensor: tf.tensor(floats.subarray(offset, offset + sizes[i]), v.variable.shape) });
      offset += sizes[i];
    });
  }
  await optimizer.setWeights(named);
  tf.dispose(named.map((n) => n.tensor));
  return state.iterations;
}
