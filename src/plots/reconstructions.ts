/** Originals above their reconstructions, like the book's "reconstructing" figure (notebook 03). */
import { tileGrid, type ImageGridOptions, type Tile } from './image-grid';
import { formatPoint, toImages, toPoints, type ImagesLike, type PointsLike } from './inputs';
import { ShapeError } from '../errors';
import type { CanvasFigure } from './figure';

/** A reconstruction tile: which row it is in and the z = encoder(original) it came through (if given). */
export interface ReconstructionTile extends Tile {
  kind: 'original' | 'reconstruída';
  z?: number[];
}

/** Two rows, "original" over "reconstruída"; the z of each image (if given) is written under the original, as in the book. */
export function reconstructions(
  originals: ImagesLike, reconstructed: ImagesLike, z?: PointsLike, opts: ImageGridOptions = {},
): CanvasFigure<ReconstructionTile[]> {
  const a = toImages(originals);
  const b = toImages(reconstructed);
  const n = a.pixels.length;
  if (b.pixels.length !== n) throw new ShapeError(`Esperava tantas reconstruções quanto originais: ${n}; recebi ${b.pixels.length}.`);
  const zs = z ? toPoints(z) : undefined;
  const captions = zs ? zs.map((p) => formatPoint(p)) : undefined; // under the originals, as in the book
  return tileGrid<Omit<ReconstructionTile, keyof Tile>>(
    { ...a, pixels: [...a.pixels, ...b.pixels] },
    (i) => ({ kind: i < n ? 'original' : 'reconstruída', ...(zs ? { z: zs[i % n] } : {}) }),
    { title: 'Reconstruções', rowLabels: ['original', 'reconstruída'], captions, ...opts, cols: n },
    `Reconstruções de ${n} imagens (linha de cima: original; de baixo: reconstruída)`,
  );
}
