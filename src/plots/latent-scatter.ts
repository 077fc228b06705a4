/** The latent space as a scatter plot coloured by digit (notebook 03's "latent space" figure). */
import * as tf from '@tensorflow/tfjs';
import { ChartFigure } from './figure';
import { formatPt } from '../text';
import { countOf, toLabels, toPoints, type LabelsLike, type PointsLike } from './inputs';
import { ShapeError } from '../errors';

/** Options of `latentScatter` (and `pSpaceScatter`). */
export interface LatentScatterOptions {
  /** Title. Default "Espaço latente". */
  title?: string;
  /** Whole image width in CSS pixels (legend included). Default 480. */
  width?: number;
  /** Whole image height in CSS pixels. Default 400. */
  height?: number;
  /** Which latent dimensions go on x and y. Default [0, 1]. */
  dims?: [number, number];
  /** Fixed x range (e.g. the same in every epoch of an animation). Default: fitted to the data. */
  xDomain?: [number, number];
  /** Fixed y range. Default: fitted to the data. */
  yDomain?: [number, number];
  /** Extra points drawn on top as black crosses, e.g. the z of a generated grid. Default: none. */
  gridPoints?: PointsLike;
  /** What the crosses are, for the subtitle "+ = N <pointsLabel>" (plural). Default "pontos da grade". */
  pointsLabel?: string;
  /** Point area in px². Default 30 (≤ 1000 points), 12 (≤ 5000), else 5. */
  pointSize?: number;
  /** Point opacity. Default 0.7. */
  opacity?: number;
  /** Legend title. Default "dígito". */
  legendTitle?: string;
  /** Axis titles. Default "z[0]", "z[1]" (the chosen dims). */
  xTitle?: string;
  yTitle?: string;
}

/** A point of the scatter: coordinates, label, and its index in the input. */
export interface ScatterRow {
  x: number;
  y: number;
  label?: number | string;
  index: number;
}

/** Scatter of z (N × zDim) coloured by label, with tooltips (dígito, z[0], z[1]) and optional grid points. */
export function latentScatter(z: PointsLike, labels?: LabelsLike, opts: LatentScatterOptions = {}): ChartFigure<ScatterRow> {
  const [dx, dy] = opts.dims ?? [0, 1];
  return scatterChart(toPoints(z).map((p) => [p[dx], p[dy]]), labels, {
    title: 'Espaço latente', xTitle: `z[${dx}]`, yTitle: `z[${dy}]`, ...opts,
  }, opts.gridPoints ? toPoints(opts.gridPoints).map((p) => [p[dx], p[dy]]) : undefined);
}

/** The scatter spec shared by latentScatter and pSpaceScatter (points already projected to 2-D). */
export function scatterChart(
  points: number[][], labels: LabelsLike | undefined, opts: LatentScatterOptions, grid?: number[][],
): ChartFigure<ScatterRow> {
  const labs = labels === undefined ? undefined : toLabels(labels);
  if (labs && labs.length !== points.length) throw new ShapeError(`Esperava um rótulo por ponto: ${points.length}; recebi ${labs.length}.`);
  const r = (v: number) => Math.round(v * 1e4) / 1e4;
  const rows: ScatterRow[] = points.map(([x, y], index) => ({ x: r(x), y: r(y), index, ...(labs ? { label: labs[index] } : {}) }));
  const n = rows.length;
  const { width = 480, height = 400, xTitle = 'x', yTitle = 'y', legendTitle = 'dígito', opacity = 0.7 } = opts;
  const size = opts.pointSize ?? (n <= 1000 ? 30 : n <= 5000 ? 12 : 5);
  // padding (px) keeps points on the domain's edge whole; points outside a fixed domain are clipped
  const scale = (domain?: [number, number]) => ({ padding: 6, ...(domain ? { domain, nice: false } : { zero: false }) });
  const x = { field: 'x', type: 'quantitative', title: xTitle, scale: scale(opts.xDomain) } as const;
  const y = { field: 'y', type: 'quantitative', title: yTitle, scale: scale(opts.yDomain) } as const;
  const clip = Boolean(opts.xDomain || opts.yDomain);
  const tooltip = [
    ...(labs ? [{ field: 'label', title: legendTitle }] : []),
    { field: 'x', title: xTitle, format: '.3f' }, { field: 'y', title: yTitle, format: '.3f' },
  ];
  const layers: object[] = [{
    data: { values: rows },
    mark: { type: 'circle', size, opacity, clip, ...(labs ? {} : { color: '#1f77b4' }) },
    encoding: { x, y, tooltip, ...(labs ? { color: { field: 'label', type: 'nominal', title: legendTitle } } : {}) },
  }];
  if (grid) {
    layers.push({
      data: { values: grid.map(([gx, gy]) => ({ x: r(gx), y: r(gy) })) },
      mark: { type: 'point', shape: 'cross', filled: true, color: 'black', size: 40, clip },
      encoding: { x, y, tooltip: tooltip.slice(labs ? 1 : 0) },
    });
  }
  const marks = opts.pointsLabel ?? 'pontos da grade';
  const title = { text: opts.title ?? '', ...(grid ? { subtitle: `+ = ${formatPt(grid.length)} ${marks}` } : {}) };
  return new ChartFigure({ width, height, title, layer: layers }, rows,
    `Dispersão de ${countOf(n, 'ponto', 'pontos')} (${xTitle}, ${yTitle})${labs ? `, cor = ${legendTitle}` : ''}${grid ? `; + = ${formatPt(grid.length)} ${marks}` : ''}`);
}

/**
 * One square window [−lim, lim]² holding every point of every latent space in `zs`, lim a whole
 * number ≥ 3: the xDomain/yDomain for the panels of a comparison, so that they share their axes (so a tighter space *looks* tighter).
 */
export function sharedLatentDomain(zs: tf.Tensor2D[]): [number, number] {
  const lim = Math.max(3, ...zs.map((z) => Math.ceil(tf.tidy(() => z.abs().max().dataSync()[0]))));
  return [-lim, lim];
}
