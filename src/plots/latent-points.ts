/**
 * The latent space with some points marked on top and named (notebooks 01–02, 05): random picks
 * in the box, points of the empty regions, samples z = μ + σ·ε of one image's distribution.
 */
import type { ChartFigure } from './figure';
import type { LabelsLike, PointsLike } from './inputs';
import { latentScatter, type LatentScatterOptions, type ScatterRow } from './latent-scatter';

/** Options of `latentPoints`: all of `latentScatter`'s but `gridPoints` (default label "pontos marcados"). */
export type LatentPointsOptions = Omit<LatentScatterOptions, 'gridPoints'>;

/** `latentScatter(z, labels)` with `points` drawn as black crosses, named in the subtitle. */
export function latentPoints(z: PointsLike, labels: LabelsLike | undefined, points: PointsLike, opts: LatentPointsOptions = {}): ChartFigure<ScatterRow> {
  return latentScatter(z, labels, { pointsLabel: 'pontos marcados', ...opts, gridPoints: points });
}
