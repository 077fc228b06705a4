/**
 * `params.json`: what a run folder says about itself — the model configuration, the compile
 * settings, and a manifest (package versions, backend, command, seed). Validated on load.
 */
import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { backendInfo } from '../backend';
import { ConfigError, DataError } from '../errors';
import { readJsonBounded } from '../io/files';
import { PARAMS_FILE } from '../io/run-folder';
import { writeSavedRun, type ResumeRecord, type TrainingSettings } from '../train/run-record';
import type { ModelKind, ModelSpec } from './factory';
import { validateOptions } from './options';

export const PARAMS_FORMAT = 'vae-didatico/params@1';

export interface CompileSettings {
  learningRate: number;
  /** Only for the VAE. */
  rLossFactor?: number;
  /** Only for the VAE, when not 1 (0: trained without the KL term). */
  klWeight?: number;
}

export interface RunManifest {
  package: string;
  /** Seed of the weight initialisers (the training seed is in each checkpoint.json); null if random. */
  seed: number | null;
  versions: Record<string, string>;
  backend: { name: string; device: string; gpu: boolean } | null;
  command: string;
  createdAt: string;
}

/** params.json: the model's spec plus the format tag and the manifest. */
export interface ParamsFile extends ModelSpec {
  format: typeof PARAMS_FORMAT;
  manifest: RunManifest;
  /** How the run trains (absent in runs saved by `vae.save()` alone, or before this field existed). */
  training?: TrainingSettings;
  /** Every continuation of the run, in order. */
  resumes?: ResumeRecord[];
}

function packageVersion(): string {
  try {
    // dist/src/model → the package root
    return (require('../../../package.json') as { version: string }).version;
  } catch {
    return 'desconhecida';
  }
}

/** Versions, backend, command and seed of this process, for the manifest. */
export function runManifest(seed: number | null = null): RunManifest {
  let backend: RunManifest['backend'] = null;
  try {
    const b = backendInfo();
    backend = { name: b.name, device: b.device, gpu: b.gpu };
  } catch {
    // backend not initialised yet: nothing to record
  }
  return {
    package: `vae-didatico@${packageVersion()}`,
    seed,
    versions: { tfjs: tf.version.tfjs, node: process.version },
    backend,
    command: process.argv.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' '),
    createdAt: new Date().toISOString(),
  };
}

/** Writes params.json into `folder` (with the training settings when a training writes it). */
export async function writeParams(folder: string, spec: ModelSpec, training?: TrainingSettings): Promise<void> {
  const file: ParamsFile = { format: PARAMS_FORMAT, ...spec, manifest: runManifest(spec.options.seed ?? null), ...(training ? { training } : {}) };
  await writeSavedRun(path.join(folder, PARAMS_FILE), file);
}

/** Reads and validates params.json of `folder` (Portuguese errors naming the file). */
export async function readParams(folder: string, expectedKind?: ModelKind): Promise<ParamsFile> {
  const file = path.join(folder, PARAMS_FILE);
  const params = await readJsonBounded<ParamsFile>(file, 1 << 20);
  if (params === null) throw new DataError(`Não encontrei ${file}: esta pasta não é uma execução salva (rode o treino ou vae.save(pasta) antes).`, file);
  if (params?.format !== PARAMS_FORMAT) {
    throw new DataError(`${file} não é um params.json do vae-didatico (formato "${params?.format}", esperado "${PARAMS_FORMAT}").`, file);
  }
  if (expectedKind && params.kind !== expectedKind) {
    const names: Record<ModelKind, string> = { vae: 'VariationalAutoencoder', ae: 'Autoencoder' };
    throw new DataError(`${file} descreve um ${names[params.kind] ?? params.kind}, não um ${names[expectedKind]}.`, file);
  }
  try {
    validateOptions(params.options);
  } catch (err) {
    throw new DataError(`${file}: configuração inválida — ${(err as ConfigError).message}`, file, { cause: err });
  }
  return params;
}
