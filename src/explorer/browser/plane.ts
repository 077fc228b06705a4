/**
 * The latent plane on a canvas: the test digits' μ coloured by label, axes, an optional decoded grid
 * behind them, and the marks on top (pointer, the drawn digit's μ with its 1σ and 2σ ellipses, the
 * sampled z, the interpolation segment). In p-space every coordinate goes through Φ, as in notebook 05.
 */
import { formatPt } from '../../text';
import { normCdf, normPpf } from '../../plots/stats';
import { PALETTE } from '../../plots/theme';

export type Space = 'z' | 'p';

/** Marks drawn on top of the points, all in z coordinates. */
export interface Marks {
  pointer?: number[];
  encoded?: { mu: number[]; sigma: number[] | null };
  sampled?: number[];
  path?: number[][];
}

const MARGIN = { left: 44, right: 10, top: 10, bottom: 24 };

/** Round steps (1, 2, 5 × 10^k) that give about `count` ticks over [lo, hi]. */
function ticks(lo: number, hi: number, count = 6): number[] {
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.abs(v) < 1e-12 ? 0 : v);
  return out;
}

export class LatentPlane {
  space: Space = 'z';
  readonly canvas: HTMLCanvasElement;
  private readonly background = document.createElement('canvas');
  private readonly dpr = Math.max(1, Math.min(2, window.devicePixelRatio || 1));
  private zDomain: { x: [number, number]; y: [number, number] };
  /** Decoded grid tiles (z of each tile centre and its pixels), or null when the overlay is off. */
  private grid: { size: number; pixels: Float32Array } | null = null;
  marks: Marks = {};

  constructor(
    private readonly points: number[][],
    private readonly labels: (number | string)[],
    readonly width: number,
    readonly height: number,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.dataset.role = 'latent-plane';
    this.canvas.className = 'vx-plane';
    for (const c of [this.canvas, this.background]) {
      c.width = Math.round(width * this.dpr);
      c.height = Math.round(height * this.dpr);
    }
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    const pad = (lo: number, hi: number): [number, number] => [lo - 0.06 * (hi - lo), hi + 0.06 * (hi - lo)];
    this.zDomain = { x: pad(Math.min(...xs), Math.max(...xs)), y: pad(Math.min(...ys), Math.max(...ys)) };
    this.setSpace('z');
  }

  /** The plot area in CSS pixels. */
  get area() {
    return { left: MARGIN.left, top: MARGIN.top, width: this.width - MARGIN.left - MARGIN.right, height: this.height - MARGIN.top - MARGIN.bottom };
  }

  /** The axes' ranges in plane coordinates (z, or Φ(z) in p-space). */
  get domain(): { x: [number, number]; y: [number, number] } {
    return this.space === 'z' ? this.zDomain : { x: [0, 1], y: [0, 1] };
  }

  /** z → plane coordinates (Φ per coordinate in p-space). */
  toPlane(z: number[]): number[] {
    return this.space === 'z' ? z : z.map((v) => normCdf(v));
  }

  /** Plane coordinates → z (Φ⁻¹ in p-space, kept inside (0, 1)). */
  fromPlane(u: number[]): number[] {
    return this.space === 'z' ? u : u.map((v) => normPpf(Math.min(1 - 1e-6, Math.max(1e-6, v))));
  }

  /** z → CSS pixel inside the canvas. */
  toPixel(z: number[]): [number, number] {
    const [u, v] = this.toPlane(z);
    const { x, y } = this.domain;
    const a = this.area;
    return [a.left + ((u - x[0]) / (x[1] - x[0])) * a.width, a.top + (1 - (v - y[0]) / (y[1] - y[0])) * a.height];
  }

  /** CSS pixel (relative to the canvas) → z, or null outside the plot area. */
  fromPixel(px: number, py: number): number[] | null {
    const a = this.area;
    if (px < a.left || px > a.left + a.width || py < a.top || py > a.top + a.height) return null;
    const { x, y } = this.domain;
    return this.fromPlane([x[0] + ((px - a.left) / a.width) * (x[1] - x[0]), y[0] + (1 - (py - a.top) / a.height) * (y[1] - y[0])]);
  }

