/**
 * Saving and loading TensorFlow.js layers models to a folder, in the standard format
 * (`model.json` + `weights.bin`, the same files tfjs-node's `file://` handler writes), with
 * any backend — wasm and cpu have no file system handler of their own.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';
import { readFileBounded, readJsonBounded, writeFileAtomic } from './files';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** Concatenates tfjs weight data (one buffer or a list of shards) into one byte array. */
export function weightBytes(data: tf.io.WeightData): Uint8Array {
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

/** An IOHandler that writes `model.json` + `weights.bin` into `dir` (each atomically). */
export function folderSaveHandler(dir: string): tf.io.IOHandler {
  return tf.io.withSaveHandler(async (artifacts) => {
    const modelJson = {
      modelTopology: artifacts.modelTopology,
      format: artifacts.format ?? 'layers-model',
      generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
      convertedBy: artifacts.convertedBy ?? null,
      weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
    };
    await writeFileAtomic(path.join(dir, WEIGHTS_BIN), weightBytes(artifacts.weightData ?? new ArrayBuffer(0)));
    await writeFileAtomic(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  });
}

function bytesPerElement(spec: tf.io.WeightsManifestEntry): number {
  if (spec.quantization) return spec.quantization.dtype === 'uint8' ? 1 : 2;
  return spec.dtype === 'bool' ? 1 : 4;
}

/** Largest model.json read (ours are ~20 kB). */
const MAX_MODEL_JSON_BYTES = 16 << 20;
/** Largest weights read (the bounds of validateOptions keep models far below this). */
export const MAX_WEIGHT_BYTES = 1 << 30;

type ManifestGroup = { paths: string[]; weights: tf.io.WeightsManifestEntry[] };

/** Checks the manifest's form and returns the bytes its shapes need (a DataError naming model.json otherwise). */
function manifestBytes(manifest: unknown, jsonPath: string): number {
  const bad = (what: string) => new DataError(`${jsonPath}: manifesto de pesos inválido (${what}).`, jsonPath);
  if (!Array.isArray(manifest)) throw bad('"weightsManifest" não é uma lista');
  let total = 0;
  for (const group of manifest as ManifestGroup[]) {
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) throw bad('cada grupo precisa de "paths" e "weights"');
    for (const w of group.weights) {
      if (!w || typeof w.name !== 'string' || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0)) {
        throw bad(`peso ${JSON.stringify(w?.name)} sem nome ou com forma ${JSON.stringify(w?.shape)}`);
      }
      if (!['float32', 'int32', 'bool'].includes(w.dtype)) throw bad(`peso ${w.name} com dtype ${JSON.stringify(w.dtype)}`);
      total += w.shape.reduce((x, y) => x * y, 1) * bytesPerElement(w);
      if (!(total <= MAX_WEIGHT_BYTES)) throw bad(`os pesos descritos passam de ${MAX_WEIGHT_BYTES} bytes`);
    }
  }
  return total;
}

/**
 * The weight file `p` of the manifest, confined to `dir`: a plain relative name whose real path
 * (symlinks followed) stays inside the model's folder, and a regular file (never /dev/zero or a pipe).
 */
async function confinedWeightFile(dir: string, p: unknown, jsonPath: string): Promise<{ file: string; size: number }> {
  if (typeof p !== 'string' || p === '' || path.isAbsolute(p) || p.split(/[\\/]/).includes('..')) {
    throw new DataError(`${jsonPath} cita o arquivo de pesos ${JSON.stringify(p)} fora da pasta do modelo: só nomes dentro de ${dir} são aceitos.`, jsonPath);
  }
  const file = path.join(dir, p);
  let real: string;
  let realDir: string;
  try {
    [real, realDir] = await Promise.all([fs.realpath(file), fs.realpath(dir)]);
  } catch (err) {
    throw new DataError(`Falta o arquivo de pesos ${file} (citado em ${jsonPath}).`, file, { cause: err });
  }
  const rel = path.relative(realDir, real);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new DataError(`${file} aponta para ${real}, fora da pasta do modelo: não vou lê-lo.`, file);
  }
  const stat = await fs.stat(real);
  if (!stat.isFile()) throw new DataError(`${file} não é um arquivo comum (é um dispositivo, uma pasta ou um pipe): não vou lê-lo.`, file);
  return { file, size: stat.size };
}

/**
 * Reads the artifacts of a saved layers model, checking every file with a clear error. Every path
 * of the manifest stays inside `dir`, and no more bytes are read than the manifest's shapes need.
 */
export async function readModelArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const jsonPath = path.join(dir, MODEL_JSON);
  const json = await readJsonBounded<{
    modelTopology?: object;
    weightsManifest?: ManifestGroup[];
    format?: string;
    generatedBy?: string;
    convertedBy?: string | null;
  }>(jsonPath, MAX_MODEL_JSON_BYTES);
  if (json === null) throw new DataError(`Não encontrei ${jsonPath}: a pasta não contém um modelo salvo.`, jsonPath);
  if (!json || typeof json !== 'object' || !Array.isArray(json.weightsManifest)) {
    throw new DataError(`${jsonPath} não é um model.json do TensorFlow.js (falta "weightsManifest").`, jsonPath);
  }
  const expected = manifestBytes(json.weightsManifest, jsonPath);
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const files: { file: string; size: number }[] = [];
  for (const group of json.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) files.push(await confinedWeightFile(dir, p, jsonPath));
  }
  const total = files.reduce((a, f) => a + f.size, 0);
  if (total !== expected) {
    throw new DataError(
      `Os pesos em ${dir} têm ${total} bytes, mas ${MODEL_JSON} descreve ${expected} bytes: arquivo truncado ou de outro modelo.`,
      files[0]?.file ?? path.join(dir, WEIGHTS_BIN),
    );
  }
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const f of files) {
    const bytes = await readFileBounded(f.file, f.size);
    if (bytes === null || bytes.byteLength !== f.size) throw new DataError(`${f.file} mudou durante a leitura.`, f.file);
    weightData.set(bytes, offset);
    offset += bytes.byteLength;
  }
  return {
    modelTopology: json.modelTopology,
    weightSpecs,
    weightData: weightData.buffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
  };
}

/** An IOHandler that loads `model.json` + its weights from `dir` (for `tf.loadLayersModel`). */
export function folderLoadHandler(dir: string): tf.io.IOHandler {
  return { load: () => readModelArtifacts(dir) };
}

/** Reads only the weights of a saved model, by name (`encoder_conv_0/kernel`, ...). */
export async function readNamedWeights(dir: string): Promise<tf.NamedTensorMap> {
  const artifacts = await readModelArtifacts(dir);
  return tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
}
