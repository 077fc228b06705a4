/**
 * Shared by the kernel tests (kernels.test.ts: wasm and cpu kernels; kernels-native.test.ts: the
 * native-BLAS kernels): an independent float64 implementation of the three convolution kernels
 * (NHWC, dilation 1), the cases they are checked on, central differences, and the VAE-shaped
 * stack of layers whose gradients are compared between backends.
 * Error measure: relErr(a, ref) = max|a − ref| / max(max|ref|, 1e-6), required ≤ 1e-4.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';

export const TOL = 1e-4;
export type Backend = 'wasm' | 'cpu';
export type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;
export type Shape4 = [number, number, number, number];

/** max|a − ref| / max(max|ref|, 1e-6). */
export function relErr(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  assert.equal(a.length, ref.length, 'lengths differ');
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - ref[i]);
    if (!(d <= diff)) diff = d; // also catches NaN
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return diff / scale;
}

export function assertClose(a: ArrayLike<number>, ref: ArrayLike<number>, what: string, tol = TOL): number {
  const e = relErr(a, ref);
  assert.ok(e <= tol, `${what}: relative error ${e.toExponential(2)} > ${tol}`);
  return e;
}

/** Deterministic uniform values in [−1, 1) (mulberry32). */
export function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

// Independent float64 reference of the three convolution kernels (NHWC, dilation 1).

/** TensorFlow's padding along one axis: rows before and output size. */
export function padAlong(inSize: number, k: number, s: number, pad: Pad, axis: 1 | 2): { before: number; out: number } {
  if (pad === 'same') {
    const out = Math.ceil(inSize / s);
    const total = Math.max((out - 1) * s + k - inSize, 0);
    return { before: Math.floor(total / 2), out };
  }
  if (pad === 'valid') return { before: 0, out: Math.ceil((inSize - k + 1) / s) };
  const [p0, p1] = pad[axis];
  return { before: p0, out: Math.floor((inSize + p0 + p1 - k) / s) + 1 };
}

export interface ConvCase {
  name: string;
  x: Shape4;
  f: Shape4;
  strides: [number, number];
  pad: Pad;
}

export interface Geo {
  B: number; H: number; W: number; C: number; KH: number; KW: number; CO: number;
  sh: number; sw: number; pt: number; pl: number; OH: number; OW: number;
}

export function geo(c: ConvCase): Geo {
  const [B, H, W, C] = c.x;
  const [KH, KW, , CO] = c.f;
  const [sh, sw] = c.strides;
  const r = padAlong(H, KH, sh, c.pad, 1);
  const q = padAlong(W, KW, sw, c.pad, 2);
  return { B, H, W, C, KH, KW, CO, sh, sw, pt: r.before, pl: q.before, OH: r.out, OW: q.out };
}

/** Calls f(xIndex, wIndex, yIndex) for every term x·w of y = conv(x, w). */
export function forEachTerm(g: Geo, f: (xi: number, wi: number, yi: number) => void): void {
  for (let b = 0; b < g.B; b++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++)
        for (let kh = 0; kh < g.KH; kh++) {
          const ih = oh * g.sh + kh - g.pt;
          if (ih < 0 || ih >= g.H) continue;
          for (let kw = 0; kw < g.KW; kw++) {
            const iw = ow * g.sw + kw - g.pl;
            if (iw < 0 || iw >= g.W) continue;
            for (let ci = 0; ci < g.C; ci++) {
              const xi = ((b * g.H + ih) * g.W + iw) * g.C + ci;
              const wi = ((kh * g.KW + kw) * g.C + ci) * g.CO;
              const yi = ((b * g.OH + oh) * g.OW + ow) * g.CO;
              f(xi, wi, yi);
            }
          }
        }
}

export function refConv(x: Float32Array, w: Float32Array, g: Geo): Float64Array {
  const y = new Float64Array(g.B * g.OH * g.OW * g.CO);
  forEachTerm(g, (xi, wi, yi) => {
    const v = x[xi];
    for (let co = 0; co < g.CO; co++) y[yi + co] += v * w[wi + co];
  });
  return y;
}

export function refBackpropInput(dy: Float32Array, w: Float32Array, g: Geo): Float64Array {
  const dx = new Float64Array(g.B * g.H * g.W * g.C);
  forEachTerm(g, (xi, wi, yi) => {
    let s = 0;
    for (let co = 0; co < g.CO; co++) s += dy[yi + co] * w[wi + co];
    dx[xi] += s;
  });
  return dx;
}

