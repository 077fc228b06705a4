/**
 * vega-lite → SVG / PNG / JPEG in Node: `vl.compile` → `vega.parse` → headless `vega.View`
 * (renderer 'none'); vega draws PNGs with node-canvas.
 */
import type { Canvas } from 'canvas';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

/** A headless vega view of a vega-lite spec (data must be inlined). */
export function vegaView(spec: TopLevelSpec): vega.View {
  const compiled = vl.compile(spec).spec;
  return new vega.View(vega.parse(compiled), { renderer: 'none' });
}

/** The SVG text of a vega-lite spec. */
export async function specToSVG(spec: TopLevelSpec): Promise<string> {
  const view = vegaView(spec);
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A node-canvas drawing of a vega-lite spec, `scale` device pixels per CSS pixel. */
export async function specToCanvas(spec: TopLevelSpec, scale = 2): Promise<Canvas> {
  const view = vegaView(spec);
  try {
    return (await view.toCanvas(scale)) as unknown as Canvas;
  } finally {
    view.finalize();
  }
}

/** PNG bytes of a vega-lite spec rendered at `scale` (2 = crisp on high-DPI screens). */
export async function specToPNG(spec: TopLevelSpec, scale = 2): Promise<Buffer> {
  return (await specToCanvas(spec, scale)).toBuffer('image/png');
}
