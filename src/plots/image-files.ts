/** Saved images (e.g. the run's images/img_EEE_B.jpg) side by side with captions. */
import { createCanvas, loadImage, type Image } from 'canvas';
import * as path from 'node:path';
import { CanvasFigure } from './figure';
import { FONT } from './theme';

/** Options of `imageFiles`. */
export interface ImageFilesOptions {
  /** Text under each image. Default: the file names. */
  captions?: string[];
  /** Images per row. Default: all in one row (at most 10). */
  cols?: number;
  /** Size each image is drawn at, CSS pixels. Default 84. */
  size?: number;
  /** Title above. Default: none. */
  title?: string;
}

/** Loads image files (.jpg/.png) and lays them out in a grid with captions. */
export async function imageFiles(files: string[], opts: ImageFilesOptions = {}): Promise<CanvasFigure<string[]>> {
  const images: Image[] = await Promise.all(files.map((f) => loadImage(f)));
  const { size = 84, title } = opts;
  const captions = opts.captions ?? files.map((f) => path.basename(f));
  const cols = opts.cols ?? Math.min(files.length, 10);
  const rows = Math.ceil(files.length / cols);
  const cellW = size + 12;
  const cellH = size + 22;
  const top = title ? 26 : 0;
  const measure = createCanvas(1, 1).getContext('2d');
  measure.font = `bold 13px ${FONT}`;
  const width = Math.max(cols * cellW, title ? Math.ceil(measure.measureText(title).width) + 12 : 0);
  return new CanvasFigure(width, top + rows * cellH, files, `${files.length} imagens: ${captions.join(', ')}`, (ctx) => {
    ctx.fillStyle = 'black';
    if (title) {
      ctx.font = `bold 13px ${FONT}`;
      ctx.fillText(title, 6, 17);
    }
    ctx.font = `10px ${FONT}`;
    ctx.textAlign = 'center';
    images.forEach((img, i) => {
      const x = (i % cols) * cellW + 6;
      const y = top + Math.floor(i / cols) * cellH;
      ctx.drawImage(img, x, y, size, size);
      ctx.strokeStyle = '#cccccc';
      ctx.strokeRect(x, y, size, size);
      ctx.fillText(captions[i], x + size / 2, y + size + 13);
    });
  });
}
