/** Decodes a regular grid of the 2-D latent space: the book's map of generated digits (notebook 03_05). */
import { tileGrid, type ImageGridOptions, type Tile } from './image-grid';
import type { CanvasFigure } from './figure';
import { decode, formatNumber, formatRange, type Decoder } from './inputs';
import { linspace, normPpf } from './stats';

/** Options of `generatedGrid` (plus all of `imageGrid`'s). */
export interface GeneratedGridOptions extends ImageGridOptions {
  /** Images per side (gridSize² decoded points). Default 15. */
  gridSize?: number;
  /** z values of each axis: linspace(min, max, gridSize). Default [-3, 3]. Ignored if `ppf`. */
  range?: [number, number];
  /** z values of the rows (the second of `dims`) when they differ from the columns', e.g. a latent box (GDL 03_02). Default: `range`. */
  yRange?: [number, number];
  /** Use norm.ppf(linspace(0.01, 0.99, gridSize)) instead, equal-probability steps as in GDL. Default false. */
  ppf?: boolean;
  /** Latent size; the other dimensions are set to 0 (the prior's mean). Default 2. */
  zDim?: number;
  /** Which two latent dimensions vary (columns, rows). Default [0, 1]. */
  dims?: [number, number];
  /** Write the z values beside the rows and under the columns. Default true. */
  axisLabels?: boolean;
}

/** A tile of the generated grid with the z it was decoded from. */
export type GeneratedTile = Tile & { z: number[] };

/** Decodes gridSize² latent points; columns go left→right in z[0], rows from high z[1] (top) to low. */
export function generatedGrid(decoder: Decoder, opts: GeneratedGridOptions = {}): CanvasFigure<GeneratedTile[]> {
  const { gridSize: n = 15, range = [-3, 3], yRange = range, ppf = false, zDim = 2, dims = [0, 1], axisLabels = true } = opts;
  const axis = (r: [number, number]) => (ppf ? linspace(0.01, 0.99, n).map((p) => normPpf(p)) : linspace(r[0], r[1], n));
  const xs = axis(range);
  const ys = axis(yRange).reverse();
  const zs = ys.flatMap((y) => xs.map((x) => {
    const z = new Array<number>(zDim).fill(0);
    [z[dims[0]], z[dims[1]]] = [x, y];
    return z;
  }));
  const fmt = (v: number) => formatNumber(v, 1);
  return tileGrid(decode(decoder, zs), (i) => ({ z: zs[i] }), {
    title: ppf ? 'Dígitos gerados (grade em quantis da normal)' : 'Dígitos gerados a partir de uma grade de z',
    scale: 1, gap: 0, border: false,
    ...(axisLabels ? { colLabels: xs.map(fmt), rowLabels: ys.map(fmt), xTitle: `z[${dims[0]}]`, yTitle: `z[${dims[1]}]` } : {}),
    ...opts, cols: n,
  }, `Grade de ${n}×${n} imagens decodificadas de z[${dims[0]}], z[${dims[1]}] em ${ppf ? 'quantis de 0,01 a 0,99 da normal (norm.ppf)' : yRange === range ? formatRange(range, 1) : `${formatRange(range, 1)} × ${formatRange(yRange, 1)}`}`);
}
