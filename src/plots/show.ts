/**
 * Figures in a notebook: one output whose MIME bundle holds the vega-lite spec (interactive in
 * JupyterLab), a PNG (what nbconvert's static HTML and GitHub show, no JavaScript) and a text description.
 */
import { displayBundle, inNotebook, type MimeBundle, type UpdatableDisplay } from '../notebook';
import type { Figure } from './figure';

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

/** Builds (without sending) the notebook output of `fig`. */
export async function figureBundle(fig: Figure, scale = NOTEBOOK_SCALE): Promise<FigureBundle> {
  const png = await fig.toPNG(scale);
  const data: MimeBundle = {};
  if (fig.kind === 'chart' && 'spec' in fig) data[VEGALITE_MIME] = JSON.parse(JSON.stringify(fig.spec));
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
