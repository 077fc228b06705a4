/**
 * Direct WebAssembly SIMD convolutions with one input channel (Cin = 1, dilation 1): the
 * encoder's first Conv2D and the decoder's last Conv2DTranspose (one output channel), whose
 * K = KH·KW·Cin = 9 makes im2col + GEMM slow (thin GEMMs, and im2col / col2im moving runs of
 * 1–3 floats). Here there is no col matrix: each kernel walks the taps itself, with 4 channels co
 * of the filter [KH, KW, 1, Cout] per f32x4 vector (Cout % 4 == 0): blocks of 32 channels
 * (8 vectors) while they fit, then single vectors. All arithmetic is f32 (mul then add: the SIMD
 * of Node's WebAssembly has no fused multiply-add).
 *
 * With x [B, H, W, 1], dy and y [B, OH, OW, Cout], and (equation (1) of ../../geometry.ts)
 *     ih = oh·sh + kh − pt,   iw = ow·sw + kw − pl,   terms outside the image omitted:
 *   forward         y[b, oh, ow, co] = bias[co] + Σ_{kh,kw} x[b, ih, iw] · w[kh, kw, co]
 *                   per pixel: 8 accumulators (locals) start at the bias; each valid tap's x is
 *                   splat and multiplied into them; one store;
 *   input gradient  dx[b, ih, iw] = Σ_{kh,kw,oh,ow with (1)} Σ_co dy[b, oh, ow, co] · w[kh, kw, co]
 *                   a gather per dx pixel (any stride): for each valid tap, the products
 *                   dy·w of the block's vectors summed as a tree into one accumulator, then one
 *                   horizontal sum (8 accumulators, as in the forward, measured 1.3–1.4×
 *                   slower here);
 *   filter gradient dW[kh, kw, co] = Σ_{b,oh,ow} x[b, ih, iw] · dy[b, oh, ow, co]
 *                   per output row and tap, 8 accumulators over the row's valid ow (x splat,
 *                   dy row), then added into dW: the dy row stays in L1 while the KH·KW taps
 *                   read it, and each float is the sum of per-row partial sums.
 * Measured on the VAE's shapes at batch 32 with the data in cache: ~22 GFLOP/s forward and filter
 * gradient, ~17 input gradient; within a training step the 3.2 MB of y or dy that each call
 * writes or reads from memory adds about as much again.
 *
 * Which taps are valid comes from tables of i32 triples in the heap, one per output index along
 * an axis (made by ../../native/single_channel.ts):
 *   forward taps (rows per oh, columns per ow): [first tap k, taps, input index of tap k]; the
 *     next taps are k+1, k+2, … reading the input indices that follow;
 *   transposed taps (rows per ih, columns per iw): [first tap k, taps, dy index o of tap k]; the
 *     next taps are k+s, k+2s, … reading dy indices o−1, o−2, …;
 *   filter-gradient columns (one per kw): [first ow, count, iw of that ow]; iw advances by sw.
 * Pointers and sizes are in bytes, like every module of this folder.
 */
import { assemble, Func, I32, V128, type ValType } from './assembler';
import { HeapModule, simdFor } from './index';

/** y = bias + conv(x, w) for Cin = 1 (bias: Cout floats, zeros for none). */
export interface DirectForwardArgs {
  x: number;
  filter: number;
  bias: number;
  y: number;
  batch: number;
  /** Bytes of one image of x (H·W·4). */
  xImageBytes: number;
  /** Forward taps per output row (outHeight triples) and per output column (outWidth triples). */
  rowTaps: number;
  outHeight: number;
  colTaps: number;
  outWidth: number;
  /** Bytes of one row of x (W·4) and of the filter (KW·Cout·4); Cout·4. */
  xRowBytes: number;
  filterRowBytes: number;
  channelBytes: number;
}

