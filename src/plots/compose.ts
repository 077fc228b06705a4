/** Several figures side by side or stacked, as one image (for the book's two-panel figures). */
import { CanvasFigure, DEFAULT_SCALE, type Figure } from './figure';
import { FONT } from './theme';

/** Options of `composeFigures`. */
export interface ComposeOptions {
  /** 'row' (side by side, default) or 'column' (stacked). */
  direction?: 'row' | 'column';
  /** Space between figures, CSS pixels. Default 16. */
  gap?: number;
  /** Title above everything. Default: none. */
  title?: string;
  /** Resolution the parts are rendered at (device px per CSS px). Default 2. */
  scale?: number;
}

/** Renders `figs` once and lays them out in a row or a column; returns a canvas figure. */
export async function composeFigures(figs: Figure[], opts: ComposeOptions = {}): Promise<CanvasFigure<Figure[]>> {
  const { direction = 'row', gap = 16, title, scale = DEFAULT_SCALE } = opts;
  const parts = await Promise.all(figs.map((f) => f.toCanvas(scale)));
  const titleHeight = title ? 30 : 0;
  const row = direction === 'row';
  const width = row ? figs.reduce((a, f) => a + f.width, 0) + gap * (figs.length - 1) : Math.max(...figs.map((f) => f.width));
  const height = titleHeight + (row ? Math.max(...figs.map((f) => f.height)) : figs.reduce((a, f) => a + f.height, 0) + gap * (figs.length - 1));
  const description = `${title ? title + ': ' : ''}${figs.map((f) => f.description).join(' | ')}`;
  return new CanvasFigure(width, height, figs, description, (ctx) => {
    if (title) {
      ctx.fillStyle = 'black';
      ctx.font = `bold 15px ${FONT}`;
      ctx.textBaseline = 'top';
      ctx.fillText(title, 10, 8);
    }
    let offset = 0;
    figs.forEach((f, i) => {
      const x = row ? offset : 0;
      const y = titleHeight + (row ? 0 : offset);
      ctx.drawImage(parts[i], x, y, f.width, f.height);
      offset += (row ? f.width : f.height) + gap;
    });
  });
}
