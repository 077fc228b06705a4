/**
 * Diagnostics of a trained VAE (notebook 05): how each latent dimension compares to N(0, 1)
 * (and whether one collapsed), class centroids for latent arithmetic, the training log against
 * the test set, and the few numbers that place a VAE on the r_loss_factor trade-off (notebook 03).
 * Plain numbers in, plain numbers out: the notebooks print and plot them.
 */
import * as tf from '@tensorflow/tfjs';
import { coveredFraction } from './analysis';
import { classifyDigits, type DigitReading } from './classifier/classify';
import { confidentShare, labelDistribution, totalVariation } from './classifier/stats';
import { DataError, ShapeError } from './errors';
import { klDivergence, reconstructionError } from './loss';
import { formatPt } from './text';
import { toLabels, toPoints, type LabelsLike, type PointsLike } from './plots/inputs';
import type { LogRow } from './plots/loss-curves';
import { normCdf } from './plots/stats';

/** What `latentDiagnostics` says about one latent dimension d (all means over the data set). */
export interface LatentDimension {
  /** Index d of the dimension (z[d]). */
  dim: number;
  /** Mean of μ_d over the data (the prior's mean is 0). */
  mean: number;
  /** Standard deviation of μ_d over the data: how much the code moves with the input. */
  std: number;
  /** Mean of σ_d = exp(log_var_d / 2): the encoder's uncertainty (1 = as wide as the prior). */
  meanSigma: number;
  /** Std of the aggregate posterior q(z_d) = mean over x of N(μ_d, σ_d²): sqrt(var μ_d + mean σ_d²); ≈ 1 when it matches the prior. */
  aggregateStd: number;
  /** Mean KL(N(μ_d, σ_d²) ‖ N(0, 1)) in nats: what this dimension costs in the loss. */
  kl: number;
  /** True when kl < klThreshold or var(μ_d) < activityThreshold: the dimension carries (almost) no information. */
  collapsed: boolean;
}

/** Options of `latentDiagnostics`. */
export interface LatentDiagnosticsOptions {
  /** KL (nats) below which a dimension counts as collapsed. Default 0.01. */
  klThreshold?: number;
  /** Variance of μ_d over the data below which the dimension is inactive (the "active units" test of Burda et al., 2016). Default 0.01. */
  activityThreshold?: number;
}

/** Per-dimension mean, std, σ, KL and a collapse flag of the encodings (μ, log σ²) of a data set. */
export function latentDiagnostics(mu: PointsLike, logVar: PointsLike, opts: LatentDiagnosticsOptions = {}): LatentDimension[] {
  const { klThreshold = 0.01, activityThreshold = 0.01 } = opts;
  const m = toPoints(mu);
  const lv = toPoints(logVar);
  if (m.length === 0) throw new ShapeError('latentDiagnostics: nenhuma codificação (μ vazio).');
  if (lv.length !== m.length || lv[0].length !== m[0].length) {
    throw new ShapeError(`μ e log_var devem ter a mesma forma; recebi (${m.length}, ${m[0].length}) e (${lv.length}, ${lv[0]?.length}).`);
  }
  const n = m.length;
  return Array.from({ length: m[0].length }, (_, d) => {
    let sum = 0, sumSq = 0, sigma = 0, variance = 0, kl = 0;
    for (let i = 0; i < n; i++) {
      const [mi, li] = [m[i][d], lv[i][d]];
      sum += mi;
      sumSq += mi * mi;
      sigma += Math.exp(li / 2);
      variance += Math.exp(li);
      kl += -0.5 * (1 + li - mi * mi - Math.exp(li)); // KL(N(μ, σ²) ‖ N(0, 1))
    }
    const mean = sum / n;
    const varMu = Math.max(sumSq / n - mean * mean, 0);
    const dim = { dim: d, mean, std: Math.sqrt(varMu), meanSigma: sigma / n, aggregateStd: Math.sqrt(varMu + variance / n), kl: kl / n };
    return { ...dim, collapsed: dim.kl < klThreshold || varMu < activityThreshold };
  });
}

/** A Portuguese verdict on `latentDiagnostics`: which dimensions collapsed (KL ≈ 0), or that none did. */
export function collapseReport(dims: LatentDimension[]): string {
  const bad = dims.filter((d) => d.collapsed);
  if (bad.length === 0) {
    return `Nenhuma dimensão colapsada: todas as ${dims.length} dimensões têm KL > 0 e μ que varia com a entrada (menor KL: ${formatPt(Math.min(...dims.map((d) => d.kl)), 3)} nats).`;
  }
  const names = bad.map((d) => `z[${d.dim}] (KL = ${formatPt(d.kl, 4)} nats, desvio de μ = ${formatPt(d.std, 3)}, σ médio = ${formatPt(d.meanSigma, 3)})`);
  return `⚠️ **AVISO — colapso do posterior:** ${names.join('; ')}. ` +
    `${bad.length === 1 ? 'Essa dimensão' : 'Essas dimensões'} devolve${bad.length === 1 ? '' : 'm'} praticamente N(0, 1) para qualquer imagem: ` +
    `o decoder a ignora e ela não guarda informação (${bad.length} de ${dims.length} dimensões).`;
}

