/**
 * Writing small greyscale images (decoded digits) with node-canvas, inverted like matplotlib's
 * `cmap='gray_r'` (0 → white, 1 → black), as GDL's `plt.imsave(..., cmap='gray_r')` does, and
 * reading them back as pixels in [0, 1].
 */
import * as tf from '@tensorflow/tfjs';
import { createCanvas, loadImage, type Canvas } from 'canvas';
import * as path from 'node:path';
import { DataError, ShapeError } from '../errors';
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

/** Options of `readGreyImages`. */
export interface ReadGreyImagesOptions {
  /** Size of each image in the tensor (default 28 × 28); a file must be an integer multiple of it. */
  width?: number;
  height?: number;
  /** The files were written inverted (0 → white), as `saveGreyImage` does (default true). */
  invert?: boolean;
}

/**
 * Reads greyscale images written by `saveGreyImage` (e.g. a run's images/img_EEE_B.jpg, drawn 4×
 * larger) back as a [N, height, width, 1] tensor in [0, 1]: each scale × scale block of the file is
 * averaged, v = mean(grey) / 255, and inverted (v → 1 − v) like gray_r. Notebook 04 classifies them.
 */
export async function readGreyImages(files: string[], options: ReadGreyImagesOptions = {}): Promise<tf.Tensor4D> {
  const { width = 28, height = 28, invert = true } = options;
  const out = new Float32Array(files.length * width * height);
  for (const [n, file] of files.entries()) {
    const img = await loadImage(file).catch((err: unknown) => {
      throw new DataError(`Não consegui ler a imagem ${file}: ${(err as Error).message}`, file, { cause: err });
    });
    const scale = img.width / width;
    if (!Number.isInteger(scale) || img.height !== scale * height) {
      throw new ShapeError(`${file} tem ${img.width}×${img.height} pixels; esperado um múltiplo inteiro de ${width}×${height}.`);
    }
    const ctx = createCanvas(img.width, img.height).getContext('2d');
    ctx.drawImage(img, 0, 0);
    const rgba = ctx.getImageData(0, 0, img.width, img.height).data;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let sum = 0; // the red channel: the file is grey (r = g = b)
        for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) sum += rgba[4 * ((y * scale + dy) * img.width + x * scale + dx)];
        const v = sum / (scale * scale * 255);
        out[n * width * height + y * width + x] = invert ? 1 - v : v;
      }
    }
  }
  return tf.tensor4d(out, [files.length, height, width, 1]);
}
