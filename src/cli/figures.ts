#!/usr/bin/env node
/**
 * `npm run figures`: rebuilds the seven pictures of the source notebook in img/ from the saved
 * runs (plain AE, VAE, VAE without KL) and from the maths — nothing is copied from the book.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { reportError, runIfMain } from './run';
import { initBackend } from '../backend';
import { loadMnist, type Dataset } from '../data';
import { ConfigError } from '../errors';
import { Autoencoder } from '../model/autoencoder';
import { VariationalAutoencoder } from '../model/vae';
import { composeFigures } from '../plots/compose';
import { writeGif } from '../plots/gif';
import { interpolation } from '../plots/interpolation';
import { klSurface } from '../plots/kl-surface';
import { latentDistributions } from '../plots/latent-distributions';
import { latentScatter } from '../plots/latent-scatter';
import { normalDensity1d, normalDensity2d } from '../plots/normal-density';
import { samplingFrames } from '../plots/sampling-animation';
import { listCheckpoints } from '../train/checkpoint';

/** Where the saved runs are, relative to the project (the commands that produce them are in the README). */
export const RUNS = {
  ae: path.join('run', 'ae', '0001_digits'),
  vae: path.join('run', 'vae', '0002_digits'),
  noKl: path.join('run', 'vae', '0003_digits_sem_kl'),
};

export const FIGURES = ['AE_Problem.jpg', 'NormalDistrib.jpg', 'VariationalDistri.jpg', 'car_colors.gif', 'KLLoss.png', 'WithoutWithReg.png', 'MorphGrad.png'] as const;

/** Test images shown in the latent-space figures (the GDL analysis notebook uses 5,000). */
const N_TO_SHOW = 5000;

function requireRun(folder: string, command: string): void {
  if (!existsSync(path.join(folder, 'params.json'))) {
    throw new ConfigError(`Falta a execução ${folder} (params.json). Gere-a com: ${command}`);
  }
}

/** μ of the first n test images (encoded in batches). */
function encodeMu(model: VariationalAutoencoder | Autoencoder, x: tf.Tensor4D, n: number): tf.Tensor2D {
  return tf.tidy(() => {
    const xs = x.slice([0, 0, 0, 0], [n, -1, -1, -1]);
    if (model instanceof VariationalAutoencoder) return (model.encoderMuLogVar.predict(xs, { batchSize: 500 }) as tf.Tensor2D[])[0];
    return model.encoder.predict(xs, { batchSize: 500 }) as tf.Tensor2D;
  });
}

/** Index of the first test image with each label in `wanted`. */
function firstOf(labels: Int32Array, wanted: number[]): number[] {
  return wanted.map((d) => labels.indexOf(d));
}