/** The centroid (mean point) of each label's points, sorted by label: the "direction" of a class in latent space. */
export function classCentroids(z: PointsLike, labels: LabelsLike): { label: number | string; count: number; centroid: number[] }[] {
  const pts = toPoints(z);
  const labs = toLabels(labels);
  if (labs.length !== pts.length) throw new ShapeError(`Esperava um rótulo por ponto: ${pts.length}; recebi ${labs.length}.`);
  const groups = new Map<number | string, { count: number; sum: number[] }>();
  pts.forEach((p, i) => {
    const g = groups.get(labs[i]) ?? groups.set(labs[i], { count: 0, sum: new Array<number>(p.length).fill(0) }).get(labs[i])!;
    g.count++;
    p.forEach((v, d) => (g.sum[d] += v));
  });
  return [...groups.entries()]
    .sort(([a], [b]) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))))
    .map(([label, g]) => ({ label, count: g.count, centroid: g.sum.map((s) => s / g.count) }));
}

/**
 * Points per cell of a bins×bins grid over the p-space [0, 1]² of (Φ(z[0]), Φ(z[1])), row by row
 * from the lowest Φ(z[1]) (notebook 05). If z ~ N(0, I) the cells hold N / bins² points on average.
 */
export function pSpaceCounts(z: PointsLike, bins = 10): number[] {
  if (!(Number.isInteger(bins) && bins > 0)) throw new DataError(`pSpaceCounts: bins deve ser um inteiro positivo; recebi ${bins}.`);
  const counts = new Array<number>(bins * bins).fill(0);
  const cell = (v: number) => Math.min(bins - 1, Math.floor(bins * normCdf(v))); // Φ(z) = 1 goes to the last cell
  for (const p of toPoints(z)) {
    if (p.length < 2) throw new ShapeError(`pSpaceCounts espera pontos com 2 coordenadas (ou mais); recebi ${p.length}.`);
    counts[cell(p[1]) * bins + cell(p[0])]++;
  }
  return counts;
}

/** A ring from ≤ |z| < to of latent space and how the classifier reads the images decoded from the points in it. */
export interface RadiusRing {
  from: number;
  /** Infinity for the last, open ring. */
  to: number;
  /** Points in the ring. */
  count: number;
  /** Share of them read with p ≥ the threshold (NaN for an empty ring). */
  confident: number;
  /** Mean p of their readings (NaN for an empty ring). */
  meanP: number;
}

/**
 * Readings of decoded images grouped by the distance |z| of their latent point to the origin, in
 * rings edges[k] ≤ |z| < edges[k+1] and a last ring |z| ≥ the last edge (notebook 05: are the
 * strangest decodes far out, or near the centre?).
 */
export function confidenceByRadius(z: PointsLike, readings: readonly DigitReading[], edges: readonly number[], threshold = 0.9): RadiusRing[] {
  const pts = toPoints(z);
  if (pts.length !== readings.length) throw new ShapeError(`Esperava uma leitura por ponto: ${pts.length} pontos; recebi ${readings.length} leituras.`);
  if (edges.length === 0 || edges.some((e, k) => !(e >= 0) || (k > 0 && e <= edges[k - 1]))) {
    throw new DataError(`confidenceByRadius: os limites dos anéis devem ser ≥ 0 e crescentes; recebi [${edges.join('; ')}].`);
  }
  const radius = pts.map((p) => Math.hypot(...p));
  return edges.map((from, k) => {
    const to = k + 1 < edges.length ? edges[k + 1] : Infinity;
    const inRing = readings.filter((_, i) => radius[i] >= from && radius[i] < to);
    const count = inRing.length;
    return { from, to, count, confident: inRing.filter((r) => r.p >= threshold).length / count, meanP: inRing.reduce((a, r) => a + r.p, 0) / count };
  });
}

/** What a run's training_log.csv says in a few numbers (see `parseCsv`). */
export interface TrainingLogSummary {
  /** Number of epochs logged. */
  epochs: number;
  /** Last epoch number. */
  lastEpoch: number;
  /** Metrics of the last epoch (loss, vae_r_loss, vae_kl_loss...). */
  last: Record<string, number>;
  /** Sum of the epochs' wall-clock seconds. */
  totalSeconds: number;
  /** Mean training speed over the epochs, images per second. */
  meanImagesPerSecond: number;
  /** Distinct backends that trained it, in order of appearance (e.g. ["wasm (2 threads)"]). */
  backends: string[];
}

const TIMING_COLUMNS = new Set(['epoch', 'seconds', 'images_per_second', 'learning_rate']);

