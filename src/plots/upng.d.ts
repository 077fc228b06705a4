// Types for upng-js 2.1.0 (the package ships none): only what src/plots/png.ts uses.
declare module 'upng-js' {
  /** Encodes RGBA frames as PNG; `colors` > 0 quantises to that many colours (an indexed PNG), 0 = lossless. */
  export function encode(frames: ArrayBuffer[], width: number, height: number, colors: number): ArrayBuffer;
}
