/** Normal densities: 1-D curves and a 2-D diagonal Gaussian as a heatmap (notebook 03's "what is a normal"). */
import { ChartFigure } from './figure';
import { formatPtSignificant } from '../text';
import { linspace, normPdf } from './stats';

/** Options shared by small charts. */
export interface ChartOptions {
  /** Title. Default: set by each chart. */
  title?: string;
  /** Whole image width in CSS pixels (legend included). Default 480. */
  width?: number;
  /** Whole image height in CSS pixels. Default 320 (2-D heatmaps: 400). */
  height?: number;
}

/** Options of `normalDensity1d`. */
export interface NormalDensity1dOptions extends ChartOptions {
  /** x range. Default: covers every μ ± 4σ. */
  xRange?: [number, number];
  /** Points per curve. Default 200. */
  samples?: number;
}

/** A point of a density curve. */
export interface DensityRow {
  x: number;
  density: number;
  /** Legend entry, e.g. "μ=0, σ=1". */
  series: string;
}

/** Density curves of N(μ, σ²), one per parameter pair, legend "μ=…, σ=…". */
export function normalDensity1d(params: { mu: number; sigma: number }[], opts: NormalDensity1dOptions = {}): ChartFigure<DensityRow> {
  const { samples = 200, width = 480, height = 320, title = 'Densidade da distribuição normal' } = opts;
  const [lo, hi] = opts.xRange ?? [Math.min(...params.map((p) => p.mu - 4 * p.sigma)), Math.max(...params.map((p) => p.mu + 4 * p.sigma))];
  const names = params.map(({ mu, sigma }) => `μ = ${formatPtSignificant(mu, 3)}, σ = ${formatPtSignificant(sigma, 3)}`);
  const rows = params.flatMap(({ mu, sigma }, k) => linspace(lo, hi, samples).map((x) => ({ x, density: normPdf(x, mu, sigma), series: names[k] })));
  return new ChartFigure({
    width, height, title, data: { values: rows },
    mark: { type: 'line', strokeWidth: 2 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: 'x' },
      y: { field: 'density', type: 'quantitative', title: 'densidade p(x)' },
      color: { field: 'series', type: 'nominal', title: 'distribuição', scale: { domain: names } },
      tooltip: [{ field: 'series', title: 'distribuição' }, { field: 'x', format: '.2f' }, { field: 'density', title: 'p(x)', format: '.3f' }],
    },
  }, rows, `Densidades normais: ${names.join('; ')}`);
}

/** Options of `normalDensity2d`. */
export interface NormalDensity2dOptions extends ChartOptions {
  /** Cells per axis. Default 50. */
  resolution?: number;
  /** Ranges of z[0] and z[1]. Default: μ ± 3.5·max(σ) on each axis (same scale on both). */
  range?: [[number, number], [number, number]];
}

/** A cell of a heatmap. */
export interface HeatmapRow {
  x: number;
  y: number;
  value: number;
}

/** Density of N(μ, diag(σ²)) in 2-D as a heatmap, the shape of one encoder output q(z|x). */
export function normalDensity2d(p: { mu: [number, number]; sigma: [number, number] }, opts: NormalDensity2dOptions = {}): ChartFigure<HeatmapRow> {
  const { resolution: n = 50, width = 480, height = 400 } = opts;
  const half = 3.5 * Math.max(...p.sigma); // same scale on both axes, so σ = (1, 0.5) looks elongated
  const [rx, ry] = opts.range ?? [0, 1].map((d) => [p.mu[d] - half, p.mu[d] + half]);
  const rows = linspace(ry[0], ry[1], n).flatMap((y) => linspace(rx[0], rx[1], n).map((x) => ({
    x, y, value: normPdf(x, p.mu[0], p.sigma[0]) * normPdf(y, p.mu[1], p.sigma[1]),
  })));
  const pair = (v: number[]) => `(${v.map((x) => formatPtSignificant(x, 3)).join('; ')})`;
  const title = opts.title ?? `Densidade de N(μ, σ²) com μ = ${pair(p.mu)}, σ = ${pair(p.sigma)}`;
  return heatmap(rows, { width, height, title, xTitle: 'z[0]', yTitle: 'z[1]', colorTitle: 'densidade', scheme: 'blues', step: [(rx[1] - rx[0]) / (n - 1), (ry[1] - ry[0]) / (n - 1)] },
    `Densidade normal 2-D, μ = ${pair(p.mu)}, σ = ${pair(p.sigma)}`);
}

/** A rect heatmap over a regular grid (cell centres in rows); shared by normalDensity2d and klSurface. */
export function heatmap(
  rows: HeatmapRow[],
  o: { width: number; height: number; title: string; xTitle: string; yTitle: string; colorTitle: string; scheme: string; step: [number, number]; layers?: object[] },
  description: string,
): ChartFigure<HeatmapRow> {
  const [hx, hy] = [o.step[0] / 2, o.step[1] / 2];
  const [ox, oy] = [o.step[0] * 0.04, o.step[1] * 0.04]; // cells overlap a little: no anti-aliasing seams
  const x = { field: 'x0', type: 'quantitative', title: o.xTitle, scale: { nice: false, zero: false }, axis: { tickCount: Math.round(o.width / 70) } };
  const y = { field: 'y0', type: 'quantitative', title: o.yTitle, scale: { nice: false, zero: false } };
  return new ChartFigure({
    width: o.width, height: o.height, title: o.title,
    layer: [{
      data: { values: rows },
      transform: [
        { calculate: `datum.x - ${hx}`, as: 'x0' }, { calculate: `datum.x + ${hx + ox}`, as: 'x1' },
        { calculate: `datum.y - ${hy}`, as: 'y0' }, { calculate: `datum.y + ${hy + oy}`, as: 'y1' },
      ],
      mark: { type: 'rect' },
      encoding: {
        x, x2: { field: 'x1' }, y, y2: { field: 'y1' },
        color: { field: 'value', type: 'quantitative', title: o.colorTitle, scale: { scheme: o.scheme } },
        tooltip: [{ field: 'x', title: o.xTitle, format: '.2f' }, { field: 'y', title: o.yTitle, format: '.2f' }, { field: 'value', title: o.colorTitle, format: '.3f' }],
      },
    }, ...(o.layers ?? [])],
  }, rows, description);
}
