/** KL(N(μ, σ²) ‖ N(0, 1)) over μ and σ: why the latent loss pulls every q(z|x) towards the prior. */
import type { ChartFigure } from './figure';
import { formatRange } from './inputs';
import { heatmap, type ChartOptions, type HeatmapRow } from './normal-density';
import { klNormal, linspace } from './stats';

/** Options of `klSurface`. */
export interface KlSurfaceOptions extends ChartOptions {
  /** Cells per axis. Default 43 (so the grid holds μ = 0 and σ = 1 exactly). */
  resolution?: number;
}

/** Heatmap of ½(μ² + σ² − 1 − ln σ²), with its minimum (0 at μ = 0, σ = 1) marked; rows: x = μ, y = σ, value = KL. */
export function klSurface(
  ranges: { muRange?: [number, number]; sigmaRange?: [number, number] } = {}, opts: KlSurfaceOptions = {},
): ChartFigure<HeatmapRow> {
  const { muRange = [-3, 3], sigmaRange = [0.2, 3] } = ranges;
  const { resolution: n = 43, width = 480, height = 400, title = 'KL(N(μ, σ²) ‖ N(0, 1)) por dimensão latente' } = opts;
  const rows = linspace(sigmaRange[0], sigmaRange[1], n).flatMap((y) => linspace(muRange[0], muRange[1], n).map((x) => ({ x, y, value: klNormal(x, y) })));
  const minimum = {
    data: { values: [{ x0: 0, y0: 1, label: 'mínimo: KL = 0' }] },
    layer: [
      { mark: { type: 'point', shape: 'cross', filled: true, opacity: 1, color: 'white', stroke: 'black', strokeWidth: 0.5, size: 120 } },
      { mark: { type: 'text', align: 'left', dx: 9, dy: -9, color: 'white', fontWeight: 'bold' }, encoding: { text: { field: 'label' } } },
    ],
    encoding: { x: { field: 'x0', type: 'quantitative' }, y: { field: 'y0', type: 'quantitative' } },
  };
  return heatmap(rows, {
    width, height, title, xTitle: 'μ', yTitle: 'σ', colorTitle: 'KL', scheme: 'viridis', layers: [minimum],
    step: [(muRange[1] - muRange[0]) / (n - 1), (sigmaRange[1] - sigmaRange[0]) / (n - 1)],
  }, `Superfície KL sobre μ ∈ ${formatRange(muRange, 1)} e σ ∈ ${formatRange(sigmaRange, 1)}; mínimo 0 em μ = 0, σ = 1`);
}
