/**
 * The shape of a 2-D latent cloud, for notebook 01's sentences about it: per-axis moments (is it
 * centred, spread like N(0, 1), skewed?), its convex hull, and where other points lie relative to it
 * (near a test point? inside the hull? beyond the radius holding 95% of the points?), and the naive
 * generator that draws uniformly in the cloud's bounding box.
 */
import * as tf from '@tensorflow/tfjs';
import { latentRanges } from './analysis';
import { ShapeError } from './errors';
import { toPoints } from './plots/inputs';

type Points = ArrayLike<number>[];

/**
 * Per dimension: mean, standard deviation, skewness E[(z − μ)³] / σ³ and excess kurtosis
 * E[(z − μ)⁴] / σ⁴ − 3 (population moments; both 0 for a normal, skewness 0 for any symmetric
 * distribution, kurtosis > 0 when the mass sits in the peak and the tails more than a normal's).
 */
export function latentMoments(z: tf.Tensor2D | Points): { mean: number; std: number; skewness: number; excessKurtosis: number }[] {
  const pts = toPoints(z);
  if (!pts.length) throw new ShapeError('latentMoments: nenhum ponto para medir.');
  return Array.from({ length: pts[0].length }, (_, d) => {
    const mean = pts.reduce((a, p) => a + p[d], 0) / pts.length;
    const m2 = pts.reduce((a, p) => a + (p[d] - mean) ** 2, 0) / pts.length;
    const m3 = pts.reduce((a, p) => a + (p[d] - mean) ** 3, 0) / pts.length;
    const m4 = pts.reduce((a, p) => a + (p[d] - mean) ** 4, 0) / pts.length;
    return { mean, std: Math.sqrt(m2), skewness: m2 > 0 ? m3 / m2 ** 1.5 : 0, excessKurtosis: m2 > 0 ? m4 / (m2 * m2) - 3 : 0 };
  });
}

/** Cross product (a − o) × (b − o): > 0 when o → a → b turns counter-clockwise. */
const cross = (o: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);

/** Convex hull of 2-D points, counter-clockwise, without collinear points (Andrew's monotone chain). */
export function convexHull(z: tf.Tensor2D | Points): [number, number][] {
  const pts = toPoints(z).map((p) => [p[0], p[1]] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length < 3) return pts;
  const half = (ordered: [number, number][]) => {
    const chain: [number, number][] = [];
    for (const p of ordered) {
      while (chain.length >= 2 && cross(chain[chain.length - 2], chain[chain.length - 1], p) <= 0) chain.pop();
      chain.push(p);
    }
    return chain.slice(0, -1); // the last point starts the other half
  };
  return [...half(pts), ...half([...pts].reverse())];
}

/** Is p inside (or on the edge of) a counter-clockwise convex polygon such as `convexHull` returns? */
export function insideConvexHull(hull: readonly ArrayLike<number>[], p: ArrayLike<number>): boolean {
  if (hull.length < 3) return false;
  return hull.every((a, i) => cross(a, hull[(i + 1) % hull.length], p) >= 0);
}

/** Where a query point lies relative to a cloud (see `locateInCloud`). */
export interface CloudLocation {
  /** Euclidean distance to the nearest point of the cloud. */
  nearest: number;
  /** Index of that point in the cloud (e.g. to read its label). */
  nearestIndex: number;
  /** Inside the cloud's convex hull. */
  insideHull: boolean;
  /** Distance to the cloud's mean over the radius that holds `quantile` of the cloud's points: > 1 is beyond it. */
  radiusRatio: number;
  /** insideHull and radiusRatio ≤ 1: a hole among the points, not their edge (the periphery). */
  interior: boolean;
}

/**
 * For each query (notebook 01: points of the empty regions, cells of a decoded grid): its nearest
 * cloud point, whether it is inside the cloud's convex hull, and its distance from the cloud's mean in
 * units of the radius holding `quantile` (default 0.95) of the cloud.
 */
export function locateInCloud(z: tf.Tensor2D | Points, queries: tf.Tensor2D | Points, options: { quantile?: number } = {}): CloudLocation[] {
  const { quantile = 0.95 } = options;
  const pts = toPoints(z);
  const qs = toPoints(queries);
  if (pts.length < 3) throw new ShapeError(`locateInCloud: a nuvem precisa de pelo menos 3 pontos; recebeu ${pts.length}.`);
  if (!(quantile > 0 && quantile <= 1)) throw new ShapeError(`locateInCloud: quantile deve estar em (0, 1]; recebido ${quantile}.`);
  const mean = [0, 1].map((d) => pts.reduce((a, p) => a + p[d], 0) / pts.length);
  const radius = (p: ArrayLike<number>) => Math.hypot(p[0] - mean[0], p[1] - mean[1]);
  const radii = pts.map(radius).sort((a, b) => a - b);
  const rq = radii[Math.min(radii.length - 1, Math.ceil(quantile * radii.length) - 1)]; // smallest r with ≥ quantile of the points within it
  const hull = convexHull(pts);
  return qs.map((q) => {
    let nearest = Infinity;
    let nearestIndex = -1;
    pts.forEach((p, j) => {
      const d = Math.hypot(p[0] - q[0], p[1] - q[1]);
      if (d < nearest) [nearest, nearestIndex] = [d, j];
    });
    const insideHull = insideConvexHull(hull, q);
    const radiusRatio = radius(q) / rq;
    return { nearest, nearestIndex, insideHull, radiusRatio, interior: insideHull && radiusRatio <= 1 };
  });
}

/** `n` points drawn uniformly in the bounding box of the 2-D cloud `z`, seeded (notebook 01's naive generator). */
export function uniformBoxPoints(z: tf.Tensor2D | Points, n: number, seed: number): tf.Tensor2D {
  const [rx, ry] = latentRanges(z);
  // z = min + u · (max − min), u ~ U(0, 1) per axis
  return tf.tidy(() => tf.randomUniform([n, 2], 0, 1, 'float32', seed).mul([rx.max - rx.min, ry.max - ry.min]).add([rx.min, ry.min]) as tf.Tensor2D);
}
