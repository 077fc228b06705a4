/**
 * Standard exports of a trained run for third-party clients (issue 9): `encoder/` (x → [mu, log_var],
 * or x → z for the plain autoencoder) and `decoder/` (z → x̂) built only from stock layers, so stock
 * `tf.loadLayersModel` loads them with nothing of this package registered; `latent.json` (μ of test
 * digits with their labels, for the background of the plane) and `manifest.json` (what was exported).
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { loadMnist } from '../data';
import { ConfigError, ShapeError } from '../errors';
import { writeFileAtomic } from '../io/files';
import { MODEL_JSON, WEIGHTS_BIN, weightBytes } from '../io/model-files';
import { Autoencoder, readParams, VariationalAutoencoder } from '../model';
import { toLabels, type LabelsLike } from '../plots';
import { findLatestCheckpoint } from '../train/checkpoint';
import { EXPORT_FORMAT, LATENT_FORMAT, type ExportManifest, type LatentFile } from './types';

export { EXPORT_FORMAT, LATENT_FORMAT, type ExportManifest, type LatentFile } from './types';

/** A model the explorer can show: the VAE or the plain autoencoder. */
export type ExplorableModel = VariationalAutoencoder | Autoencoder;

/** Everything the explorer page needs, in memory. */
export interface ExplorerArtifacts {
  encoder: tf.io.ModelArtifacts;
  decoder: tf.io.ModelArtifacts;
  latent: LatentFile;
  manifest: ExportManifest;
}

/** Options of `explorerArtifacts` / `exportModels`. */
export interface ExportOptions {
  /** Test images whose μ fill the plane. Default: the first `n` MNIST test digits. */
  images?: tf.Tensor4D;
  /** Their labels (required with `images`). */
  labels?: LabelsLike;
  /** How many images go into latent.json. Default 5000 (GDL's n_to_show). */
  n?: number;
  /** Decimals kept in latent.json. Default 3. */
  decimals?: number;
  /** What the points are, written in latent.json. Default "MNIST, conjunto de teste" (or "imagens dadas"). */
  source?: string;
}

/** Loads a run folder with the class its params.json names. */
export async function loadExplorableRun(folder: string): Promise<ExplorableModel> {
  const { kind } = await readParams(folder);
  return kind === 'ae' ? Autoencoder.load(folder) : VariationalAutoencoder.load(folder);
}

/** The stock-layers encoder: x → [mu, log_var] for the VAE (no Sampling layer), x → z for the AE. */
export function stockEncoder(model: ExplorableModel): tf.LayersModel {
  return model instanceof VariationalAutoencoder ? model.encoderMuLogVar : model.encoder;
}

/** The artifacts `model.save` would write, kept in memory. */
export async function modelArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }));
  return saved!;
}

/** The `model.json` of `artifacts` with its weights in `WEIGHTS_BIN` (what `tf.loadLayersModel` reads over http). */
export function modelJson(artifacts: tf.io.ModelArtifacts): object {
  return {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
  };
}

/** μ (VAE) or z (AE) of `images`, batch by batch, as rounded rows. */
function latentPoints(model: ExplorableModel, images: tf.Tensor4D, decimals: number): number[][] {
  const scale = 10 ** decimals;
  const points: number[][] = [];
  for (let start = 0; start < images.shape[0]; start += 500) {
    const size = Math.min(500, images.shape[0] - start);
    const rows = tf.tidy(() => {
      const out = stockEncoder(model).predict(images.slice([start, 0, 0, 0], [size, -1, -1, -1]));
      return (Array.isArray(out) ? out[0] : out).arraySync() as number[][]; // [mu, log_var] → mu
    });
    for (const row of rows) points.push(row.map((v) => Math.round(v * scale) / scale));
  }
  return points;
}

