/**
 * Writing small greyscale images (decoded digits) with node-canvas, inverted like matplotlib's
 * `cmap='gray_r'` (0 → white, 1 → black), as GDL's `plt.imsave(..., cmap='gray_r')` does.
 */
import { createCanvas, type Canvas } from 'canvas';
import * as path from 'node:path';
import { writeFileAtomic } from './files';

export interface GreyImageOptions {
  /** Draw 0 as white and 1 as black (default true, like gray_r). */
  invert?: boolean;
  /** Integer upscaling with nearest neighbour (default 1). */
  scale?: number;
}

/** Draws `pixels` (h·w values in [0, 1], row-major) on a new canvas. */
export function greyCanvas(pixels: ArrayLike<number>, width: number, height: number, options: GreyImageOptions = {}): Canvas {
  const scale = options.scale ?? 1;
  const invert = options.invert ?? true;
  const small = createCanvas(width, height);
  const ctx = small.getContext('2d');
  const image = ctx.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const v = Math.min(1, Math.max(0, pixels[i]));
    const g = Math.round(255 * (invert ? 1 - v : v));
    image.data.set([g, g, g, 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
  if (scale === 1) return small;
  const big = createCanvas(width * scale, height * scale);
  const bctx = big.getContext('2d');
  bctx.imageSmoothingEnabled = false;
  bctx.drawImage(small, 0, 0, width * scale, height * scale);
  return big;
}

/** Encodes a canvas as PNG or JPEG according to the file extension. */
export function encodeCanvas(canvas: Canvas, file: string): Buffer {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.jpg' || ext === '.jpeg') return canvas.toBuffer('image/jpeg', { quality: 0.95 });
  if (ext === '.png') return canvas.toBuffer('image/png');
  throw new Error(`Formato de imagem não suportado: ${file} (use .png ou .jpg).`);
}

/** Saves a greyscale image (.png or .jpg) atomically. */
export async function saveGreyImage(file: string, pixels: ArrayLike<number>, width: number, height: number, options: GreyImageOptions = {}): Promise<void> {
  await writeFileAtomic(file, encodeCanvas(greyCanvas(pixels, width, height, options), file));
}