/** dx (one channel) of a convolution, i.e. Conv2DTranspose with one output channel. */
export interface DirectInputGradientArgs {
  dy: number;
  filter: number;
  dx: number;
  batch: number;
  /** Bytes of one image of dy (OH·OW·Cout·4). */
  dyImageBytes: number;
  /** Transposed taps per dx row (inHeight triples) and per dx column (inWidth triples). */
  rowTaps: number;
  inHeight: number;
  colTaps: number;
  inWidth: number;
  /** Bytes of one row of dy (OW·Cout·4) and of the filter (KW·Cout·4); Cout·4. */
  dyRowBytes: number;
  filterRowBytes: number;
  channelBytes: number;
  strideHeight: number;
  strideWidth: number;
}

/** dW += the filter gradient for Cin = 1 (dW must hold zeros, or the sum to add to). */
export interface DirectFilterGradientArgs {
  x: number;
  dy: number;
  dw: number;
  batch: number;
  xImageBytes: number;
  /** Forward taps per output row (outHeight triples); filter-gradient columns (filterWidth triples). */
  rowTaps: number;
  outHeight: number;
  tapColumns: number;
  filterWidth: number;
  /** Bytes of one row of x (W·4), of dy (OW·Cout·4) and of the filter (KW·Cout·4); Cout·4. */
  xRowBytes: number;
  dyRowBytes: number;
  filterRowBytes: number;
  channelBytes: number;
  strideWidth: number;
}

export interface DirectKernels {
  forward(args: DirectForwardArgs): void;
  inputGradient(args: DirectInputGradientArgs): void;
  filterGradient(args: DirectFilterGradientArgs): void;
}

/** Vectors per channel block: 8 f32x4 = 32 channels. */
const BLOCK_VECTORS = 8;
/** Bytes of one tap-table entry (three i32). */
const ENTRY_BYTES = 12;

/** A function of `names.length` i32 parameters; returns it and the parameters' indices by name. */
function funcWithParams<N extends string>(exportName: string, names: readonly N[]): [Func, Record<N, number>] {
  const f = new Func(exportName, names.map((): ValType => I32));
  const index = {} as Record<N, number>;
  names.forEach((n, i) => (index[n] = i));
  return [f, index];
}

/** local += other (i32 locals). */
function addLocal(f: Func, local: number, other: number): void {
  f.get(local).get(other).op('i32.add').set(local);
}

/** local = base + load(entry + field) · scale: a pointer from a tap-table field. */
function pointerFromEntry(f: Func, local: number, base: number, entry: number, field: 0 | 1 | 2, scale: number): void {
  f.get(base).get(entry).mem('i32.load', 4 * field).get(scale).op('i32.mul').op('i32.add').set(local);
}

/**
 * for (c = 0; c < channelBytes; …): body(8) over 32-channel blocks while one fits, then body(1)
 * over single vectors of 4 channels. `c` is the block's byte offset within a row of channels.
 */
function channelBlocks(f: Func, c: number, channelBytes: number, body: (vectors: number) => void): void {
  f.i32(0).set(c);
  f.whileNot(
    () => f.get(c).i32(16 * BLOCK_VECTORS).op('i32.add').get(channelBytes).op('i32.gt_u'),
    () => {
      body(BLOCK_VECTORS);
      f.addTo(c, 16 * BLOCK_VECTORS);
    },
  );
  f.whileNot(
    () => f.get(c).get(channelBytes).op('i32.ge_u'),
    () => {
      body(1);
      f.addTo(c, 16);
    },
  );
}

/** for (i = 0; i < count; i++) body() with a fresh counter local. */
function repeat(f: Func, count: number, body: () => void): void {
  const i = f.local(I32);
  f.i32(0).set(i);
  f.whileNot(
    () => f.get(i).get(count).op('i32.ge_u'),
    () => {
      body();
      f.addTo(i, 1);
    },
  );
}

/** for (entry = table; entry < table + count·12; entry += 12) body(entry). */
function forEachEntry(f: Func, table: number, count: number, body: (entry: number) => void): void {
  const entry = f.local(I32);
  const end = f.local(I32);
  f.get(table).set(entry);
  f.get(table).get(count).i32(ENTRY_BYTES).op('i32.mul').op('i32.add').set(end);
  f.whileNot(
    () => f.get(entry).get(end).op('i32.ge_u'),
    () => {
      body(entry);
      f.addTo(entry, ENTRY_BYTES);
    },
  );
}