export function refBackpropFilter(x: Float32Array, dy: Float32Array, g: Geo): Float64Array {
  const dw = new Float64Array(g.KH * g.KW * g.C * g.CO);
  forEachTerm(g, (xi, wi, yi) => {
    const v = x[xi];
    for (let co = 0; co < g.CO; co++) dw[wi + co] += v * dy[yi + co];
  });
  return dw;
}

export interface CaseData {
  c: ConvCase;
  g: Geo;
  x: Float32Array;
  w: Float32Array;
  dy: Float32Array;
  y: Float64Array;
  dx: Float64Array;
  dw: Float64Array;
}

const dataCache = new Map<string, CaseData>();
export function caseData(c: ConvCase): CaseData {
  let d = dataCache.get(c.name);
  if (!d) {
    const g = geo(c);
    const x = rand(size(c.x), 11);
    const w = rand(size(c.f), 12);
    const dy = rand(g.B * g.OH * g.OW * g.CO, 13);
    d = { c, g, x, w, dy, y: refConv(x, w, g), dx: refBackpropInput(dy, w, g), dw: refBackpropFilter(x, dy, g) };
    dataCache.set(c.name, d);
  }
  return d;
}

export const MODEL_CASES: ConvCase[] = [
  { name: 'conv1/convT4 32x28x28x1 k3 s1', x: [32, 28, 28, 1], f: [3, 3, 1, 32], strides: [1, 1], pad: 'same' },
  { name: 'conv2/convT3 32x28x28x32 k3 s2', x: [32, 28, 28, 32], f: [3, 3, 32, 64], strides: [2, 2], pad: 'same' },
  { name: 'conv3/convT2 32x14x14x64 k3 s2', x: [32, 14, 14, 64], f: [3, 3, 64, 64], strides: [2, 2], pad: 'same' },
  { name: 'conv4/convT1 32x7x7x64 k3 s1', x: [32, 7, 7, 64], f: [3, 3, 64, 64], strides: [1, 1], pad: 'same' },
];

