/**
 * Numbers about a latent space, so the notebooks can *measure* what the book shows in pictures:
 * the three problems of the plain autoencoder (section 1), and the VAE diagnostics (notebook 05).
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from './errors';
import { klDivergenceTerms } from './loss';
import { toPoints } from './plots/inputs';
import { Rng } from './train/rng';

type Points = ArrayLike<number>[];

/** Per dimension: min, max, mean and how asymmetric the range is (|max + min| / (max − min)). */
export function latentRanges(z: tf.Tensor2D | Points): { min: number; max: number; mean: number; asymmetry: number }[] {
  const pts = toPoints(z);
  if (!pts.length) throw new ShapeError('Nenhum ponto para medir.');
  return Array.from({ length: pts[0].length }, (_, d) => {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const p of pts) {
      min = Math.min(min, p[d]);
      max = Math.max(max, p[d]);
      sum += p[d];
    }
    return { min, max, mean: sum / pts.length, asymmetry: Math.abs(max + min) / (max - min) };
  });
}

/**
 * Area each label occupies in a 2-D latent space: the area of the ellipse holding ~86% of a
 * normal fitted to its points (2 standard deviations: π · 4 · sqrt(det Σ)).
 */
export function labelAreas(z: tf.Tensor2D | Points, labels: ArrayLike<number>): { label: number; count: number; area: number }[] {
  const pts = toPoints(z);
  const groups = new Map<number, ArrayLike<number>[]>();
  pts.forEach((p, i) => (groups.get(labels[i]) ?? groups.set(labels[i], []).get(labels[i])!).push(p));
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([label, ps]) => {
      const mx = ps.reduce((a, p) => a + p[0], 0) / ps.length;
      const my = ps.reduce((a, p) => a + p[1], 0) / ps.length;
      let sxx = 0;
      let syy = 0;
      let sxy = 0;
      for (const p of ps) {
        sxx += (p[0] - mx) ** 2;
        syy += (p[1] - my) ** 2;
        sxy += (p[0] - mx) * (p[1] - my);
      }
      const n = Math.max(ps.length - 1, 1);
      const det = (sxx / n) * (syy / n) - (sxy / n) ** 2;
      return { label, count: ps.length, area: Math.PI * 4 * Math.sqrt(Math.max(det, 0)) };
    });
}

/** A bins×bins grid over the bounding box of 2-D points: which cells hold no point. */
export function emptyCells(z: tf.Tensor2D | Points, bins = 30): { fraction: number; centres: [number, number][]; box: [number, number, number, number] } {
  const pts = toPoints(z);
  const [rx, ry] = latentRanges(pts);
  const counts = new Uint32Array(bins * bins);
  const cell = (v: number, r: { min: number; max: number }) => Math.min(bins - 1, Math.floor(((v - r.min) / (r.max - r.min)) * bins));
  for (const p of pts) counts[cell(p[1], ry) * bins + cell(p[0], rx)]++;
  const centres: [number, number][] = [];
  counts.forEach((c, k) => {
    if (c === 0) {
      const i = k % bins;
      const j = Math.floor(k / bins);
      centres.push([rx.min + ((i + 0.5) * (rx.max - rx.min)) / bins, ry.min + ((j + 0.5) * (ry.max - ry.min)) / bins]);
    }
  });
  return { fraction: centres.length / (bins * bins), centres, box: [rx.min, rx.max, ry.min, ry.max] };
}

/** Mean KL(N(μ_d, σ_d²) ‖ N(0, 1)) of each latent dimension d over a set of encodings. */
export function klPerDimension(mu: tf.Tensor2D, logVar: tf.Tensor2D): number[] {
  return tf.tidy(() => klDivergenceTerms(mu, logVar).mean(0).arraySync() as number[]);
}

/**
 * Monte-Carlo estimate of KL(N(μ, σ²) ‖ N(0, 1)) for one dimension, E_q[log q(z) − log p(z)],
 * with `samples` draws z = μ + σ·ε — to check the closed form (`klNormal`) numerically.
 */
export function klMonteCarlo(mu: number, sigma: number, samples = 100_000, seed = 1): number {
  return tf.tidy(() => {
    const eps = tf.randomNormal([samples], 0, 1, 'float32', seed);
    const z = eps.mul(sigma).add(mu);
    // log q(z) − log p(z) = −log σ − ε²/2 + z²/2   (the √(2π) terms cancel)
    return eps.square().mul(-0.5).add(z.square().mul(0.5)).sub(Math.log(sigma)).mean().arraySync() as number;
  });
}

/** Cell (column i, row j) of the bins×bins grid over `box` holding point p, or null when p is outside the box. */
function cellOf(p: ArrayLike<number>, box: [number, number, number, number], bins: number): [number, number] | null {
  const [x0, x1, y0, y1] = box;
  if (!(p[0] >= x0 && p[0] <= x1 && p[1] >= y0 && p[1] <= y1)) return null;
  const index = (v: number, lo: number, hi: number) => (hi > lo ? Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins)) : 0);
  return [index(p[0], x0, x1), index(p[1], y0, y1)];
}

/**
 * `n` random points of the empty regions (notebook 01): each picks an empty cell of `emptyCells(z, bins)`
 * at random and a uniform position inside it — where a decoder has never seen an encoding.
 */
