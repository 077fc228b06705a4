/**
 * Saving and loading TensorFlow.js layers models to a folder, in the standard format
 * (`model.json` + `weights.bin`, the same files tfjs-node's `file://` handler writes), with
 * any backend — wasm and cpu have no file system handler of their own.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';
import { writeFileAtomic } from './files';

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

/** Reads the artifacts of a saved layers model, checking every file with a clear error. */
export async function readModelArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const jsonPath = path.join(dir, MODEL_JSON);
  let text: string;
  try {
    text = await fs.readFile(jsonPath, 'utf8');
  } catch (err) {
    throw new DataError(`Não encontrei ${jsonPath}: a pasta não contém um modelo salvo.`, jsonPath, { cause: err });
  }
  let json: {
    modelTopology?: object;
    weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    format?: string;
    generatedBy?: string;
    convertedBy?: string | null;
  };
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DataError(`${jsonPath} está corrompido (JSON inválido: ${(err as Error).message}).`, jsonPath, { cause: err });
  }
  if (!json || typeof json !== 'object' || !Array.isArray(json.weightsManifest)) {
    throw new DataError(`${jsonPath} não é um model.json do TensorFlow.js (falta "weightsManifest").`, jsonPath);
  }
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) {
      const binPath = path.join(dir, p);
      try {
        buffers.push(await fs.readFile(binPath));
      } catch (err) {
        throw new DataError(`Falta o arquivo de pesos ${binPath} (citado em ${jsonPath}).`, binPath, { cause: err });
      }
    }
  }
  const total = buffers.reduce((a, b) => a + b.byteLength, 0);
  const expected = weightSpecs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1) * bytesPerElement(s), 0);
  if (total !== expected) {
    throw new DataError(
      `Os pesos em ${dir} têm ${total} bytes, mas ${MODEL_JSON} descreve ${expected} bytes: arquivo truncado ou de outro modelo.`,
      path.join(dir, WEIGHTS_BIN),
    );
  }
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    weightData.set(b, offset);
    offset += b.byteLength;
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
