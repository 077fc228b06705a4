// Types for gifenc 1.0.3 (the package ships none): only what src/plots/gif.ts uses.
declare module 'gifenc' {
  /** RGB(A) colours, [r, g, b] or [r, g, b, a] in 0..255. */
  export type Palette = number[][];
  export type ColorFormat = 'rgb565' | 'rgb444' | 'rgba4444';
  export function quantize(rgba: Uint8Array | Uint8ClampedArray, maxColors: number, options?: { format?: ColorFormat }): Palette;
  export function applyPalette(rgba: Uint8Array | Uint8ClampedArray, palette: Palette, format?: ColorFormat): Uint8Array;
  export interface FrameOptions {
    palette?: Palette;
    /** Frame delay in milliseconds (stored in 1/100 s). */
    delay?: number;
    /** -1 = play once, 0 = loop forever, n > 0 = n extra loops. */
    repeat?: number;
    transparent?: boolean;
    transparentIndex?: number;
    dispose?: number;
    first?: boolean;
  }
  export interface Encoder {
    writeFrame(index: Uint8Array, width: number, height: number, opts?: FrameOptions): void;
    finish(): void;
    bytes(): Uint8Array;
    bytesView(): Uint8Array;
    reset(): void;
  }
  export function GIFEncoder(opts?: { auto?: boolean; initialCapacity?: number }): Encoder;
}
