/**
 * The seven pictures of the source notebook, one function each, rebuilt from the saved runs and from
 * the maths (nothing is copied from the book). `npm run figures` saves them into img/; the notebooks
 * call the same functions to show them.
 */
import * as tf from '@tensorflow/tfjs';
import type { Canvas } from 'canvas';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Dataset } from './data';
import { ConfigError } from './errors';
import { runPaths } from './io/run-folder';
import type { AnyAutoencoder } from './model/factory';
import { Autoencoder } from './model/autoencoder';
import { VariationalAutoencoder } from './model/vae';
import { composeFigures } from './plots/compose';
import type { CanvasFigure, ChartFigure } from './plots/figure';
import { writeGif } from './plots/gif';
import { formatPoint } from './plots/inputs';
import { interpolation } from './plots/interpolation';
import { klSurface } from './plots/kl-surface';
import { latentDistributions, type EllipseRow } from './plots/latent-distributions';
import { latentScatter, sharedLatentDomain, type ScatterRow } from './plots/latent-scatter';
import { normalDensity1d, normalDensity2d, type HeatmapRow } from './plots/normal-density';
import { samplingFrames } from './plots/sampling-animation';
import { formatPt } from './text';
import { listCheckpoints } from './train/checkpoint';

/** The saved runs behind the figures and notebook 03's trade-off (the commands that produce them are in the README). */
export const RUNS = {
  ae: path.join('run', 'ae', '0001_digits'),
  vae: path.join('run', 'vae', '0002_digits'),
  noKl: path.join('run', 'vae', '0003_digits_sem_kl'),
  /** The same VAE with r_loss_factor 100: the small end of notebook 03's trade-off. */
  smallR: path.join('run', 'tradeoff', '0001_digits_r100'),
};

export const FIGURES = ['AE_Problem.jpg', 'NormalDistrib.jpg', 'VariationalDistri.jpg', 'car_colors.gif', 'KLLoss.png', 'WithoutWithReg.png', 'MorphGrad.png'] as const;
export type FigureName = (typeof FIGURES)[number];

/** Test images shown in the latent-space figures (the GDL analysis notebook uses 5,000). */
export const N_TO_SHOW = 5000;

/** μ of the images (the encoder's mean; for the plain AE, its point z), in batches. */
export function encodeMu(model: AnyAutoencoder, x: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    if (model.kind === 'vae') return (model.encoderMuLogVar.predict(x, { batchSize: 500 }) as tf.Tensor2D[])[0];
    return model.encoder.predict(x, { batchSize: 500 }) as tf.Tensor2D;
  });
}

/** Index of the first image with each label in `wanted`. */
function firstOf(labels: ArrayLike<number>, wanted: number[]): number[] {
  const all = Array.from(labels);
  return wanted.map((d) => all.indexOf(d));
}

/** AE_Problem.jpg: the plain autoencoder's latent space of the test digits `x`. */
export function aeProblemFigure(ae: Autoencoder, x: tf.Tensor4D, labels: ArrayLike<number>): ChartFigure<ScatterRow> {
  const z = encodeMu(ae, x);
  const fig = latentScatter(z, Array.from(labels), { title: `Autoencoder simples: espaço latente de ${formatPt(x.shape[0])} dígitos de teste`, width: 620, height: 520 });
  z.dispose();
  return fig;
}

/** NormalDistrib.jpg: normal densities in one and two dimensions. */
export function normalDistribFigure(): Promise<CanvasFigure> {
  const oneD = normalDensity1d([{ mu: 0, sigma: 1 }, { mu: 0, sigma: 0.5 }, { mu: 1.5, sigma: 1 }, { mu: -2, sigma: 0.7 }], { title: 'Normal em 1 dimensão: N(μ, σ²)', width: 480, height: 360 });
  const twoD = normalDensity2d({ mu: [0, 0], sigma: [1, 0.5] }, { title: 'Normal em 2 dimensões: μ = (0; 0), σ = (1; 0,5)', width: 420, height: 360 });
  return composeFigures([oneD, twoD]);
}

