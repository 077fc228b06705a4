/** The morph strip: decodes points on the segment from zA to zB (notebook 03_05's interpolation). */
import { tileGrid, type ImageGridOptions, type Tile } from './image-grid';
import type { CanvasFigure } from './figure';
import { decode, formatNumber, formatPoint, toVector, type Decoder, type VectorLike } from './inputs';
import { interpolationPoints } from './stats';
import { ShapeError } from '../errors';

/** A frame of the morph: t in [0, 1] and z = (1 − t) zA + t zB. */
export type InterpolationTile = Tile & { t: number; z: number[] };

/** `steps` images decoded from z = (1 − t)·zA + t·zB, t from 0 to 1, captioned with t. */
export function interpolation(
  decoder: Decoder, zA: VectorLike, zB: VectorLike, steps = 10, opts: ImageGridOptions = {},
): CanvasFigure<InterpolationTile[]> {
  const a = toVector(zA);
  const b = toVector(zB);
  if (a.length !== b.length) throw new ShapeError(`zA e zB devem ter o mesmo tamanho; recebi ${a.length} e ${b.length}.`);
  const path = interpolationPoints(a, b, steps);
  const [ts, zs] = [path.map((p) => p.t), path.map((p) => p.z)];
  return tileGrid(decode(decoder, zs), (i) => ({ t: ts[i], z: zs[i] }), {
    title: 'Interpolação no espaço latente', captions: ts.map((t) => `t = ${formatNumber(t, 2)}`), ...opts, cols: steps,
  }, `Interpolação em ${steps} passos de z_A = ${formatPoint(a)} até z_B = ${formatPoint(b)}`);
}
