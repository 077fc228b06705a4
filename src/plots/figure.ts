/**
 * The figure every plot helper returns. It renders three ways: live in a notebook (`show`),
 * to a file (`save`: .svg, .png, .jpg), and as data for tests (`spec`/`data`, `toSVG`, `toPNG`).
 */
import { createCanvas, type Canvas, type CanvasRenderingContext2D } from 'canvas';
import * as path from 'node:path';
import { inspect } from 'node:util';
import type { TopLevelSpec } from 'vega-lite';
import { ConfigError } from '../errors';
import { escapeXml } from '../text';
import { writeFileAtomic } from '../io/files';
import type { UpdatableDisplay } from '../notebook';
import { specToCanvas, specToSVG } from './render';
import { showFigure } from './show';
import { VEGA_CONFIG } from './theme';

/** Device pixels per CSS pixel for PNG/JPEG output (2 = crisp on high-DPI screens). */
export const DEFAULT_SCALE = 2;

/** Options for `fig.save(file, opts)`. */
export interface SaveOptions {
  /** Device pixels per CSS pixel for .png/.jpg. Default 2. */
  scale?: number;
  /** JPEG quality in [0, 1]. Default 0.92. */
  quality?: number;
}

/** What all figures share. `D` is the data behind it: chart rows or image tiles. */
export abstract class Figure<D = unknown> {
  /** 'chart' (vega-lite) or 'image' (drawn on a canvas). */
  abstract readonly kind: 'chart' | 'image';

  constructor(
    /** Width of the whole image in CSS pixels (PNG width = width × scale). */
    readonly width: number,
    /** Height of the whole image in CSS pixels. */
    readonly height: number,
    /** The rows (charts) or tiles (image grids) drawn. */
    readonly data: D,
    /** One-line Portuguese description, used as the notebook's text/plain output. */
    readonly description: string,
  ) {}

  /** The figure drawn on a node-canvas at `scale` device pixels per CSS pixel. */
  abstract toCanvas(scale?: number): Promise<Canvas>;

  /** The figure as SVG text. */
  abstract toSVG(): Promise<string>;

  /** PNG bytes at `scale` (default 2). */
  async toPNG(scale = DEFAULT_SCALE): Promise<Buffer> {
    return (await this.toCanvas(scale)).toBuffer('image/png');
  }

  /** JPEG bytes at `scale` (default 2), `quality` in [0, 1]. */
  async toJPEG(scale = DEFAULT_SCALE, quality = 0.92): Promise<Buffer> {
    return (await this.toCanvas(scale)).toBuffer('image/jpeg', { quality });
  }

  /** Writes .svg, .png or .jpg (by extension), creating folders, atomically. Returns the absolute path. */
  async save(file: string, opts: SaveOptions = {}): Promise<string> {
    const ext = path.extname(file).toLowerCase();
    let bytes: string | Buffer;
    if (ext === '.svg') bytes = await this.toSVG();
    else if (ext === '.png') bytes = await this.toPNG(opts.scale);
    else if (ext === '.jpg' || ext === '.jpeg') bytes = await this.toJPEG(opts.scale, opts.quality);
    else throw new ConfigError(`Não sei salvar uma figura como "${ext || '(sem extensão)'}" (${file}); use .svg, .png ou .jpg.`);
    const target = path.resolve(file);
    await writeFileAtomic(target, bytes);
    return target;
  }

  /**
   * Shows the figure as one notebook output (replacing `display`'s previous one if given, for live charts).
   * Does nothing outside a notebook (use `save`). Resolves to nothing, so a cell ending in it prints nothing.
   */
  async show(display?: UpdatableDisplay): Promise<void> {
    await showFigure(this, display);
  }

  /** The description. */
  toString(): string {
    return this.description;
  }

  /** What console.log (and tslab, for a cell's last value) prints: one line, not the whole data. */
  [inspect.custom](): string {
    return `${this.constructor.name} ${this.width}×${this.height}: ${this.description} (await fig.show() para ver)`;
  }
}

/** A vega-lite spec as the helpers write it: any top-level spec with a numeric width and height. */
export type ChartSpec = { width: number; height: number } & Record<string, unknown>;

/** A vega-lite chart: `spec` holds the whole spec with its data inlined. */
export class ChartFigure<Row = Record<string, unknown>> extends Figure<Row[]> {
  readonly kind = 'chart' as const;
  /** The vega-lite v5 spec (data inlined, theme config included). */
  readonly spec: TopLevelSpec;

  constructor(spec: ChartSpec, data: Row[], description: string) {
    super(spec.width, spec.height, data, description);
    this.spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      ...spec,
      config: { ...VEGA_CONFIG, ...((spec.config as object | undefined) ?? {}) },
    } as unknown as TopLevelSpec;
  }

  toCanvas(scale = DEFAULT_SCALE): Promise<Canvas> {
    return specToCanvas(this.spec, scale);
  }

  toSVG(): Promise<string> {
    return specToSVG(this.spec);
  }
}

/** Draws a figure in CSS pixels: the context is already scaled and filled white. */
export type DrawFn = (ctx: CanvasRenderingContext2D) => void;

/** A figure drawn directly on a canvas (image grids, interpolation strips). */
export class CanvasFigure<D = unknown> extends Figure<D> {
  readonly kind = 'image' as const;

  constructor(width: number, height: number, data: D, description: string, private readonly draw: DrawFn) {
    super(width, height, data, description);
  }

  async toCanvas(scale = DEFAULT_SCALE): Promise<Canvas> {
    const canvas = createCanvas(Math.round(this.width * scale), Math.round(this.height * scale));
    const ctx = canvas.getContext('2d');
    ctx.scale(scale, scale);
    ctx.fillStyle = 'white';
    ctx.fillRect(0, 0, this.width, this.height);
    this.draw(ctx);
    return canvas;
  }

  /** An SVG wrapping the 2× PNG (the drawing is raster by nature). */
  async toSVG(): Promise<string> {
    const png = (await this.toPNG(DEFAULT_SCALE)).toString('base64');
    const { width: w, height: h } = this;
    return (
      `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" ` +
      `width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><title>${escapeXml(this.description)}</title>` +
      `<image width="${w}" height="${h}" xlink:href="data:image/png;base64,${png}"/></svg>`
    );
  }
}
