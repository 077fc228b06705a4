/**
 * The latent space with some points marked on top and named (notebooks 01–02): random picks in the
 * box, points of the empty regions, samples z = μ + σ·ε of one image's distribution.
 */
import { ChartFigure, type ChartSpec } from './figure';
import { countOf, toPoints, type LabelsLike, type PointsLike } from './inputs';
import { latentScatter, type LatentScatterOptions, type ScatterRow } from './latent-scatter';

/** Options of `latentPoints`: all of `latentScatter`'s (but `gridPoints`) and the name of the marks. */
export interface LatentPointsOptions extends Omit<LatentScatterOptions, 'gridPoints'> {
  /** What the crosses are, for the subtitle "+ = N <pointsLabel>" (plural). Default "pontos marcados". */
  pointsLabel?: string;
}

/** `latentScatter(z, labels)` with `points` drawn as black crosses, named in the subtitle. */
export function latentPoints(
  z: PointsLike, labels: LabelsLike | undefined, points: PointsLike, opts: LatentPointsOptions = {},
): ChartFigure<ScatterRow> {
  const { pointsLabel = 'pontos marcados', ...rest } = opts;
  const marks = toPoints(points);
  const base = latentScatter(z, labels, { ...rest, gridPoints: marks });
  const spec = base.spec as unknown as ChartSpec & { title: { text: string } };
  return new ChartFigure(
    { ...spec, title: { text: spec.title.text, subtitle: `+ = ${marks.length} ${pointsLabel}` } },
    base.data,
    `Dispersão de ${countOf(base.data.length, 'ponto', 'pontos')}; + = ${marks.length} ${pointsLabel}`,
  );
}
