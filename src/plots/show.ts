/**
 * Figures in a notebook: one output whose MIME bundle holds the vega-lite spec (interactive in
 * JupyterLab), a PNG (what nbconvert's static HTML and GitHub show, no JavaScript) and a text description.
 */
import { displayBundle, inNotebook, type MimeBundle, type UpdatableDisplay } from '../notebook';
import type { Figure } from './figure';
import { formatPt } from '../text';
import { compactPng } from './png';

/** MIME type JupyterLab renders interactively with vega-embed. */
export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';

/** A display message's content: the MIME bundle and its metadata. */
export interface FigureBundle {
  /** MIME type → payload: vega-lite spec (object), PNG (base64), text. */
  data: MimeBundle;
  /** Per-MIME metadata: the PNG's CSS size, so a high-resolution PNG shows at its natural size. */
  metadata: Record<string, unknown>;
}

/**
 * Device pixels per CSS pixel of the PNG in a notebook output. The notebooks ship with their outputs,
 * and a 5,000-point scatter compresses badly: 1.5× keeps text sharp on high-DPI screens at about half
 * the bytes of 2× (files written with `fig.save` keep DEFAULT_SCALE).
 */
export const NOTEBOOK_SCALE = 1.5;

/**
 * Rows an inline dataset keeps in a notebook's interactive spec. The notebooks ship with their outputs:
 * a 5,000-point scatter would store 5,000 rows of JSON beside its PNG; the PNG keeps every point.
 */
export const MAX_SPEC_ROWS = 2000;

type SpecNode = { [key: string]: unknown };

/** Keeps `max` evenly spaced rows of `rows` (the first and the last among them). */
export function evenlySpacedRows<T>(rows: readonly T[], max: number): T[] {
  if (rows.length <= max) return [...rows];
  return Array.from({ length: max }, (_, i) => rows[Math.round((i * (rows.length - 1)) / (max - 1))]);
}

/**
 * A copy of `spec` whose inline datasets (top level, layers, concatenations) hold at most `max`
 * rows each, with the subtitle saying so. Returns the copy and the largest dataset's size before/after.
 */
export function thinSpec(spec: object, max = MAX_SPEC_ROWS): { spec: SpecNode; thinned: { from: number; to: number } | null } {
  const copy = JSON.parse(JSON.stringify(spec)) as SpecNode;
  let thinned: { from: number; to: number } | null = null;
  const visit = (node: SpecNode) => {
    const data = node.data as { values?: unknown[] } | undefined;
    const values = data?.values;
    if (data && Array.isArray(values) && values.length > max) {
      if (!thinned || values.length > thinned.from) thinned = { from: values.length, to: max };
      data.values = evenlySpacedRows(values, max);
    }
    for (const key of ['layer', 'hconcat', 'vconcat', 'concat']) for (const child of (node[key] as SpecNode[] | undefined) ?? []) visit(child);
  };
  visit(copy);
  if (thinned) {
    const { from, to } = thinned as { from: number; to: number };
    const note = `interativo: ${formatPt(to)} dos ${formatPt(from)} pontos (a imagem mostra todos)`;
    const title = typeof copy.title === 'string' ? { text: copy.title } : ((copy.title as SpecNode | undefined) ?? { text: '' });
    copy.title = { ...title, subtitle: title.subtitle ? [title.subtitle as string, note].flat() : note };
  }
  return { spec: copy, thinned };
}

/** Builds (without sending) the notebook output of `fig`. */
export async function figureBundle(fig: Figure, scale = NOTEBOOK_SCALE): Promise<FigureBundle> {
  const png = compactPng(await fig.toCanvas(scale));
  const data: MimeBundle = {};
  if (fig.kind === 'chart' && 'spec' in fig) data[VEGALITE_MIME] = thinSpec(fig.spec as object).spec;
  data['image/png'] = png.toString('base64');
  data['text/plain'] = fig.description;
  return { data, metadata: { 'image/png': { width: fig.width, height: fig.height } } };
}

/** Shows `fig` as one notebook output (replacing `display`'s previous one if given). False outside a notebook. */
export async function showFigure(fig: Figure, display?: UpdatableDisplay): Promise<boolean> {
  if (!inNotebook()) return false; // don't render what nobody will see
  const { data, metadata } = await figureBundle(fig);
  return display ? display.show(data, metadata) : displayBundle(data, metadata);
}

/** Convenience: `await show(fig)` is `await fig.show()`. */
export function show(fig: Figure, display?: UpdatableDisplay): Promise<void> {
  return fig.show(display);
}