/** acc[j] += splat(f32 at xAddr) · (f32x4 at vAddr + 16j), j < vectors. */
function splatMultiplyAdd(f: Func, acc: number[], vectors: number, splat: number, xAddr: number, vAddr: number): void {
  f.get(xAddr).mem('f32.load').op('f32x4.splat').set(splat);
  for (let j = 0; j < vectors; j++) f.get(acc[j]).get(splat).get(vAddr).v128Load(16 * j).op('f32x4.mul').op('f32x4.add').set(acc[j]);
}

/**
 * Pushes Σ_{j < vectors} (f32x4 at a + 16(first + j)) · (f32x4 at b + 16(first + j)), added as a
 * balanced tree: one f32x4 per tap, added into the pixel's single accumulator.
 */
function dotTree(f: Func, a: number, b: number, first: number, vectors: number): void {
  if (vectors === 1) {
    f.get(a).v128Load(16 * first).get(b).v128Load(16 * first).op('f32x4.mul');
    return;
  }
  const half = vectors / 2;
  dotTree(f, a, b, first, half);
  dotTree(f, a, b, first + half, half);
  f.op('f32x4.add');
}

const FORWARD_PARAMS = ['x', 'filter', 'bias', 'y', 'batch', 'xImageBytes', 'rowTaps', 'outHeight', 'colTaps', 'outWidth', 'xRowBytes', 'filterRowBytes', 'channelBytes'] as const;

function forwardFunc(): Func {
  const [f, p] = funcWithParams('forward', FORWARD_PARAMS);
  const xImage = f.local(I32);
  const y = f.local(I32);
  const rowTaps = f.local(I32);
  const colTapBytes = f.local(I32);
  const xRow = f.local(I32);
  const wRow = f.local(I32);
  const xPixel = f.local(I32);
  const wPixel = f.local(I32);
  const c = f.local(I32);
  const xTap = f.local(I32);
  const wTap = f.local(I32);
  const xp = f.local(I32);
  const wp = f.local(I32);
  const xEnd = f.local(I32);
  const splat = f.local(V128);
  const acc = Array.from({ length: BLOCK_VECTORS }, () => f.local(V128));
  f.get(p.x).set(xImage);
  f.get(p.y).set(y);
  repeat(f, p.batch, () => {
    forEachEntry(f, p.rowTaps, p.outHeight, (row) => {
      pointerFromEntry(f, wRow, p.filter, row, 0, p.filterRowBytes);
      f.get(row).mem('i32.load', 4).set(rowTaps);
      pointerFromEntry(f, xRow, xImage, row, 2, p.xRowBytes);
      forEachEntry(f, p.colTaps, p.outWidth, (col) => {
        pointerFromEntry(f, wPixel, wRow, col, 0, p.channelBytes);
        f.get(col).mem('i32.load', 4).i32(2).op('i32.shl').set(colTapBytes);
        f.get(xRow).get(col).mem('i32.load', 8).i32(2).op('i32.shl').op('i32.add').set(xPixel);
        channelBlocks(f, c, p.channelBytes, (vectors) => {
          for (let j = 0; j < vectors; j++) f.get(p.bias).get(c).op('i32.add').v128Load(16 * j).set(acc[j]);
          f.get(xPixel).set(xTap);
          f.get(wPixel).get(c).op('i32.add').set(wTap);
          repeat(f, rowTaps, () => {
            f.get(xTap).set(xp);
            f.get(wTap).set(wp);
            f.get(xTap).get(colTapBytes).op('i32.add').set(xEnd);
            f.whileNot(
              () => f.get(xp).get(xEnd).op('i32.ge_u'),
              () => {
                splatMultiplyAdd(f, acc, vectors, splat, xp, wp);
                f.addTo(xp, 4);
                addLocal(f, wp, p.channelBytes);
              },
            );
            addLocal(f, xTap, p.xRowBytes);
            addLocal(f, wTap, p.filterRowBytes);
          });
          for (let j = 0; j < vectors; j++) f.get(y).get(c).op('i32.add').get(acc[j]).v128Store(16 * j);
        });
        addLocal(f, y, p.channelBytes);
      });
    });
    addLocal(f, xImage, p.xImageBytes);
  });
  return f;
}

