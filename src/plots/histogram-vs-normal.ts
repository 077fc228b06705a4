/** Histogram of one latent dimension against the N(0, 1) density: is q(z) close to the prior? */
import { ChartFigure } from './figure';
import { formatPt } from '../text';
import type { ChartOptions } from './normal-density';
import { formatNumber, toVector, type VectorLike } from './inputs';
import { linspace, normPdf } from './stats';
import { DataError } from '../errors';

/** Options of `histogramVsNormal`. */
export interface HistogramVsNormalOptions extends ChartOptions {
  /** Number of bins. Default 40. */
  bins?: number;
  /** x range. Default: the data's range, widened to at least [-4, 4]. */
  range?: [number, number];
  /** x-axis title. Default "z". */
  xTitle?: string;
}

/** A bin of the histogram: [x0, x1), count, and count / (N · width) so the area is 1. */
export interface BinRow {
  x0: number;
  x1: number;
  count: number;
  density: number;
}

/** Density histogram of `values` with the standard normal curve on top; subtitle gives mean and std. */
export function histogramVsNormal(values: VectorLike, opts: HistogramVsNormalOptions = {}): ChartFigure<BinRow> {
  const v = toVector(values).filter(Number.isFinite);
  if (v.length === 0) throw new DataError('histogramVsNormal: nenhum valor finito para o histograma.');
  const { bins = 40, width = 480, height = 320, xTitle = 'z', title = `Histograma de ${xTitle} e a densidade N(0, 1)` } = opts;
  const [lo, hi] = opts.range ?? [v.reduce((a, b) => Math.min(a, b), -4), v.reduce((a, b) => Math.max(a, b), 4)];
  const w = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const x of v) if (x >= lo && x <= hi) counts[Math.min(bins - 1, Math.floor((x - lo) / w))]++;
  const rows = counts.map((count, i) => ({ x0: lo + i * w, x1: lo + (i + 1) * w, count, density: count / (v.length * w) }));
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  const color = { scale: { domain: ['histograma', 'N(0, 1)'], range: ['#9ecae1', '#d62728'] }, title: '' };
  const x = { type: 'quantitative', title: xTitle, scale: { domain: [lo, hi], nice: false } };
  return new ChartFigure({
    width, height,
    title: { text: title, subtitle: `${formatPt(v.length)} valores, média = ${formatNumber(mean, 3)}, desvio padrão = ${formatNumber(std, 3)}` },
    layer: [
      {
        data: { values: rows }, mark: { type: 'rect', stroke: 'white', strokeWidth: 0.5 },
        encoding: {
          x: { ...x, field: 'x0' }, x2: { field: 'x1' }, y: { field: 'density', type: 'quantitative', title: 'densidade' }, y2: { datum: 0 },
          color: { ...color, datum: 'histograma' },
          tooltip: [{ field: 'x0', title: 'de', format: '.2f' }, { field: 'x1', title: 'até', format: '.2f' }, { field: 'count', title: 'contagem' }],
        },
      },
      {
        data: { values: linspace(lo, hi, 200).map((t) => ({ x: t, density: normPdf(t) })) }, mark: { type: 'line', strokeWidth: 2 },
        encoding: { x: { ...x, field: 'x' }, y: { field: 'density', type: 'quantitative' }, color: { ...color, datum: 'N(0, 1)' } },
      },
    ],
  }, rows, `Histograma de ${formatPt(v.length)} valores de ${xTitle} (média ${formatNumber(mean, 3)}, desvio ${formatNumber(std, 3)}) contra N(0, 1)`);
}
