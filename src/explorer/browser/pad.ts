/**
 * The drawing pad: a real 28×28 canvas (the encoder's input size), shown enlarged with sharp pixels.
 * Mouse and touch (pointer events) draw black round strokes on white; `pixels()` gives the image the
 * encoder sees, ink = 1 − red/255 (the MNIST convention: ink high, paper 0).
 */
import { capture, digitCanvas } from './dom';

/** Stroke width in image pixels (MNIST strokes are 2 to 3 pixels wide). */
const LINE_WIDTH = 2.2;

export class DrawPad {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private last: [number, number] | null = null;
  private drawn = false;

  constructor(css: number, private readonly onChange: (done: boolean) => void) {
    this.canvas = digitCanvas(css, { 'data-role': 'draw-pad', class: 'vx-digit vx-pad' });
    this.ctx = this.canvas.getContext('2d', { willReadFrequently: true })!;
    this.clear();
    const at = (e: PointerEvent): [number, number] => {
      const r = this.canvas.getBoundingClientRect();
      return [((e.clientX - r.left) / r.width) * 28, ((e.clientY - r.top) / r.height) * 28];
    };
    this.canvas.addEventListener('pointerdown', (e) => {
      capture(this.canvas, e);
      this.last = at(e);
      this.stroke(this.last, this.last);
      e.preventDefault();
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (!this.last) return;
      const p = at(e);
      this.stroke(this.last, p);
      this.last = p;
    });
    const end = () => {
      if (!this.last) return;
      this.last = null;
      this.onChange(true);
    };
    this.canvas.addEventListener('pointerup', end);
    this.canvas.addEventListener('pointercancel', end);
  }

  /** True once something was drawn since the last `clear`. */
  get hasInk(): boolean {
    return this.drawn;
  }

  clear(): void {
    this.ctx.fillStyle = 'white';
    this.ctx.fillRect(0, 0, 28, 28);
    this.drawn = false;
  }

  private stroke(from: [number, number], to: [number, number]): void {
    const c = this.ctx;
    c.strokeStyle = 'black';
    c.lineWidth = LINE_WIDTH;
    c.lineCap = c.lineJoin = 'round';
    c.beginPath();
    c.moveTo(...from);
    c.lineTo(to[0] + 0.01, to[1]);
    c.stroke();
    this.drawn = true;
    this.onChange(false);
  }

  /** The 28×28 image as the encoder's input: ink in [0, 1]. */
  pixels(): Float32Array {
    const data = this.ctx.getImageData(0, 0, 28, 28).data;
    const x = new Float32Array(784);
    for (let i = 0; i < 784; i++) x[i] = 1 - data[4 * i] / 255;
    return x;
  }
}
