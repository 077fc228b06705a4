/** The p-space view: each latent coordinate through the normal CDF Φ, so N(0, 1) becomes uniform on [0, 1]². */
import type { ChartFigure } from './figure';
import { toPoints, type LabelsLike, type PointsLike } from './inputs';
import { scatterChart, type LatentScatterOptions, type ScatterRow } from './latent-scatter';
import { normCdf } from './stats';

/** Scatter of (Φ(z[0]), Φ(z[1])) coloured by label: if q(z) matches the prior, points fill the square evenly. */
export function pSpaceScatter(z: PointsLike, labels?: LabelsLike, opts: LatentScatterOptions = {}): ChartFigure<ScatterRow> {
  const [dx, dy] = opts.dims ?? [0, 1];
  const p = toPoints(z).map((v) => [normCdf(v[dx]), normCdf(v[dy])]);
  const grid = opts.gridPoints ? toPoints(opts.gridPoints).map((v) => [normCdf(v[dx]), normCdf(v[dy])]) : undefined;
  return scatterChart(p, labels, {
    title: 'Espaço p: cada coordenada passada por Φ', xTitle: `Φ(z[${dx}])`, yTitle: `Φ(z[${dy}])`,
    xDomain: [0, 1], yDomain: [0, 1], width: 480, height: 400, ...opts,
  }, grid);
}
