/** Shared look of every chart: font, palette, sizes (one place to change them). */
import type { Config } from 'vega-lite';

/**
 * Font family for all text. DejaVu Sans is installed here (fc-list) and has every Portuguese
 * accent, so node-canvas measures and draws labels correctly; browsers fall back to sans-serif.
 */
export const FONT = 'DejaVu Sans, Verdana, sans-serif';

/** Categorical palette (d3 category10 = matplotlib tab10), for digits 0–9. */
export const PALETTE = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd',
  '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
];

/** vega-lite config applied to every chart. */
export const VEGA_CONFIG: Config = {
  font: FONT,
  background: 'white',
  padding: 10,
  autosize: { type: 'fit', contains: 'padding' },
  title: { fontSize: 14, fontWeight: 'bold', subtitleFontSize: 11, subtitleColor: '#555', anchor: 'start', offset: 10 },
  axis: { labelOverlap: true, labelSeparation: 4, labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#e8e8e8' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', symbolSize: 80 },
  view: { stroke: '#cccccc' },
  range: { category: PALETTE },
  // pt-BR numbers on axes, legends and tooltips: 0,5 and 1.000 (d3-format locale).
  locale: { number: { decimal: ',', thousands: '.', grouping: [3], currency: ['R$\u00a0', ''] } },
};

/** Default chart size (the whole image, in CSS pixels, legend and axes included). */
export const DEFAULT_SIZE = { width: 480, height: 360 };