/** Epochs, last metrics, total time, mean speed and backends of a training log (rows of `parseCsv`). */
export function trainingLogSummary(rows: LogRow[]): TrainingLogSummary {
  if (rows.length === 0 || !rows.every((r) => typeof r.epoch === 'number')) {
    throw new DataError(`Log de treino vazio ou sem a coluna epoch numérica (${rows.length} linhas).`);
  }
  const lastRow = rows.reduce((a, r) => ((r.epoch as number) > (a.epoch as number) ? r : a));
  const num = (r: LogRow, c: string) => (typeof r[c] === 'number' ? (r[c] as number) : 0);
  const last = Object.fromEntries(Object.entries(lastRow).filter(([k, v]) => typeof v === 'number' && !TIMING_COLUMNS.has(k))) as Record<string, number>;
  return {
    epochs: rows.length,
    lastEpoch: lastRow.epoch as number,
    last,
    totalSeconds: rows.reduce((a, r) => a + num(r, 'seconds'), 0),
    meanImagesPerSecond: rows.reduce((a, r) => a + num(r, 'images_per_second'), 0) / rows.length,
    backends: [...new Set(rows.map((r) => String(r.backend ?? '')).filter((b) => b !== ''))],
  };
}

/** Test-set metrics against the training log's: one row per metric with the difference in percent of the training value. */
export function compareLosses(train: Record<string, number>, test: Record<string, number>): { metric: string; train: number; test: number; percent: number }[] {
  const metrics = Object.keys(test).filter((k) => typeof train[k] === 'number');
  if (metrics.length === 0) throw new DataError(`Nenhuma métrica em comum entre treino (${Object.keys(train).join(', ')}) e teste (${Object.keys(test).join(', ')}).`);
  return metrics.map((metric) => ({ metric, train: train[metric], test: test[metric], percent: (100 * (test[metric] - train[metric])) / train[metric] }));
}

/** Where one trained VAE sits on the r_loss_factor trade-off (notebook 03), measured on test images. */
export interface VaeQuality {
  /** GDL's r_loss: the mean squared error per pixel of the reconstructions, decoding μ (no sampling). */
  rLoss: number;
  /** GDL's vae_kl_loss: the mean KL(N(μ, σ²) ‖ N(0, I)) per image, in nats. */
  vaeKlLoss: number;
  /** Mean σ = exp(log σ² / 2) over images and latent dimensions. */
  meanSigma: number;
  /** Largest |μ_d| over the images. */
  maxAbsMu: number;
  /** Share of the reconstructions that the classifier reads as the image's own label. */
  reconKeepsLabel: number;
  /** Share of the prior draws that fall in a grid cell holding some μ (`coveredFraction`). */
  priorCovered: number;
  /** Share of the decoded prior draws that the classifier reads with p ≥ the threshold. */
  generatedConfident: number;
  /** Total variation between the labels of the decoded prior draws and the labels of the test images (0 = same proportions). */
  generatedTv: number;
}

/** What `vaeQuality` needs of a VAE: its encoder up to [μ, log σ²] and its decoder. */
export interface EncoderDecoder {
  encoderMuLogVar: tf.LayersModel;
  decoder: tf.LayersModel;
}

/**
 * Reconstruction, regularisation and generation of one VAE in plain numbers: the reconstruction
 * error and how often a reconstruction keeps its digit (the r_loss side), the KL, σ and spread of μ
 * (the regularisation side), and what decoding draws of N(0, I) gives (what the trade-off is for).
 * `zPrior` are the draws; `grid` is the grid of `coveredFraction`.
 */
export async function vaeQuality(
  vae: EncoderDecoder,
  x: tf.Tensor4D,
  labels: ArrayLike<number>,
  zPrior: tf.Tensor2D,
  options: { grid?: { bins?: number; box?: [number, number, number, number] }; threshold?: number } = {},
): Promise<VaeQuality> {
  if (labels.length !== x.shape[0]) throw new ShapeError(`vaeQuality: ${x.shape[0]} imagens e ${labels.length} rótulos; esperado o mesmo número.`);
  const [mu, logVar] = vae.encoderMuLogVar.predict(x, { batchSize: 500 }) as tf.Tensor2D[];
  const recon = vae.decoder.predict(mu, { batchSize: 500 }) as tf.Tensor4D;
  const generated = vae.decoder.predict(zPrior, { batchSize: 500 }) as tf.Tensor4D;
  const scalar = (f: () => tf.Tensor) => tf.tidy(() => f().dataSync()[0]);
  const [reconReadings, generatedReadings] = [await classifyDigits(recon), await classifyDigits(generated)];
  const quality: VaeQuality = {
    rLoss: scalar(() => reconstructionError(x, recon).mean()),
    vaeKlLoss: scalar(() => klDivergence(mu, logVar).mean()),
    meanSigma: scalar(() => logVar.div(2).exp().mean()),
    maxAbsMu: scalar(() => mu.abs().max()),
    reconKeepsLabel: reconReadings.filter((r, i) => r.label === labels[i]).length / reconReadings.length,
    priorCovered: coveredFraction(mu, zPrior, options.grid ?? 30),
    generatedConfident: confidentShare(generatedReadings, options.threshold ?? 0.9),
    generatedTv: totalVariation(labelDistribution(generatedReadings), labelDistribution(labels)),
  };
  tf.dispose([mu, logVar, recon, generated]);
  return quality;
}