export const ODD_CASES: ConvCase[] = [
  { name: 'batch 1, 9x11, s2 same', x: [1, 9, 11, 3], f: [3, 3, 3, 5], strides: [2, 2], pad: 'same' },
  { name: 'batch 33, 8x8, s2 valid', x: [33, 8, 8, 2], f: [3, 3, 2, 4], strides: [2, 2], pad: 'valid' },
  { name: '1 in / 1 out channel, 7x6, s1 same', x: [2, 7, 6, 1], f: [3, 3, 1, 1], strides: [1, 1], pad: 'same' },
  { name: '1 out channel, 15x14, s2 same', x: [3, 15, 14, 8], f: [3, 3, 8, 1], strides: [2, 2], pad: 'same' },
  { name: 'even 4x4 filter, 10x9, s2 same', x: [3, 10, 9, 4], f: [4, 4, 4, 3], strides: [2, 2], pad: 'same' },
  { name: '5x5 filter, 13x13, s3 valid', x: [2, 13, 13, 5], f: [5, 5, 5, 2], strides: [3, 3], pad: 'valid' },
  { name: '5x5 filter, 13x12, s3 same', x: [2, 13, 12, 5], f: [5, 5, 5, 2], strides: [3, 3], pad: 'same' },
  { name: '1x1 filter, s2 (phases without taps)', x: [1, 5, 5, 2], f: [1, 1, 2, 3], strides: [2, 2], pad: 'same' },
  { name: 'strides 1x2, 2x3 filter', x: [2, 6, 7, 3], f: [2, 3, 3, 2], strides: [1, 2], pad: 'same' },
  { name: '9x9, s2 valid', x: [2, 9, 9, 2], f: [3, 3, 2, 3], strides: [2, 2], pad: 'valid' },
  { name: '10x10, s2 valid (last row unread)', x: [2, 10, 10, 3], f: [3, 3, 3, 2], strides: [2, 2], pad: 'valid' },
  { name: 'explicit pad [1,2]x[0,1], s2', x: [2, 8, 8, 2], f: [3, 3, 2, 2], strides: [2, 2], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { name: '6x6, s2 same, 3 in 4 out', x: [2, 6, 6, 3], f: [3, 3, 3, 4], strides: [2, 2], pad: 'same' },
  // Phases whose padding is negative (dy rows cropped), with ≥ 3 dx channels (the phase route):
  { name: 'explicit pad [3,0]x[0,3], s2, 3 in', x: [2, 8, 8, 3], f: [3, 3, 3, 2], strides: [2, 2], pad: [[0, 0], [3, 0], [0, 3], [0, 0]] },
  { name: '1x1 filter, s2, 3 in', x: [2, 5, 6, 3], f: [1, 1, 3, 2], strides: [2, 2], pad: 'same' },
];

/**
 * Channel counts that fill whole CPU vectors (multiples of 16 floats; of 8 without AVX-512): the
 * C library's direct kernels (src/kernels/native/c/direct.c) take these. Forward and filter
 * gradient vectorise over the output channels, the input gradient over the input channels (or,
 * for at most 4 of them, sums over the output channels), so some cases have only one side a
 * multiple of 16 (the other kernel takes the GEMM route).
 */
export const DIRECT_CASES: ConvCase[] = [
  { name: 'direct: batch 1, 9x11, s2 same, 16→32', x: [1, 9, 11, 16], f: [3, 3, 16, 32], strides: [2, 2], pad: 'same' },
  { name: 'direct: batch 33, 8x8, s2 valid, 32→16', x: [33, 8, 8, 32], f: [3, 3, 32, 16], strides: [2, 2], pad: 'valid' },
  { name: 'direct: 13x29 rows (uneven tiles), s1 same, 16→48', x: [2, 13, 29, 16], f: [3, 3, 16, 48], strides: [1, 1], pad: 'same' },
  { name: 'direct: 128 channels out (two blocks), 6x5, s1 same', x: [2, 6, 5, 16], f: [3, 3, 16, 128], strides: [1, 1], pad: 'same' },
  { name: 'direct: 80 channels in and out (5 vectors), s2 same', x: [2, 7, 7, 80], f: [3, 3, 80, 80], strides: [2, 2], pad: 'same' },
  { name: 'direct: even 4x4 filter, 10x9, s2 same', x: [3, 10, 9, 16], f: [4, 4, 16, 16], strides: [2, 2], pad: 'same' },
  { name: 'direct: 5x5 filter, 13x12, s3 same', x: [2, 13, 12, 32], f: [5, 5, 32, 16], strides: [3, 3], pad: 'same' },
  { name: 'direct: strides 1x2, 2x3 filter', x: [2, 6, 7, 16], f: [2, 3, 16, 16], strides: [1, 2], pad: 'same' },
  { name: 'direct: explicit pad [3,0]x[0,3], s2', x: [2, 8, 8, 16], f: [3, 3, 16, 16], strides: [2, 2], pad: [[0, 0], [3, 0], [0, 3], [0, 0]] },
  { name: 'direct: 10x10, s2 valid (last row unread), 1 row wide', x: [2, 10, 1, 16], f: [3, 1, 16, 32], strides: [2, 1], pad: 'valid' },
  { name: 'direct: 1x1 filter s2 (dx pixels without taps)', x: [2, 5, 6, 16], f: [1, 1, 16, 16], strides: [2, 2], pad: 'same' },
  { name: 'direct: 3 in → 32 out (input gradient summed over Cout)', x: [2, 9, 9, 3], f: [3, 3, 3, 32], strides: [2, 2], pad: 'same' },
  { name: 'direct: 32 in → 3 out (forward via GEMM)', x: [2, 9, 9, 32], f: [3, 3, 32, 3], strides: [1, 1], pad: 'same' },
];

/** Runs Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter on the current backend. */
export function runConvKernels(d: CaseData): { y: Float32Array; dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const { c } = d;
    const x = tf.tensor4d(d.x, c.x);
    const w = tf.tensor4d(d.w, c.f);
    const dy = tf.tensor4d(d.dy, [d.g.B, d.g.OH, d.g.OW, d.g.CO]);
    const y = tf.conv2d(x, w, c.strides, c.pad);
    const dx = tf.conv2dTranspose(dy, w, c.x, c.strides, c.pad);
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f }) as tf.Tensor;
    return { y: y.dataSync().slice() as Float32Array, dx: dx.dataSync().slice() as Float32Array, dw: dw.dataSync().slice() as Float32Array };
  });
}

export function checkConvKernels(backend: string, cases: ConvCase[]): string[] {
  const lines: string[] = [];
  for (const c of cases) {
    const d = caseData(c);
    const r = runConvKernels(d);
    const ey = assertClose(r.y, d.y, `${backend} Conv2D ${c.name}`);
    const ex = assertClose(r.dx, d.dx, `${backend} Conv2DBackpropInput ${c.name}`);
    const ew = assertClose(r.dw, d.dw, `${backend} Conv2DBackpropFilter ${c.name}`);
    lines.push(`${backend} ${c.name}: y ${ey.toExponential(1)}, dx ${ex.toExponential(1)}, dw ${ew.toExponential(1)}`);
  }
  return lines;
}

