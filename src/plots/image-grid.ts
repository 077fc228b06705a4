/** A grid of greyscale digits drawn on a canvas, like matplotlib's `imshow(cmap='gray_r')` subplots. */
import { createCanvas, type CanvasRenderingContext2D, type ImageData } from 'canvas';
import { CanvasFigure } from './figure';
import { countOf, toImages, type Images, type ImagesLike } from './inputs';
import { FONT } from './theme';
import { ShapeError } from '../errors';

/** Options of `imageGrid` (and of the grids built on it). */
export interface ImageGridOptions {
  /** Images per row. Default: min(N, 10). */
  cols?: number;
  /** Text under each image, e.g. "(0.12, -1.30)". Default: none. */
  captions?: string[];
  /** CSS pixels per image pixel. Default 2 (a 28×28 digit is 56×56). */
  scale?: number;
  /** Title above the grid. Default: none. */
  title?: string;
  /** Labels left of each row, e.g. ["original", "reconstruída"]. Default: none. */
  rowLabels?: string[];
  /** Labels under each column. Default: none. */
  colLabels?: string[];
  /** Space between images, CSS pixels. Default 4. */
  gap?: number;
  /** 0 → white and 1 → black, like matplotlib `cmap='gray_r'`; false: 0 → black. Default true. */
  invert?: boolean;
  /** Thin grey frame around each image. Default true. */
  border?: boolean;
  /** Axis title under the column labels, e.g. "z[0]". Default: none. */
  xTitle?: string;
  /** Axis title left of the row labels (rotated), e.g. "z[1]". Default: none. */
  yTitle?: string;
  /** Font size of captions and labels, CSS pixels. Default 10. */
  fontSize?: number;
}

/** One image of a grid, where it is, and what is written under it. */
export interface Tile {
  /** Position in the input. */
  index: number;
  row: number;
  col: number;
  /** Pixels in [0, 1], row-major, `height`×`width`. */
  image: Float32Array;
  height: number;
  width: number;
  caption?: string;
}

/** A grid of greyscale images (N,28,28,1 tensor or flat arrays), captions under them. */
export function imageGrid(images: ImagesLike, opts: ImageGridOptions = {}): CanvasFigure<Tile[]> {
  const imgs = toImages(images);
  return tileGrid(imgs, () => ({}), opts, `Grade de ${countOf(imgs.pixels.length, 'imagem', 'imagens')} ${imgs.height}×${imgs.width}`);
}

/** Lays out `imgs` as tiles (each extended by `extra(i)`) and draws them; the common part of all image grids. */
export function tileGrid<E extends object>(
  imgs: Images, extra: (i: number) => E, opts: ImageGridOptions, description: string,
): CanvasFigure<(Tile & E)[]> {
  const n = imgs.pixels.length;
  if (n === 0) throw new ShapeError('Nenhuma imagem para mostrar na grade.');
  const { cols = Math.max(1, Math.min(n, 10)), scale = 2, gap = 4, fontSize = 10 } = opts;
  const rows = Math.ceil(n / cols);
  const tiles = imgs.pixels.map((image, index) => ({
    index, row: Math.floor(index / cols), col: index % cols, image, height: imgs.height, width: imgs.width,
    caption: opts.captions?.[index], ...extra(index),
  }));
  const font = `${fontSize}px ${FONT}`;
  const measure = textMeasurer(font);
  const tileW = imgs.width * scale;
  const tileH = imgs.height * scale;
  const cellW = Math.ceil(Math.max(tileW, ...tiles.map((t) => measure(t.caption) + 6), ...(opts.colLabels ?? []).map((l) => measure(l) + 6)));
  const lineH = Math.ceil(fontSize * 1.5);
  const cellH = tileH + (opts.captions ? lineH : 0);
  const pad = 8;
  const left = pad + (opts.yTitle ? lineH + 4 : 0) + (opts.rowLabels ? Math.ceil(Math.max(...opts.rowLabels.map(measure))) + 8 : 0);
  const top = pad + (opts.title ? 26 : 0);
  const gridW = cols * cellW + (cols - 1) * gap;
  const lastRowBare = opts.captions && !tiles.some((t) => t.row === rows - 1 && t.caption);
  const gridH = rows * cellH + (rows - 1) * gap - (lastRowBare ? lineH : 0);
  const titleFont = `bold 14px ${FONT}`;
  const width = Math.max(left + gridW + pad, Math.ceil(textMeasurer(titleFont)(opts.title)) + 2 * pad);
  const height = top + gridH + (opts.colLabels ? lineH : 0) + (opts.xTitle ? lineH + 2 : 0) + pad;
  return new CanvasFigure(width, height, tiles, description, (ctx) => {
    ctx.fillStyle = '#222';
    ctx.textBaseline = 'middle';
    if (opts.title) {
      ctx.font = titleFont;
      ctx.textAlign = 'left';
      ctx.fillText(opts.title, pad, pad + 9);
    }
    ctx.font = font;
    for (const t of tiles) {
      const x = left + t.col * (cellW + gap) + (cellW - tileW) / 2;
      const y = top + t.row * (cellH + gap);
      drawImage(ctx, t, x, y, tileW, tileH, opts.invert ?? true, opts.border ?? true);
      if (t.caption) {
        ctx.textAlign = 'center';
        ctx.fillText(t.caption, x + tileW / 2, y + tileH + lineH / 2 + 1);
      }
    }
    ctx.textAlign = 'right';
    (opts.rowLabels ?? []).slice(0, rows).forEach((label, r) => ctx.fillText(label, left - 8, top + r * (cellH + gap) + tileH / 2));
    ctx.textAlign = 'center';
    const labelY = top + gridH + lineH / 2 + 2;
    (opts.colLabels ?? []).slice(0, cols).forEach((label, c) => ctx.fillText(label, left + c * (cellW + gap) + cellW / 2, labelY));
    if (opts.xTitle) ctx.fillText(opts.xTitle, left + gridW / 2, labelY + (opts.colLabels ? lineH : 0) + 2);
    if (opts.yTitle) {
      ctx.save();
      ctx.translate(pad + lineH / 2, top + gridH / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText(opts.yTitle, 0, 0);
      ctx.restore();
    }
  });
}

function textMeasurer(font: string): (text?: string) => number {
  const ctx = createCanvas(1, 1).getContext('2d');
  ctx.font = font;
  return (text) => (text ? ctx.measureText(text).width : 0);
}

// One image as pixel blocks (nearest neighbour, no smoothing), optionally inverted and framed.
function drawImage(ctx: CanvasRenderingContext2D, t: Tile, x: number, y: number, w: number, h: number, invert: boolean, border: boolean): void {
  const small = createCanvas(t.width, t.height);
  const sctx = small.getContext('2d');
  const data: ImageData = sctx.createImageData(t.width, t.height);
  t.image.forEach((v, i) => {
    const g = Math.round(255 * Math.min(1, Math.max(0, invert ? 1 - v : v)));
    data.data.set([g, g, g, 255], 4 * i);
  });
  sctx.putImageData(data, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, x, y, w, h);
  if (border) {
    ctx.strokeStyle = '#bbbbbb';
    ctx.lineWidth = 0.5;
    ctx.strokeRect(x, y, w, h);
  }
}
