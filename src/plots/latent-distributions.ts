/**
 * "Mapping points to distributions" (notebook 02): each encoded digit drawn as its mean μ with
 * the ellipse μ ± σ per axis, over the faded cloud of other encodings.
 */
import { ChartFigure } from './figure';
import { formatPt } from '../text';
import { toLabels, toPoints, type LabelsLike, type PointsLike } from './inputs';
import { ShapeError } from '../errors';

/** Options of `latentDistributions`. */
export interface LatentDistributionsOptions {
  /** Title. Default "Cada imagem vira uma distribuição N(μ, σ²)". */
  title?: string;
  width?: number;
  height?: number;
  /** Encodings (μ) of many other images, drawn faded in grey for context. Default: none. */
  background?: PointsLike;
  /** How many σ the ellipse spans. Default 1. */
  nSigma?: number;
}

/** A point on an ellipse outline (or its centre, with `centre: true`). */
export interface EllipseRow {
  id: number;
  label: string;
  order: number;
  x: number;
  y: number;
}

/** Means μ (N × 2) with ellipses of semi-axes nSigma·σ, σ = exp(log_var / 2). */
export function latentDistributions(
  mu: PointsLike, logVar: PointsLike, labels: LabelsLike, opts: LatentDistributionsOptions = {},
): ChartFigure<EllipseRow> {
  const m = toPoints(mu);
  const lv = toPoints(logVar);
  const labs = toLabels(labels).map(String);
  if (m.length !== lv.length || m.length !== labs.length) throw new ShapeError(`μ, log σ² e rótulos devem ter o mesmo número de linhas: ${m.length}, ${lv.length}, ${labs.length}.`);
  const k = opts.nSigma ?? 1;
  const rows: EllipseRow[] = m.flatMap(([x, y], id) => {
    const [sx, sy] = [Math.exp(lv[id][0] / 2), Math.exp(lv[id][1] / 2)];
    return Array.from({ length: 41 }, (_, order) => {
      const a = (2 * Math.PI * order) / 40; // x = μx + kσx cos a, y = μy + kσy sin a
      return { id, label: labs[id], order, x: x + k * sx * Math.cos(a), y: y + k * sy * Math.sin(a) };
    });
  });
  const centres = m.map(([x, y], id) => ({ id, label: labs[id], x, y }));
  const x = { field: 'x', type: 'quantitative', title: 'z[0]', scale: { zero: false } } as const;
  const y = { field: 'y', type: 'quantitative', title: 'z[1]', scale: { zero: false } } as const;
  const color = { field: 'label', type: 'nominal', title: 'dígito' } as const;
  const layers: object[] = [];
  if (opts.background) {
    layers.push({ data: { values: toPoints(opts.background).map(([bx, by]) => ({ x: bx, y: by })) }, mark: { type: 'circle', size: 6, color: '#bbbbbb', opacity: 0.35 }, encoding: { x, y } });
  }
  layers.push(
    { data: { values: rows }, mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, color, detail: { field: 'id' }, order: { field: 'order' } } },
    { data: { values: centres }, mark: { type: 'point', shape: 'cross', filled: true, size: 70 }, encoding: { x, y, color, tooltip: [{ field: 'label', title: 'dígito' }, { field: 'x', title: 'μ[0]', format: '.2f' }, { field: 'y', title: 'μ[1]', format: '.2f' }] } },
  );
  const { width = 520, height = 420, title = 'Cada imagem vira uma distribuição N(μ, σ²)' } = opts;
  return new ChartFigure(
    { width, height, title: { text: title, subtitle: `+ = μ; elipse = μ ± ${formatPt(k, Number.isInteger(k) ? 0 : 1)}σ` }, layer: layers },
    rows,
    `${formatPt(m.length)} imagens codificadas como N(μ, σ²): centro μ e elipse μ ± ${formatPt(k, Number.isInteger(k) ? 0 : 1)}σ`,
  );
}