/** Builds every figure into `outDir`. Returns the files written. */
export async function buildFigures(outDir: string, data: Dataset, only?: string[]): Promise<string[]> {
  const want = (name: string) => !only || only.includes(name);
  const written: string[] = [];
  const out = (name: string) => path.join(outDir, name);
  const yTest = data.yTest.dataSync() as Int32Array;
  const labels = Array.from(yTest.subarray(0, N_TO_SHOW));

  if (want('AE_Problem.jpg')) {
    requireRun(RUNS.ae, `npm run train -- --model ae --epochs 20 --seed 1 --run-folder ${RUNS.ae}`);
    const ae = await Autoencoder.load(RUNS.ae);
    const z = encodeMu(ae, data.xTest, N_TO_SHOW);
    const fig = latentScatter(z, labels, { title: 'Autoencoder simples: espaço latente de 5.000 dígitos de teste', width: 620, height: 520 });
    written.push(await fig.save(out('AE_Problem.jpg')));
    tf.dispose(z);
    ae.dispose();
  }
  if (want('NormalDistrib.jpg')) {
    const oneD = normalDensity1d([{ mu: 0, sigma: 1 }, { mu: 0, sigma: 0.5 }, { mu: 1.5, sigma: 1 }, { mu: -2, sigma: 0.7 }], { title: 'Normal em 1 dimensão: N(μ, σ²)', width: 480, height: 360 });
    const twoD = normalDensity2d({ mu: [0, 0], sigma: [1, 0.5] }, { title: 'Normal em 2 dimensões: μ = (0, 0), σ = (1, 0.5)', width: 420, height: 360 });
    written.push(await (await composeFigures([oneD, twoD])).save(out('NormalDistrib.jpg')));
  }
  let vae: VariationalAutoencoder | null = null;
  const needVae = ['VariationalDistri.jpg', 'WithoutWithReg.png', 'MorphGrad.png'].some(want);
  if (needVae) {
    requireRun(RUNS.vae, `npm run train -- --seed 1 --run-folder ${RUNS.vae}`);
    vae = await VariationalAutoencoder.load(RUNS.vae);
  }
  if (want('VariationalDistri.jpg') && vae) {
    const picks = firstOf(yTest, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [mu, logVar] = tf.tidy(() => vae!.encoderMuLogVar.predict(tf.gather(data.xTest, picks)) as tf.Tensor2D[]);
    const background = encodeMu(vae, data.xTest, 2000);
    const fig = latentDistributions(mu, logVar, picks.map((i) => yTest[i]), { background, title: 'VAE: cada dígito vira uma distribuição N(μ, σ²)', width: 600, height: 500 });
    written.push(await fig.save(out('VariationalDistri.jpg')));
    tf.dispose([mu, logVar, background]);
  }
  if (want('car_colors.gif')) {
    const { frames } = samplingFrames(undefined, { samples: 60, seed: 1 });
    written.push(await writeGif(frames, out('car_colors.gif'), { delayMs: 400 }));
  }
  if (want('KLLoss.png')) {
    const fig = klSurface({ muRange: [-3, 3], sigmaRange: [0.2, 3] }, { title: 'KL(N(μ, σ²) ‖ N(0, 1)) = ½(μ² + σ² − 1 − ln σ²)', width: 560, height: 420 });
    written.push(await fig.save(out('KLLoss.png')));
  }
  if ((want('WithoutWithReg.png') || want('MorphGrad.png')) && vae) {
    requireRun(RUNS.noKl, `npm run train -- --kl-weight 0 --epochs 20 --seed 1 --run-folder ${RUNS.noKl}`);
    const noKl = await VariationalAutoencoder.load(RUNS.noKl);
    const epochs = (await listCheckpoints(path.join(RUNS.noKl, 'weights')))[0]?.info.epoch;
    const vaeSameEpochs = await VariationalAutoencoder.load(RUNS.vae, { epoch: epochs });
    if (want('WithoutWithReg.png')) {
      const zNo = encodeMu(noKl, data.xTest, N_TO_SHOW);
      const zYes = encodeMu(vaeSameEpochs, data.xTest, N_TO_SHOW);
      const size = { width: 500, height: 440 };
      const fig = await composeFigures([
        latentScatter(zNo, labels, { title: `Sem regularização (só r_loss), ${epochs} épocas`, ...size }),
        latentScatter(zYes, labels, { title: `Com a divergência KL, ${epochs} épocas`, ...size }),
      ]);
      written.push(await fig.save(out('WithoutWithReg.png')));
      tf.dispose([zNo, zYes]);
    }
    if (want('MorphGrad.png')) {
      const [a, b] = firstOf(yTest, [1, 0]);
      const ends = (m: VariationalAutoencoder) => tf.tidy(() => (m.encoderMuLogVar.predict(tf.gather(data.xTest, [a, b])) as tf.Tensor2D[])[0].arraySync());
      const [zA, zB] = ends(vaeSameEpochs);
      const [nA, nB] = ends(noKl);
      const fig = await composeFigures(
        [
          interpolation(vaeSameEpochs.decoder, zA, zB, 10, { title: `Com a divergência KL (${epochs} épocas): de um 1 a um 0 em linha reta no espaço latente` }),
          interpolation(noKl.decoder, nA, nB, 10, { title: `Sem regularização (${epochs} épocas): os mesmos dois dígitos` }),
        ],
        { direction: 'column', gap: 12 },
      );
      written.push(await fig.save(out('MorphGrad.png')));
    }
    noKl.dispose();
    vaeSameEpochs.dispose();
  }
  vae?.dispose();
  return written;
}

/** CLI entry: returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const { values } = parseArgs({ args: argv, options: { out: { type: 'string' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
    if (values.help) {
      console.log(`Uso: npm run figures -- [--out img] [--only ${FIGURES.join(',')}]\nRegera as figuras do notebook a partir das execuções em run/.`);
      return 0;
    }
    const only = values.only?.split(',').map((s) => s.trim());
    const unknown = only?.filter((o) => !(FIGURES as readonly string[]).includes(o));
    if (unknown?.length) throw new ConfigError(`--only: figura(s) desconhecida(s): ${unknown.join(', ')}. Opções: ${FIGURES.join(', ')}.`);
    await initBackend();
    const data = await loadMnist({ quiet: true });
    const files = await buildFigures(values.out ?? 'img', data, only);
    for (const f of files) console.log(`figura gravada: ${path.relative(process.cwd(), f)}`);
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

runIfMain(module, main);
