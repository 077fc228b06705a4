/**
 * "What does it mean to sample from a distribution?" (notebook 02, the book's car colours):
 * cars drawn one by one with colours from a categorical distribution, while the bar chart of
 * observed frequencies approaches the true probabilities.
 */
import type { Canvas, CanvasRenderingContext2D } from 'canvas';
import { Rng } from '../train/rng';
import { drawFrames } from './gif';
import { FONT } from './theme';

/** A category: name, colour on screen, probability. */
export interface Category {
  name: string;
  color: string;
  p: number;
}

/** Car colours and their (made-up but plausible) shares of the streets. */
export const CAR_COLORS: Category[] = [
  { name: 'branco', color: '#f4f4f4', p: 0.35 },
  { name: 'preto', color: '#222222', p: 0.25 },
  { name: 'prata', color: '#a9adb3', p: 0.2 },
  { name: 'vermelho', color: '#c8232c', p: 0.1 },
  { name: 'azul', color: '#1f4fa3', p: 0.07 },
  { name: 'verde', color: '#2e8b3e', p: 0.03 },
];

/** Options of `samplingFrames`. */
export interface SamplingAnimationOptions {
  /** How many cars to draw (one per frame). Default 60. */
  samples?: number;
  /** Seed of the draws. Default 1. */
  seed?: number;
  width?: number;
  height?: number;
}

function drawCar(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, color: string): void {
  const h = w * 0.45;
  ctx.fillStyle = color;
  ctx.strokeStyle = '#333';
  ctx.lineWidth = 1.5;
  ctx.beginPath(); // body and cabin
  ctx.moveTo(x, y + h * 0.55);
  ctx.lineTo(x + w * 0.2, y + h * 0.5);
  ctx.lineTo(x + w * 0.32, y + h * 0.1);
  ctx.lineTo(x + w * 0.7, y + h * 0.1);
  ctx.lineTo(x + w * 0.82, y + h * 0.5);
  ctx.lineTo(x + w, y + h * 0.58);
  ctx.lineTo(x + w, y + h * 0.85);
  ctx.lineTo(x, y + h * 0.85);
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
  ctx.fillStyle = '#cfe3f3';
  ctx.fillRect(x + w * 0.36, y + h * 0.18, w * 0.14, h * 0.3);
  ctx.fillRect(x + w * 0.53, y + h * 0.18, w * 0.14, h * 0.3);
  for (const cx of [x + w * 0.22, x + w * 0.78]) {
    ctx.fillStyle = '#222';
    ctx.beginPath();
    ctx.arc(cx, y + h * 0.85, h * 0.17, 0, 2 * Math.PI);
    ctx.fill();
  }
}

/** Index of the category a uniform u ∈ [0, 1) falls in (inverse CDF of a categorical). */
export function sampleCategory(categories: Category[], u: number): number {
  let acc = 0;
  for (let i = 0; i < categories.length; i++) {
    acc += categories[i].p;
    if (u < acc) return i;
  }
  return categories.length - 1;
}

/** The animation's frames: frame i shows the i-th car drawn and the frequencies after i+1 draws. */
export function samplingFrames(categories: Category[] = CAR_COLORS, opts: SamplingAnimationOptions = {}): { frames: Canvas[]; draws: number[] } {
  const { samples = 60, seed = 1, width = 640, height = 300 } = opts;
  const rng = new Rng(seed);
  const draws = Array.from({ length: samples }, () => sampleCategory(categories, rng.next()));
  const barsX = 300;
  const barW = (width - barsX - 20) / categories.length;
  const chartTop = 60;
  const chartH = height - chartTop - 50;
  const pMax = 0.5;
  const frames = drawFrames(samples, width, height, (ctx, i) => {
    const counts = categories.map((_, k) => draws.slice(0, i + 1).filter((d) => d === k).length);
    ctx.fillStyle = 'black';
    ctx.font = `bold 16px ${FONT}`;
    ctx.fillText('Amostrando cores de carros', 16, 26);
    ctx.font = `13px ${FONT}`;
    ctx.fillText(`amostra ${i + 1} de ${samples}: ${categories[draws[i]].name}`, 16, 48);
    drawCar(ctx, 40, 110, 200, categories[draws[i]].color);
    // recent cars in a row, the newest on the right
    draws.slice(Math.max(0, i - 7), i).forEach((d, k, recent) => drawCar(ctx, 16 + (8 - recent.length + k) * 33, 235, 28, categories[d].color));
    ctx.font = `11px ${FONT}`;
    ctx.fillText('últimas amostras', 16, 280);
    categories.forEach((c, k) => {
      const x = barsX + k * barW;
      const observed = counts[k] / (i + 1);
      const h = (Math.min(observed, pMax) / pMax) * chartH;
      ctx.fillStyle = c.color;
      ctx.strokeStyle = '#333';
      ctx.fillRect(x + 4, chartTop + chartH - h, barW - 8, h);
      ctx.strokeRect(x + 4, chartTop + chartH - h, barW - 8, h);
      const ty = chartTop + chartH - (c.p / pMax) * chartH; // the true probability
      ctx.strokeStyle = '#d62728';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x + 1, ty);
      ctx.lineTo(x + barW - 1, ty);
      ctx.stroke();
      ctx.lineWidth = 1;
      ctx.fillStyle = 'black';
      ctx.font = `11px ${FONT}`;
      ctx.textAlign = 'center';
      ctx.fillText(c.name, x + barW / 2, chartTop + chartH + 16);
      ctx.fillText(`${Math.round(observed * 100)}%`, x + barW / 2, chartTop + chartH + 30);
      ctx.textAlign = 'left';
    });
    ctx.fillStyle = '#d62728';
    ctx.fillText('— probabilidade verdadeira', barsX + 4, chartTop - 18);
    ctx.fillStyle = '#333';
    ctx.fillText('barras: frequência observada', barsX + 4, chartTop - 4);
  });
  return { frames, draws };
}