  /** z of the centre of each tile of a size × size grid over the plot area (row by row, top row first). */
  gridZ(size: number): number[][] {
    const { x, y } = this.domain;
    const out: number[][] = [];
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        out.push(this.fromPlane([x[0] + ((c + 0.5) / size) * (x[1] - x[0]), y[1] - ((r + 0.5) / size) * (y[1] - y[0])]));
      }
    }
    return out;
  }

  /** Switches between z-space and p-space and redraws. */
  setSpace(space: Space): void {
    this.space = space;
    this.grid = null;
    const a = this.area;
    this.canvas.dataset.space = space;
    this.canvas.dataset.domain = JSON.stringify({ ...this.domain, area: a });
    this.drawBackground();
    this.draw();
  }

  /** Shows (pixels) or hides (null) the decoded grid behind the points. */
  setGrid(grid: { size: number; pixels: Float32Array } | null): void {
    this.grid = grid;
    this.drawBackground();
    this.draw();
  }

  /** Index of the test digit whose μ is nearest to z (in z coordinates). */
  nearest(z: number[]): number {
    let best = 0;
    let bestD = Infinity;
    this.points.forEach((p, i) => {
      const d = (p[0] - z[0]) ** 2 + (p[1] - z[1]) ** 2;
      if (d < bestD) [best, bestD] = [i, d];
    });
    return best;
  }

  label(i: number): number | string {
    return this.labels[i];
  }

  private drawBackground(): void {
    const ctx = this.background.getContext('2d')!;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = 'white';
    ctx.fillRect(0, 0, this.width, this.height);
    const a = this.area;
    if (this.grid) this.drawGrid(ctx);
    ctx.globalAlpha = this.grid ? 0.55 : 0.75;
    this.points.forEach((p, i) => {
      const [px, py] = this.toPixel(p);
      const l = this.labels[i];
      ctx.fillStyle = PALETTE[(typeof l === 'number' ? l : Number.parseInt(String(l), 10) || 0) % PALETTE.length];
      ctx.beginPath();
      ctx.arc(px, py, 1.8, 0, 2 * Math.PI);
      ctx.fill();
    });
    ctx.globalAlpha = 1;
    ctx.strokeStyle = '#999';
    ctx.strokeRect(a.left, a.top, a.width, a.height);
    ctx.fillStyle = '#333';
    ctx.font = '11px DejaVu Sans, Verdana, sans-serif';
    const { x, y } = this.domain;
    const digits = (step: number) => Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
    const xt = ticks(x[0], x[1]);
    const yt = ticks(y[0], y[1]);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of xt) {
      const px = a.left + ((t - x[0]) / (x[1] - x[0])) * a.width;
      ctx.fillRect(px, a.top + a.height, 1, 4);
      ctx.fillText(formatPt(t, digits(xt[1] - xt[0])), px, a.top + a.height + 6);
    }
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of yt) {
      const py = a.top + (1 - (t - y[0]) / (y[1] - y[0])) * a.height;
      ctx.fillRect(a.left - 4, py, 4, 1);
      ctx.fillText(formatPt(t, digits(yt[1] - yt[0])), a.left - 6, py);
    }
  }

  private drawGrid(ctx: CanvasRenderingContext2D): void {
    const { size, pixels } = this.grid!;
    const a = this.area;
    const tile = document.createElement('canvas');
    tile.width = tile.height = 28;
    const tctx = tile.getContext('2d')!;
    const img = tctx.createImageData(28, 28);
    for (let k = 0; k < size * size; k++) {
      for (let i = 0; i < 784; i++) {
        const g = 255 - Math.round(255 * pixels[k * 784 + i]);
        img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = g;
        img.data[4 * i + 3] = 255;
      }
      tctx.putImageData(img, 0, 0);
      const w = a.width / size;
      const h = a.height / size;
      ctx.drawImage(tile, a.left + (k % size) * w, a.top + Math.floor(k / size) * h, w, h);
    }
  }

  /** Redraws the marks over the cached background. */
  draw(): void {
    const ctx = this.canvas.getContext('2d')!;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.background, 0, 0);
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    const a = this.area;
    ctx.save();
    ctx.beginPath();
    ctx.rect(a.left, a.top, a.width, a.height);
    ctx.clip();
    const { pointer, encoded, sampled, path } = this.marks;
    if (path && path.length) {
      ctx.strokeStyle = '#000';
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      path.forEach((z, i) => (i ? ctx.lineTo(...this.toPixel(z)) : ctx.moveTo(...this.toPixel(z))));
      ctx.stroke();
      for (const z of [path[0], path[path.length - 1]]) this.dot(ctx, z, 4, '#000', '#fff');
    }
    if (encoded) {
      if (encoded.sigma) {
        for (const [k, dash] of [[1, []], [2, [5, 4]]] as [number, number[]][]) this.ellipse(ctx, encoded.mu, encoded.sigma, k, dash);
      }
      this.dot(ctx, encoded.mu, 5, '#000', '#ffd400');
    }
    if (sampled) this.dot(ctx, sampled, 4, '#fff', '#d62728');
    if (pointer) this.dot(ctx, pointer, 3.5, '#000', 'rgba(255,255,255,0.8)');
    ctx.restore();
  }

  private dot(ctx: CanvasRenderingContext2D, z: number[], r: number, stroke: string, fill: string): void {
    const [px, py] = this.toPixel(z);
    ctx.beginPath();
    ctx.arc(px, py, r, 0, 2 * Math.PI);
    ctx.fillStyle = fill;
    ctx.fill();
    ctx.strokeStyle = stroke;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  }

  // The k-σ ellipse of N(μ, diag σ²): z = μ + k·(σ0 cos θ, σ1 sin θ), mapped point by point (curved in p-space).
  private ellipse(ctx: CanvasRenderingContext2D, mu: number[], sigma: number[], k: number, dash: number[]): void {
    ctx.setLineDash(dash);
    ctx.strokeStyle = '#000';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (let i = 0; i <= 72; i++) {
      const t = (i / 72) * 2 * Math.PI;
      const [px, py] = this.toPixel([mu[0] + k * sigma[0] * Math.cos(t), mu[1] + k * sigma[1] * Math.sin(t)]);
      if (i) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
    }
    ctx.stroke();
    ctx.setLineDash([]);
  }
}
