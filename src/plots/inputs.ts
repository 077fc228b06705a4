/** Turns what users pass (tensors or plain arrays) into plain arrays the plots draw. */
import * as tf from '@tensorflow/tfjs';
import { formatPt } from '../text';
import { DataError, ShapeError, formatShape } from '../errors';

/** Points in the latent space: a [N, D] tensor or N arrays of D numbers. */
export type PointsLike = tf.Tensor2D | ReadonlyArray<ArrayLike<number>>;
/** One label per point: a [N] tensor, numbers (digits) or strings. */
export type LabelsLike = tf.Tensor1D | ReadonlyArray<number> | ReadonlyArray<string>;
/** One latent vector: a [D] tensor or D numbers. */
export type VectorLike = tf.Tensor | ArrayLike<number>;
/** Greyscale images: a [N,H,W,1], [N,H,W] or [N,H·W] tensor, or N flat arrays (H = W), or N H×W arrays. */
export type ImagesLike = tf.Tensor | ReadonlyArray<ArrayLike<number> | ReadonlyArray<ArrayLike<number>>>;
/** A decoder: a Keras-style model or a function, z [N, zDim] → images [N, 28, 28, 1] in [0, 1]. */
export type Decoder = tf.LayersModel | ((z: tf.Tensor2D) => tf.Tensor);

/** Images as flat Float32Arrays in [0, 1] (0 = background), all `height`×`width`. */
export interface Images {
  pixels: Float32Array[];
  height: number;
  width: number;
}

/** Points as number[][]. */
export function toPoints(z: PointsLike): number[][] {
  if (z instanceof tf.Tensor) {
    if (z.rank !== 2) throw new ShapeError(`Esperava pontos com forma (N, D); recebi ${formatShape(z.shape)}.`);
    return z.arraySync() as number[][];
  }
  return z.map((p) => Array.from(p));
}

/** Labels as plain values (numbers or strings). */
export function toLabels(labels: LabelsLike): (number | string)[] {
  if (labels instanceof tf.Tensor) return Array.from(labels.dataSync());
  return Array.from(labels as ArrayLike<number | string>);
}

/** A vector as number[]. */
export function toVector(v: VectorLike): number[] {
  return Array.from(v instanceof tf.Tensor ? v.dataSync() : v);
}

/** Images as flat [0, 1] arrays; byte images (values up to 255) are divided by 255. */
export function toImages(images: ImagesLike): Images {
  let pixels: Float32Array[];
  let height: number;
  let width: number;
  if (images instanceof tf.Tensor) {
    const [n, h, w, c] = images.shape;
    if (images.rank === 2) [height, width] = [Math.sqrt(h), Math.sqrt(h)];
    else [height, width] = [h, w];
    const ok = (images.rank === 4 && c === 1) || images.rank === 3 || (images.rank === 2 && Number.isInteger(height));
    if (!ok) throw new ShapeError(`Esperava imagens com forma (N, 28, 28, 1), (N, 28, 28) ou (N, 784); recebi ${formatShape(images.shape)}.`);
    const flat = images.dataSync();
    const size = height * width;
    pixels = Array.from({ length: n }, (_, i) => Float32Array.from(flat.subarray(i * size, (i + 1) * size)));
  } else {
    pixels = images.map((img) => Float32Array.from(isNested(img) ? img.flatMap((row) => Array.from(row)) : img));
    const first = images[0];
    height = first && isNested(first) ? first.length : Math.sqrt(pixels[0]?.length ?? 0);
    width = pixels.length ? pixels[0].length / height : 0;
    const bad = pixels.findIndex((p) => p.length !== height * width);
    if (!Number.isInteger(height) || bad >= 0) {
      throw new ShapeError(`Imagens devem ser quadradas e do mesmo tamanho; a imagem ${Math.max(bad, 0)} tem ${pixels[Math.max(bad, 0)].length} pixels.`);
    }
  }
  const broken = pixels.findIndex((p) => p.some((v) => !Number.isFinite(v)));
  if (broken >= 0) {
    throw new DataError(`A imagem ${broken} tem pixels NaN ou infinitos: o modelo que a gerou divergiu? (Recarregue o último checkpoint bom ou treine de novo com uma learning rate menor.)`);
  }
  const max = pixels.reduce((m, p) => p.reduce((a, v) => (v > a ? v : a), m), 0);
  if (max > 1.5) pixels = pixels.map((p) => p.map((v) => v / 255)); // bytes (0–255), not [0, 1]
  return { pixels, height, width };
}

function isNested(img: ArrayLike<number> | ReadonlyArray<ArrayLike<number>>): img is ReadonlyArray<ArrayLike<number>> {
  return img.length > 0 && typeof img[0] === 'object';
}

/** Runs `decoder` on the points `z` (inside tf.tidy) and returns the images. */
export function decode(decoder: Decoder, z: number[][]): Images {
  const out = tf.tidy(() => {
    const input = tf.tensor2d(z);
    const y = typeof decoder === 'function' ? decoder(input) : (decoder.predict(input) as tf.Tensor);
    return y;
  });
  try {
    if (out.shape[0] !== z.length) throw new ShapeError(`O decodificador devolveu ${out.shape[0]} imagens para ${z.length} pontos.`);
    return toImages(out);
  } finally {
    out.dispose();
  }
}

/** "1 ponto", "5.000 pontos": a count with the right Portuguese form. */
export function countOf(n: number, singular: string, plural: string): string {
  return `${formatPt(n)} ${n === 1 ? singular : plural}`;
}

/** A number for a caption: pt-BR, `digits` decimals ("0,50"), no "-0,00" for tiny negatives. */
export function formatNumber(v: number, digits = 2): string {
  return formatPt(v, digits);
}

/** "(0,12; -1,30)": a point formatted for a caption (pt-BR: decimal comma, so the coordinates are separated by semicolons). */
export function formatPoint(z: ArrayLike<number>, digits = 2): string {
  return `(${Array.from(z, (v) => formatNumber(v, digits)).join('; ')})`;
}

/** "[-3; 3]": an interval for a caption. */
export function formatRange(range: readonly number[], digits = 0): string {
  return `[${range.map((v) => formatPt(v, digits)).join('; ')}]`;
}