/** Builds the exports of `source` (a run folder or a model in memory) without writing anything. */
export async function explorerArtifacts(source: string | ExplorableModel, options: ExportOptions = {}): Promise<ExplorerArtifacts> {
  const model = typeof source === 'string' ? await loadExplorableRun(source) : source;
  try {
    const n = options.n ?? 5000;
    const decimals = options.decimals ?? 3;
    if (!(Number.isInteger(n) && n > 0)) throw new ConfigError(`n deve ser um inteiro positivo; recebido ${JSON.stringify(n)}.`);
    let images = options.images;
    let labels: (number | string)[];
    let owned: tf.Tensor[] = [];
    if (images) {
      if (options.labels === undefined) throw new ConfigError('Com `images`, passe também `labels` (um rótulo por imagem).');
      labels = toLabels(options.labels);
      if (labels.length !== images.shape[0]) throw new ShapeError(`Esperava um rótulo por imagem: ${images.shape[0]} imagens, ${labels.length} rótulos.`);
    } else {
      const mnist = await loadMnist({ quiet: true });
      images = mnist.xTest;
      labels = Array.from(mnist.yTest.dataSync());
      owned = [mnist.xTrain, mnist.yTrain, mnist.xTest, mnist.yTest];
    }
    const count = Math.min(n, images.shape[0]);
    const shown = images.slice([0, 0, 0, 0], [count, -1, -1, -1]);
    const points = latentPoints(model, shown, decimals);
    tf.dispose([shown, ...owned]);
    const latent: LatentFile = {
      format: LATENT_FORMAT,
      source: options.source ?? (options.images ? 'imagens dadas' : 'MNIST, conjunto de teste'),
      n: count, zDim: model.zDim, decimals, points, labels: labels.slice(0, count),
    };
    const manifest = await exportManifest(typeof source === 'string' ? source : null, model);
    return { encoder: await modelArtifacts(stockEncoder(model)), decoder: await modelArtifacts(model.decoder), latent, manifest };
  } finally {
    if (typeof source === 'string') model.dispose();
  }
}

async function exportManifest(run: string | null, model: ExplorableModel): Promise<ExportManifest> {
  let epoch: number | null = null;
  let loss: number | null = null;
  let training: string | null = null;
  if (run) {
    const latest = await findLatestCheckpoint(path.join(run, 'weights'));
    epoch = latest?.info.epoch ?? null;
    loss = latest && Number.isFinite(Number(latest.info.logs.loss)) ? Number(latest.info.logs.loss) : null;
    training = (await readParams(run)).manifest.backend?.name ?? null;
  }
  return {
    format: EXPORT_FORMAT, run, kind: model.kind, zDim: model.zDim, inputDim: model.inputDim, epoch, loss,
    backend: { training, export: tf.getBackend() },
    encoderOutputs: model.kind === 'vae' ? ['mu', 'log_var'] : ['z'],
    tfjs: tf.version.tfjs,
  };
}

/** Writes `artifacts` as standard files: encoder/ and decoder/ (model.json + weights.bin), latent.json, manifest.json. */
export async function writeExplorerArtifacts(artifacts: ExplorerArtifacts, outDir: string): Promise<string[]> {
  const files: string[] = [];
  for (const name of ['encoder', 'decoder'] as const) {
    const dir = path.join(outDir, name);
    await fs.mkdir(dir, { recursive: true });
    await writeFileAtomic(path.join(dir, WEIGHTS_BIN), weightBytes(artifacts[name].weightData ?? new ArrayBuffer(0)));
    await writeFileAtomic(path.join(dir, MODEL_JSON), JSON.stringify(modelJson(artifacts[name])));
    files.push(path.join(dir, MODEL_JSON), path.join(dir, WEIGHTS_BIN));
  }
  for (const [file, value] of [['latent.json', artifacts.latent], ['manifest.json', artifacts.manifest]] as const) {
    await writeFileAtomic(path.join(outDir, file), JSON.stringify(value) + '\n');
    files.push(path.join(outDir, file));
  }
  return files;
}

/**
 * Writes the standard exports of a run folder (or a model in memory) into `outDir` and returns the
 * files written. `npm run export -- --run-folder R --out D` calls it.
 */
export async function exportModels(runFolderOrModel: string | ExplorableModel, outDir: string, options: ExportOptions = {}): Promise<string[]> {
  return writeExplorerArtifacts(await explorerArtifacts(runFolderOrModel, options), outDir);
}
