/**
 * The C kernels of the native path (./c: the convolutions and the element-wise passes around
 * them; compiled by scripts/build-c-kernels.js into dist/native/libvaekernels.so), loaded
 * through koffi like the BLAS. One call does a whole kernel — a direct convolution when the
 * channels fill whole vectors (./c/direct.c), else im2col / col2im, bias rows, activation and the
 * BLAS GEMMs (./c/conv.c) — with the batch spread over OpenMP threads, where the TypeScript path
 * makes thousands of calls into small WebAssembly loops per kernel and runs on one thread.
 * Pointers are views of the wasm heap, as for the GEMM: nothing is copied.
 *
 * Loaded by ./blas.ts after the BLAS (the C code calls that BLAS's cblas_sgemm); VAE_C_KERNELS=0
 * keeps the TypeScript path.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** Activation codes of vk_conv2d. */
export const C_ACTIVATION = { linear: 0, relu: 1, leakyrelu: 2 } as const;

export interface CKernels {
  /** y = act(conv(x, w) + bias); 0, or −1 if scratch memory ran out. */
  conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array, geometry: Int32Array, activation: number, alpha: number, threads: number, chunkFloats: number): number;
  /** dx = act(the input gradient of conv(·, w) for dy + bias): bias null and activation 0 for the plain input gradient. */
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, bias: Float32Array | null, dx: Float32Array, geometry: Int32Array, activation: number, alpha: number, threads: number, chunkFloats: number): number;
  /** dw = the filter gradient of conv(x, ·) for dy. */
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, geometry: Int32Array, threads: number, chunkFloats: number): number;
  /** y = x > 0 ? x : α·x over n floats. */
  leakyRelu(x: Float32Array, y: Float32Array, n: number, alpha: number, threads: number): void;
  /** dx = x > 0 ? dy : α·dy over n floats. */
  leakyReluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, n: number, alpha: number, threads: number): void;
  /** y[r, c] = x[r, c] + bias[c]. */
  addBiasRows(x: Float32Array, bias: Float32Array, y: Float32Array, rows: number, cols: number, threads: number): void;
  /** Turns the direct kernels (./c/direct.c) on or off (off: every convolution takes the GEMM route); returns the previous state. */
  setDirect(enabled: boolean): boolean;
  /** 1 when the direct kernels do this convolution (kernel: 0 forward, 1 input gradient, 2 filter gradient). */
  directRoute(geometry: Int32Array, kernel: number): number;
  /** Floats per vector of the direct kernels (16 with AVX-512, 8 otherwise): channel counts they take are multiples of it. */
  vectorFloats: number;
  /** Convolutions done by the direct kernels so far. */
  directCalls(): number;
  /** Threads OpenMP offers (1 when built without OpenMP). */
  maxThreads: number;
  /** The library file. */
  file: string;
}

/** dist/native/libvaekernels.so (this file runs from dist/src/kernels/native). */
export function cKernelsFile(): string {
  const name = process.platform === 'darwin' ? 'libvaekernels.dylib' : 'libvaekernels.so';
  return process.env.VAE_C_KERNELS_LIBRARY || path.join(__dirname, '..', '..', '..', 'native', name);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 200);
}

/** Loads the C kernels against the BLAS loaded from `blasFile`, or says why not (Portuguese). */
export function loadCKernels(koffi: typeof import('koffi'), blasFile: string): CKernels | { reason: string } {
  if (process.env.VAE_C_KERNELS === '0') return { reason: 'desligados por VAE_C_KERNELS=0' };
  const file = cKernelsFile();
  if (!existsSync(file)) return { reason: `${path.basename(file)} não foi compilada (npm run build; precisa de um compilador C)` };
  try {
    const lib = koffi.load(file);
    const init = lib.func('int vk_init(const char *path)') as (p: string) => number;
    if (init(blasFile) !== 1) return { reason: `${path.basename(file)} não achou cblas_sgemm em ${blasFile}` };
    const maxThreads = (lib.func('int vk_max_threads()') as () => number)();
    const setDirect = lib.func('int vk_set_direct(int enabled)') as (enabled: number) => number;
    return {
      conv2d: lib.func('int vk_conv2d(const float *x, const float *w, const float *bias, float *y, const int *geo, int activation, float alpha, int threads, int chunkFloats)') as CKernels['conv2d'],
      conv2dBackpropInput: lib.func('int vk_conv2d_backprop_input(const float *dy, const float *w, const float *bias, float *dx, const int *geo, int activation, float alpha, int threads, int chunkFloats)') as CKernels['conv2dBackpropInput'],
      conv2dBackpropFilter: lib.func('int vk_conv2d_backprop_filter(const float *x, const float *dy, float *dw, const int *geo, int threads, int chunkFloats)') as CKernels['conv2dBackpropFilter'],
      leakyRelu: lib.func('void vk_leaky_relu(const float *x, float *y, long n, float alpha, int threads)') as CKernels['leakyRelu'],
      leakyReluGrad: lib.func('void vk_leaky_relu_grad(const float *dy, const float *x, float *dx, long n, float alpha, int threads)') as CKernels['leakyReluGrad'],
      addBiasRows: lib.func('void vk_add_bias_rows(const float *x, const float *bias, float *y, long rows, int cols, int threads)') as CKernels['addBiasRows'],
      setDirect: (enabled) => setDirect(enabled ? 1 : 0) === 1,
      directCalls: lib.func('int vk_direct_calls()') as () => number,
      vectorFloats: (lib.func('int vk_vector_floats()') as () => number)(),
      directRoute: lib.func('int vk_direct_route(const int *geo, int kernel)') as CKernels['directRoute'],
      maxThreads,
      file,
    };
  } catch (err) {
    return { reason: `${path.basename(file)} não carregou (${firstLine(err)})` };
  }
}
