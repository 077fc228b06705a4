/** Small DOM helpers of the page. */

/** `<tag class=... data-role=...>` with text or children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string> = {}, children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

/** A 28×28 canvas shown at `css` pixels per side, pixels kept sharp. */
export function digitCanvas(css: number, attrs: Record<string, string> = {}): HTMLCanvasElement {
  const c = el('canvas', { width: '28', height: '28', class: 'vx-digit', ...attrs });
  c.style.width = c.style.height = `${css}px`;
  return c;
}

/** Draws image `index` of `pixels` (values in [0, 1], ink = 1) on a 28×28 canvas: black ink on white, as the book's figures. */
export function drawDigit(canvas: HTMLCanvasElement, pixels: Float32Array, index = 0): void {
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const g = 255 - Math.round(255 * Math.min(1, Math.max(0, pixels[index * 784 + i])));
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = g;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** Runs `task` for the latest value pushed, one at a time: while one runs, newer values replace older ones. */
export class LatestOnly<T> {
  private pending: { value: T } | null = null;
  private running = false;

  constructor(private readonly task: (value: T) => Promise<void>, private readonly onIdle: (idle: boolean) => void = () => {}) {}

  push(value: T): void {
    this.pending = { value };
    if (!this.running) void this.loop();
  }

  private async loop(): Promise<void> {
    this.running = true;
    this.onIdle(false);
    try {
      while (this.pending) {
        const { value } = this.pending;
        this.pending = null;
        await this.task(value);
      }
    } finally {
      this.running = false;
      this.onIdle(true);
    }
  }
}

/** Keeps a drag's events on `target` even when the pointer leaves it (not possible for synthetic events). */
export function capture(target: Element, e: PointerEvent): void {
  try {
    target.setPointerCapture(e.pointerId);
  } catch {
    // an untrusted (scripted) event has no active pointer to capture
  }
}