/** VariationalDistri.jpg: the first test digit of each class as N(μ, σ²), over the μ of the images `background`. */
export function variationalDistriFigure(vae: VariationalAutoencoder, xTest: tf.Tensor4D, labels: ArrayLike<number>, background: tf.Tensor4D): ChartFigure<EllipseRow> {
  const picks = firstOf(labels, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const [mu, logVar] = tf.tidy(() => vae.encoderMuLogVar.predict(tf.gather(xTest, picks)) as tf.Tensor2D[]);
  const cloud = encodeMu(vae, background);
  const fig = latentDistributions(mu, logVar, picks.map((i) => labels[i]), { background: cloud, title: 'VAE: cada dígito vira uma distribuição N(μ, σ²)', width: 600, height: 500 });
  tf.dispose([mu, logVar, cloud]);
  return fig;
}

/** car_colors.gif: drawing car colours from a categorical distribution, one frame per car. */
export function carColorsFrames(samples = 60, seed = 1): Canvas[] {
  return samplingFrames(undefined, { samples, seed }).frames;
}

/** KLLoss.png: KL(N(μ, σ²) ‖ N(0, 1)) over μ and σ. */
export function klLossFigure(): ChartFigure<HeatmapRow> {
  return klSurface({ muRange: [-3, 3], sigmaRange: [0.2, 3] }, { title: 'KL(N(μ, σ²) ‖ N(0, 1)) = ½(μ² + σ² − 1 − ln σ²)', width: 560, height: 420 });
}

/** WithoutWithReg.png: the latent space of the same network trained without and with the KL term, `epochs` each, on shared axes. */
export function withoutWithRegFigure(noKl: VariationalAutoencoder, vae: VariationalAutoencoder, x: tf.Tensor4D, labels: ArrayLike<number>, epochs: number): Promise<CanvasFigure> {
  const [zNo, zYes] = [encodeMu(noKl, x), encodeMu(vae, x)];
  const domain = sharedLatentDomain([zNo, zYes]);
  const opts = { width: 500, height: 440, xDomain: domain, yDomain: domain };
  const figs = [
    latentScatter(zNo, Array.from(labels), { title: `Sem regularização (só vae_r_loss), ${epochs} épocas`, ...opts }),
    latentScatter(zYes, Array.from(labels), { title: `Com a divergência KL (vae_r_loss + vae_kl_loss), ${epochs} épocas`, ...opts }),
  ];
  tf.dispose([zNo, zYes]);
  return composeFigures(figs);
}

/** μ of the first test 1 and the first test 0: the two ends of the book's MorphGrad interpolation. */
export function morphEnds(model: VariationalAutoencoder, xTest: tf.Tensor4D, labels: ArrayLike<number>): [number[], number[]] {
  const picks = firstOf(labels, [1, 0]);
  return tf.tidy(() => (model.encoderMuLogVar.predict(tf.gather(xTest, picks)) as tf.Tensor2D[])[0].arraySync() as [number[], number[]]);
}

/** MorphGrad.png: a straight line in latent space from the first test 1 to the first test 0, with and without KL; the titles give the ends and their distance. */
export function morphGradFigure(vae: VariationalAutoencoder, noKl: VariationalAutoencoder, xTest: tf.Tensor4D, labels: ArrayLike<number>, epochs: number, steps = 10): Promise<CanvasFigure> {
  const strip = (model: VariationalAutoencoder, name: string) => {
    const [a, b] = morphEnds(model, xTest, labels);
    const distance = Math.hypot(...a.map((ak, k) => b[k] - ak));
    return interpolation(model.decoder, a, b, steps, {
      title: `${name} (${epochs} épocas): de um 1 em ${formatPoint(a, 1)} a um 0 em ${formatPoint(b, 1)}, distância ${formatPt(distance, 1)}`,
    });
  };
  return composeFigures([strip(vae, 'Com a divergência KL'), strip(noKl, 'Sem regularização')], { direction: 'column', gap: 12 });
}

function requireRun(folder: string, command: string): void {
  if (!existsSync(runPaths(folder).params)) throw new ConfigError(`Falta a execução ${folder} (params.json). Gere-a com: ${command}`);
}

/** Epochs of the run without KL (the VAE is compared at the same epoch). */
async function epochsOf(folder: string): Promise<number> {
  const latest = (await listCheckpoints(runPaths(folder).weights))[0];
  if (!latest) throw new ConfigError(`${folder} não tem checkpoint.`);
  return latest.info.epoch;
}

/** Builds every figure (or those in `only`) from the saved runs into `outDir`. Returns the files written. */
export async function buildFigures(outDir: string, data: Dataset, only?: readonly string[]): Promise<string[]> {
  const want = (name: FigureName) => !only || only.includes(name);
  const written: string[] = [];
  const out = (name: FigureName) => path.join(outDir, name);
  const labels = data.yTest.dataSync() as Int32Array;
  const xShow = data.xTest.slice(0, N_TO_SHOW);
  const showLabels = labels.subarray(0, N_TO_SHOW);
  try {
    if (want('AE_Problem.jpg')) {
      requireRun(RUNS.ae, `npm run train -- --model ae --epochs 20 --seed 1 --run-folder ${RUNS.ae}`);
      const ae = await Autoencoder.load(RUNS.ae);
      written.push(await aeProblemFigure(ae, xShow, showLabels).save(out('AE_Problem.jpg')));
      ae.dispose();
    }
    if (want('NormalDistrib.jpg')) written.push(await (await normalDistribFigure()).save(out('NormalDistrib.jpg')));
    if (want('VariationalDistri.jpg')) {
      requireRun(RUNS.vae, `npm run train -- --seed 1 --run-folder ${RUNS.vae}`);
      const vae = await VariationalAutoencoder.load(RUNS.vae);
      const background = data.xTest.slice(0, 2000);
      written.push(await variationalDistriFigure(vae, data.xTest, labels, background).save(out('VariationalDistri.jpg')));
      tf.dispose(background);
      vae.dispose();
    }
    if (want('car_colors.gif')) written.push(await writeGif(carColorsFrames(), out('car_colors.gif'), { delayMs: 400 }));
    if (want('KLLoss.png')) written.push(await klLossFigure().save(out('KLLoss.png')));
    if (want('WithoutWithReg.png') || want('MorphGrad.png')) {
      requireRun(RUNS.vae, `npm run train -- --seed 1 --run-folder ${RUNS.vae}`);
      requireRun(RUNS.noKl, `npm run train -- --kl-weight 0 --epochs 20 --seed 1 --run-folder ${RUNS.noKl}`);
      const noKl = await VariationalAutoencoder.load(RUNS.noKl);
      const epochs = await epochsOf(RUNS.noKl);
      const vae = await VariationalAutoencoder.load(RUNS.vae, { epoch: epochs });
      if (want('WithoutWithReg.png')) written.push(await (await withoutWithRegFigure(noKl, vae, xShow, showLabels, epochs)).save(out('WithoutWithReg.png')));
      if (want('MorphGrad.png')) written.push(await (await morphGradFigure(vae, noKl, data.xTest, labels, epochs)).save(out('MorphGrad.png')));
      noKl.dispose();
      vae.dispose();
    }
  } finally {
    xShow.dispose();
  }
  return written;
}