export function emptyRegionPoints(z: tf.Tensor2D | Points, n: number, options: { bins?: number; seed?: number } = {}): [number, number][] {
  const { bins = 30, seed = 1 } = options;
  const { centres, box } = emptyCells(z, bins);
  if (!centres.length) throw new ShapeError(`Nenhuma célula vazia numa grade ${bins}×${bins}: não há região vazia para amostrar.`);
  const [w, h] = [(box[1] - box[0]) / bins, (box[3] - box[2]) / bins];
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const [cx, cy] = centres[Math.floor(rng.next() * centres.length)];
    return [cx + (rng.next() - 0.5) * w, cy + (rng.next() - 0.5) * h] as [number, number];
  });
}

/**
 * Fraction of `queries` that land on a cell holding at least one point of `z`, on a bins×bins grid
 * (outside the grid counts as empty). With queries ~ N(0, I): how much of what we would sample to
 * generate falls where the decoder was trained (notebook 03's "completude").
 *
 * The grid covers z's bounding box by default. To compare two latent spaces, pass the same fixed
 * `box` for both (e.g. [−3, 3]², where N(0, I) puts 99.5% of its mass): over each model's own box the
 * cells of a widely spread space are larger, and coarse cells count as covered too easily.
 */
export function coveredFraction(
  z: tf.Tensor2D | Points,
  queries: tf.Tensor2D | Points,
  grid: number | { bins?: number; box?: [number, number, number, number] } = 30,
): number {
  const { bins = 30, box: fixedBox }: { bins?: number; box?: [number, number, number, number] } = typeof grid === 'number' ? { bins: grid } : grid;
  const pts = toPoints(z);
  const qs = toPoints(queries);
  if (!pts.length || !qs.length) throw new ShapeError(`Pontos insuficientes: ${pts.length} pontos e ${qs.length} consultas.`);
  if (fixedBox && !(fixedBox[1] > fixedBox[0] && fixedBox[3] > fixedBox[2])) {
    throw new ShapeError(`A caixa [${fixedBox.join(', ')}] precisa ser [xmin, xmax, ymin, ymax] com xmin < xmax e ymin < ymax.`);
  }
  const [rx, ry] = latentRanges(pts);
  const box: [number, number, number, number] = fixedBox ?? [rx.min, rx.max, ry.min, ry.max];
  const occupied = new Uint8Array(bins * bins);
  for (const p of pts) {
    const c = cellOf(p, box, bins);
    if (c) occupied[c[1] * bins + c[0]] = 1;
  }
  const hits = qs.filter((q) => {
    const c = cellOf(q, box, bins);
    return c !== null && occupied[c[1] * bins + c[0]] === 1;
  }).length;
  return hits / qs.length;
}

/** The label of the nearest point of `z` to each query (Euclidean, all coordinates): which digit's region a latent point lies in. */
export function nearestLabels(z: tf.Tensor2D | Points, labels: ArrayLike<number>, queries: tf.Tensor2D | Points): number[] {
  const pts = toPoints(z);
  const qs = toPoints(queries);
  if (pts.length !== labels.length) throw new ShapeError(`${pts.length} pontos e ${labels.length} rótulos: as quantidades precisam ser iguais.`);
  if (!pts.length || !qs.length) throw new ShapeError(`Pontos insuficientes: ${pts.length} pontos e ${qs.length} consultas.`);
  if (qs.some((q) => q.length !== pts[0].length)) throw new ShapeError(`Os pontos têm ${pts[0].length} coordenadas; uma consulta tem outra quantidade.`);
  const out: number[] = [];
  const zt = tf.tensor2d(pts);
  const chunk = 1000;
  for (let i = 0; i < qs.length; i += chunk) {
    // argmin_j |q − z_j|² = argmin_j (|z_j|² − 2 q·z_j): |q|² is the same for every j
    const nearest = tf.tidy(() => zt.square().sum(1).sub(tf.matMul(tf.tensor2d(qs.slice(i, i + chunk)), zt, false, true).mul(2)).argMin(1).dataSync());
    for (const j of nearest) out.push(labels[j]);
  }
  zt.dispose();
  return out;
}

/**
 * For each label, the fraction of `queries` whose nearest point of `z` carries that label. With
 * queries ~ N(0, I): which digits a generator that samples N(0, I) would produce, by proximity. A
 * latent space fit for sampling gives every digit about its share of the data; a space where some
 * digits lie far outside N(0, I)'s mass gives them (almost) nothing. Uses the first two coordinates.
 */
export function nearestLabelShares(z: tf.Tensor2D | Points, labels: ArrayLike<number>, queries: tf.Tensor2D | Points): number[] {
  const plane = (p: ArrayLike<number>) => [p[0], p[1]];
  const pts = toPoints(z).map(plane);
  const found = nearestLabels(pts, labels, toPoints(queries).map(plane));
  const counts = new Array<number>(Math.max(...Array.from(labels)) + 1).fill(0);
  for (const label of found) counts[label]++;
  return counts.map((c) => c / found.length);
}

/**
 * How much each image of a strip differs from the one before it: the mean absolute pixel change
 * (0 … 1) between images k − 1 and k of `images` ([n, h, w, c]), n − 1 values. Along an interpolation
 * it measures continuity: small, even steps mean nearby latent points decode to similar images.
 */
export function consecutiveChanges(images: tf.Tensor4D): number[] {
  const n = images.shape[0];
  if (n < 2) throw new ShapeError(`consecutiveChanges precisa de pelo menos 2 imagens; recebi ${n}.`);
  return Array.from(tf.tidy(() => {
    const [before, after] = [images.slice(0, n - 1), images.slice(1, n - 1)];
    return tf.abs(after.sub(before)).mean([1, 2, 3]).dataSync();
  }));
}