const INPUT_GRADIENT_PARAMS = [
  'dy', 'filter', 'dx', 'batch', 'dyImageBytes', 'rowTaps', 'inHeight', 'colTaps', 'inWidth', 'dyRowBytes', 'filterRowBytes', 'channelBytes', 'strideHeight', 'strideWidth',
] as const;

function inputGradientFunc(): Func {
  const [f, p] = funcWithParams('input_gradient', INPUT_GRADIENT_PARAMS);
  // Along a row of transposed taps dy steps back one row / pixel and the filter forward s rows / taps.
  const dyRowStep = f.local(I32);
  const wRowStep = f.local(I32);
  const dyTapStep = f.local(I32);
  const wTapStep = f.local(I32);
  const dyImage = f.local(I32);
  const dx = f.local(I32);
  const rowTaps = f.local(I32);
  const colTaps = f.local(I32);
  const dyRow = f.local(I32);
  const wRow = f.local(I32);
  const dyPixel = f.local(I32);
  const wPixel = f.local(I32);
  const c = f.local(I32);
  const dyTap = f.local(I32);
  const wTap = f.local(I32);
  const dp = f.local(I32);
  const wp = f.local(I32);
  const acc = f.local(V128);
  f.i32(0).get(p.dyRowBytes).op('i32.sub').set(dyRowStep);
  f.get(p.strideHeight).get(p.filterRowBytes).op('i32.mul').set(wRowStep);
  f.i32(0).get(p.channelBytes).op('i32.sub').set(dyTapStep);
  f.get(p.strideWidth).get(p.channelBytes).op('i32.mul').set(wTapStep);
  f.get(p.dy).set(dyImage);
  f.get(p.dx).set(dx);
  repeat(f, p.batch, () => {
    forEachEntry(f, p.rowTaps, p.inHeight, (row) => {
      pointerFromEntry(f, wRow, p.filter, row, 0, p.filterRowBytes);
      f.get(row).mem('i32.load', 4).set(rowTaps);
      pointerFromEntry(f, dyRow, dyImage, row, 2, p.dyRowBytes);
      forEachEntry(f, p.colTaps, p.inWidth, (col) => {
        pointerFromEntry(f, wPixel, wRow, col, 0, p.channelBytes);
        f.get(col).mem('i32.load', 4).set(colTaps);
        pointerFromEntry(f, dyPixel, dyRow, col, 2, p.channelBytes);
        f.v128Zero().set(acc);
        channelBlocks(f, c, p.channelBytes, (vectors) => {
          f.get(dyPixel).get(c).op('i32.add').set(dyTap);
          f.get(wPixel).get(c).op('i32.add').set(wTap);
          repeat(f, rowTaps, () => {
            f.get(dyTap).set(dp);
            f.get(wTap).set(wp);
            repeat(f, colTaps, () => {
              f.get(acc);
              dotTree(f, dp, wp, 0, vectors);
              f.op('f32x4.add').set(acc);
              addLocal(f, dp, dyTapStep);
              addLocal(f, wp, wTapStep);
            });
            addLocal(f, dyTap, dyRowStep);
            addLocal(f, wTap, wRowStep);
          });
        });
        // dx = the sum of the accumulator's 4 lanes.
        f.get(acc).get(acc).get(acc).shuffleF32([2, 3, 0, 1]).op('f32x4.add').set(acc);
        f.get(dx).get(acc).get(acc).get(acc).shuffleF32([1, 0, 3, 2]).op('f32x4.add').extractF32(0).mem('f32.store');
        f.addTo(dx, 4);
      });
    });
    addLocal(f, dyImage, p.dyImageBytes);
  });
  return f;
}

