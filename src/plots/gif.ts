/** Animated GIFs (gifenc: quantize → applyPalette → GIFEncoder): morphs, training over epochs. */
import { createCanvas, type Canvas, type CanvasRenderingContext2D } from 'canvas';
import * as path from 'node:path';
import { GIFEncoder, applyPalette, quantize } from 'gifenc';
import { ShapeError } from '../errors';
import { writeFileAtomic } from '../io/files';
import type { Figure } from './figure';
import { imageGrid, type Tile } from './image-grid';

/** A frame: a node-canvas or RGBA pixels (ImageData-like). */
export type Frame = Canvas | { width: number; height: number; data: Uint8ClampedArray | Uint8Array };

/** Options of `writeGif`. */
export interface GifOptions {
  /** Time each frame is shown, milliseconds (GIF stores 1/100 s). Default 100. */
  delayMs?: number;
  /** true: loop forever; false: play once; a number: that many extra loops. Default true. */
  loop?: boolean | number;
}

/** Encodes `frames` (all the same size) as an animated GIF at `file` (atomic write). Returns the absolute path. */
export async function writeGif(frames: Frame[], file: string, opts: GifOptions = {}): Promise<string> {
  const target = path.resolve(file);
  await writeFileAtomic(target, encodeGif(frames, opts));
  return target;
}

/** The GIF89a bytes of `frames`, each with its own 256-colour palette. */
export function encodeGif(frames: Frame[], opts: GifOptions = {}): Uint8Array {
  const { delayMs = 100, loop = true } = opts;
  if (frames.length === 0) throw new ShapeError('writeGif: nenhum quadro para gravar.');
  const { width, height } = frames[0];
  const repeat = loop === true ? 0 : loop === false ? -1 : loop;
  const gif = GIFEncoder();
  frames.forEach((frame, i) => {
    if (frame.width !== width || frame.height !== height) {
      throw new ShapeError(`Todos os quadros do GIF devem ter ${width}×${height}; o quadro ${i} tem ${frame.width}×${frame.height}.`);
    }
    const rgba = 'getContext' in frame ? frame.getContext('2d').getImageData(0, 0, width, height).data : frame.data;
    const palette = quantize(rgba, 256);
    gif.writeFrame(applyPalette(rgba, palette), width, height, { palette, delay: delayMs, repeat });
  });
  gif.finish();
  return gif.bytes();
}

/** `count` white canvases of width×height, frame i drawn by `draw(ctx, i)`. */
export function drawFrames(count: number, width: number, height: number, draw: (ctx: CanvasRenderingContext2D, i: number) => void): Canvas[] {
  return Array.from({ length: count }, (_, i) => {
    const canvas = createCanvas(width, height);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = 'white';
    ctx.fillRect(0, 0, width, height);
    draw(ctx, i);
    return canvas;
  });
}

/** Renders figures (e.g. one latent scatter per epoch) as frames, padded with white to the largest size. */
export async function figureFrames(figs: Figure[], scale = 1): Promise<Canvas[]> {
  const canvases = await Promise.all(figs.map((f) => f.toCanvas(scale)));
  const w = Math.max(...canvases.map((c) => c.width));
  const h = Math.max(...canvases.map((c) => c.height));
  return drawFrames(canvases.length, w, h, (ctx, i) => ctx.drawImage(canvases[i], 0, 0));
}

/** One frame per tile (e.g. `interpolation(...).data`), the image enlarged `scale`× with its caption. */
export function tileFrames(tiles: Tile[], scale = 4): Promise<Canvas[]> {
  return figureFrames(tiles.map((t) => imageGrid([t.image], { scale, border: false, captions: t.caption ? [t.caption] : undefined, fontSize: 12 })));
}