/** Central differences of a float64 loss at a few coordinates of `v`. */
export function numericGrad(v: Float32Array, loss: (v: Float64Array) => number, idx: number[], h = 1e-2): number[] {
  const w = Float64Array.from(v);
  return idx.map((i) => {
    const keep = w[i];
    w[i] = keep + h;
    const lp = loss(w);
    w[i] = keep - h;
    const lm = loss(w);
    w[i] = keep;
    return (lp - lm) / (2 * h);
  });
}

export function dot(a: Float64Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function sampleIndices(n: number, count: number, seed: number): number[] {
  const r = rand(count, seed);
  return Array.from(r, (v) => Math.floor(((v + 1) / 2) * n));
}

export function backendDataIds(): number {
  return (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
}


/** Images in the VAE-shaped stack's batch. */
export const VAE_STACK_BATCH = 2;

/**
 * Gradients of Σ (decoder(encoder(x)) − x)² with respect to every parameter of a VAE-shaped stack
 * (the model's layers as tf.layers calls them: fused conv2d + LeakyReLU, Dense, conv2dTranspose +
 * bias Add), on whatever backend and kernels `setup` selects. Returns the shapes and the gradients.
 */
export async function vaeStackGradients(setup: () => Promise<void>): Promise<{ shapes: number[][]; grads: Float32Array[] }> {
  const B = VAE_STACK_BATCH;
  const convs: { f: Shape4; s: number }[] = [
    { f: [3, 3, 1, 32], s: 1 },
    { f: [3, 3, 32, 64], s: 2 },
    { f: [3, 3, 64, 64], s: 2 },
    { f: [3, 3, 64, 64], s: 1 },
  ];
  // Conv2DTranspose filters are [KH, KW, outChannels, inChannels].
  const convTs: { f: Shape4; s: number; out: Shape4 }[] = [
    { f: [3, 3, 64, 64], s: 1, out: [B, 7, 7, 64] },
    { f: [3, 3, 64, 64], s: 2, out: [B, 14, 14, 64] },
    { f: [3, 3, 32, 64], s: 2, out: [B, 28, 28, 32] },
    { f: [3, 3, 1, 32], s: 1, out: [B, 28, 28, 1] },
  ];
  const shapes: number[][] = [];
  for (const c of convs) shapes.push(c.f, [c.f[3]]);
  shapes.push([3136, 2], [2], [2, 3136], [3136]);
  for (const c of convTs) shapes.push(c.f, [c.f[2]]);
  const init = shapes.map((s, i) => {
    const fanIn = s.length === 4 ? s[0] * s[1] * (i >= 12 ? s[3] : s[2]) : s.length === 2 ? s[0] : 1;
    return rand(size(s), 100 + i).map((v) => (v * Math.sqrt(6 / fanIn)) / (s.length === 1 ? 10 : 1));
  });
  const image = rand(B * 28 * 28, 99).map((v) => (v + 1) / 2);

  const grads = async (): Promise<Float32Array[]> => {
    await setup();
    return tf.tidy(() => {
      const params = shapes.map((s, i) => tf.tensor(init[i], s));
      const x = tf.tensor4d(image, [B, 28, 28, 1]);
      const loss = (...p: tf.Tensor[]) => {
        let h: tf.Tensor4D = x;
        convs.forEach((c, i) => {
          // Like tf.layers.conv2d: the fused op (bias inside, linear activation), then LeakyReLU.
          h = tf.leakyRelu(tf.fused.conv2d({ x: h, filter: p[2 * i] as tf.Tensor4D, strides: c.s, pad: 'same', bias: p[2 * i + 1] }), 0.3);
        });
        const flat = tf.reshape(h, [B, 3136]);
        const z = tf.add(tf.matMul(flat, p[8]), p[9]);
        let d = tf.reshape(tf.add(tf.matMul(z, p[10]), p[11]), [B, 7, 7, 64]) as tf.Tensor4D;
        convTs.forEach((c, i) => {
          // Like tf.layers.conv2dTranspose: conv2dTranspose, then a broadcast bias add.
          const pre = tf.add(tf.conv2dTranspose(d, p[12 + 2 * i] as tf.Tensor4D, c.out, c.s, 'same'), p[13 + 2 * i]) as tf.Tensor4D;
          d = i < convTs.length - 1 ? tf.leakyRelu(pre, 0.3) : tf.sigmoid(pre);
        });
        return tf.sum(tf.square(tf.sub(d, x))) as tf.Scalar;
      };
      return tf.grads(loss)(params).map((g) => g.dataSync().slice() as Float32Array);
    });
  };
  return { shapes, grads: await grads() };
}