const FILTER_GRADIENT_PARAMS = [
  'x', 'dy', 'dw', 'batch', 'xImageBytes', 'rowTaps', 'outHeight', 'tapColumns', 'filterWidth', 'xRowBytes', 'dyRowBytes', 'filterRowBytes', 'channelBytes', 'strideWidth',
] as const;

function filterGradientFunc(): Func {
  const [f, p] = funcWithParams('filter_gradient', FILTER_GRADIENT_PARAMS);
  const xStep = f.local(I32);
  const xImage = f.local(I32);
  const dyRow = f.local(I32);
  const rowTaps = f.local(I32);
  const xRow = f.local(I32);
  const dwRow = f.local(I32);
  const dwTap = f.local(I32);
  const pixels = f.local(I32);
  const xPixel = f.local(I32);
  const dyPixel = f.local(I32);
  const c = f.local(I32);
  const xp = f.local(I32);
  const dp = f.local(I32);
  const splat = f.local(V128);
  const acc = Array.from({ length: BLOCK_VECTORS }, () => f.local(V128));
  f.get(p.strideWidth).i32(2).op('i32.shl').set(xStep);
  f.get(p.x).set(xImage);
  f.get(p.dy).set(dyRow);
  repeat(f, p.batch, () => {
    forEachEntry(f, p.rowTaps, p.outHeight, (row) => {
      pointerFromEntry(f, dwRow, p.dw, row, 0, p.filterRowBytes);
      f.get(row).mem('i32.load', 4).set(rowTaps);
      pointerFromEntry(f, xRow, xImage, row, 2, p.xRowBytes);
      repeat(f, rowTaps, () => {
        f.get(dwRow).set(dwTap);
        forEachEntry(f, p.tapColumns, p.filterWidth, (col) => {
          pointerFromEntry(f, dyPixel, dyRow, col, 0, p.channelBytes);
          f.get(col).mem('i32.load', 4).set(pixels);
          f.get(xRow).get(col).mem('i32.load', 8).i32(2).op('i32.shl').op('i32.add').set(xPixel);
          channelBlocks(f, c, p.channelBytes, (vectors) => {
            for (let j = 0; j < vectors; j++) f.v128Zero().set(acc[j]);
            f.get(xPixel).set(xp);
            f.get(dyPixel).get(c).op('i32.add').set(dp);
            repeat(f, pixels, () => {
              splatMultiplyAdd(f, acc, vectors, splat, xp, dp);
              addLocal(f, xp, xStep);
              addLocal(f, dp, p.channelBytes);
            });
            for (let j = 0; j < vectors; j++) {
              f.get(dwTap).get(c).op('i32.add');
              f.get(dwTap).get(c).op('i32.add').v128Load(16 * j).get(acc[j]).op('f32x4.add').v128Store(16 * j);
            }
          });
          addLocal(f, dwTap, p.channelBytes);
        });
        addLocal(f, xRow, p.xRowBytes);
        addLocal(f, dwRow, p.filterRowBytes);
      });
      addLocal(f, dyRow, p.dyRowBytes);
    });
    addLocal(f, xImage, p.xImageBytes);
  });
  return f;
}

const directModule = new HeapModule<DirectKernels>(
  () => assemble([forwardFunc(), inputGradientFunc(), filterGradientFunc()]),
  (e) => ({
    forward: (a) => e.forward(...FORWARD_PARAMS.map((n) => a[n])),
    inputGradient: (a) => e.input_gradient(...INPUT_GRADIENT_PARAMS.map((n) => a[n])),
    filterGradient: (a) => e.filter_gradient(...FILTER_GRADIENT_PARAMS.map((n) => a[n])),
  }),
);

/**
 * The direct kernels bound to `memory` (the wasm backend's heap), or null when the SIMD loops of
 * ./index are unavailable or turned off (setSimdEnabled(false), VAE_KERNELS_SIMD=0).
 */
export function directFor(memory: unknown): DirectKernels | null {
  return simdFor(memory) ? directModule.for(memory as object) : null;
}
