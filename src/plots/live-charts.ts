/**
 * Live charts in the static HTML of a notebook (issue 9, part 4). nbconvert shows the PNG of each
 * vega-lite output; here a copy of the executed notebook gets, for every output with a vega-lite spec,
 * a text/html entry that holds the PNG (what shows with JavaScript off) and a script that replaces it
 * with the live chart (tooltips) drawn by vega-embed — which, with vega and vega-lite, is inlined once
 * per page from node_modules. No CDN: the page works offline.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { VEGALITE_MIME } from './show';

/** The part of a notebook this module reads and writes. */
export interface NotebookOutputs {
  cells: { cell_type: string; source?: string | string[]; outputs?: { output_type: string; data?: Record<string, unknown>; metadata?: Record<string, unknown> }[] }[];
}

/** Marks each live chart's container in the HTML. */
export const LIVE_CHART_ROLE = 'vega-live';

function scriptSafe(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1');
}

/**
 * Adds a text/html entry (PNG inside, the spec beside it) to every output of `nb` with a vega-lite
 * spec and a PNG. Returns how many outputs became live. Modifies `nb` (pass a copy).
 */
export function addLiveCharts(nb: NotebookOutputs): number {
  let count = 0;
  for (const cell of nb.cells) {
    for (const out of cell.outputs ?? []) {
      const spec = out.data?.[VEGALITE_MIME];
      const png = out.data?.['image/png'];
      if (!spec || typeof png !== 'string' || out.data!['text/html']) continue;
      const size = (out.metadata?.['image/png'] ?? {}) as { width?: number; height?: number };
      const dims = size.width && size.height ? ` width="${size.width}" height="${size.height}"` : '';
      out.data!['text/html'] =
        `<div data-role="${LIVE_CHART_ROLE}"><img alt="gráfico" src="data:image/png;base64,${png.replace(/\s/g, '')}"${dims}></div>` +
        `<script type="application/json">${scriptSafe(JSON.stringify(spec).replace(/</g, '\\u003c'))}</script>` +
        '<script>vaeLiveChart(document.currentScript);</script>';
      count++;
    }
  }
  return count;
}

/** The libraries (vega, vega-lite, vega-embed) and the `vaeLiveChart` function, as one <script> block. */
export function liveChartLibraries(): string {
  // The browser builds sit next to each package's entry point (build/), which "exports" may hide.
  const lib = (pkg: string, file: string) => scriptSafe(readFileSync(path.join(path.dirname(require.resolve(pkg)), file), 'utf8'));
  // The UMD builds register as AMD modules when a `define` exists (nbconvert's pages load require.js):
  // hide it while they run, so they set the globals vega, vegaLite and vegaEmbed.
  return [
    '<script>window.__vaeDefine = window.define; window.define = undefined;</script>',
    `<script>${lib('vega', 'vega.min.js')}</script>`,
    `<script>${lib('vega-lite', 'vega-lite.min.js')}</script>`,
    `<script>${lib('vega-embed', 'vega-embed.min.js')}</script>`,
    `<script>window.define = window.__vaeDefine;
function vaeLiveChart(script) {
  var spec = JSON.parse(script.previousElementSibling.textContent);
  var box = script.previousElementSibling.previousElementSibling;
  var img = box.querySelector('img');
  var live = document.createElement('div');
  box.appendChild(live);
  vegaEmbed(live, spec, { renderer: 'svg', actions: false }).then(function () {
    if (img) img.remove();
    box.setAttribute('data-state', 'live');
  }).catch(function (e) { live.remove(); box.setAttribute('data-state', 'error'); console.error(e); });
}</script>`,
  ].join('\n');
}

/** The exported page with the chart libraries inlined once, in its <head> (when it has live charts). */
export function finishLiveHtml(html: string, liveCharts: number): string {
  return liveCharts > 0 ? html.replace('</head>', () => `${liveChartLibraries()}\n</head>`) : html;
}
