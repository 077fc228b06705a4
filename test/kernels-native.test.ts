/**
 * The native-BLAS kernels (src/kernels/native) against the same references as the wasm kernels
 * (conv-reference.ts: float64 convolutions, central differences, the stock cpu kernels on a
 * VAE-shaped stack), plus the matrix products, the chunking, the JS fallbacks, memory, and
 * seeded training against the pure wasm path.
 *
 * These tests need the system OpenBLAS (libopenblas0-pthread, installed by
 * scripts/install-system-deps.sh, as on CI): without it they fail and say why. Only an explicit
 * VAE_NATIVE=0 skips them (with the reason printed).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend, MNIST_VAE_OPTIONS, VariationalAutoencoder, type BatchLogs } from '../src';
import { sample } from '../src/model/layers';
import { lossAndGradients } from '../src/train/engine';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { holdSingleThreadedBlas, LEAKY_RELU_GRAD, listTrainingKernels, nativeBlasStatus, nativeKernelsRegistered, registerTrainingKernels, unregisterTrainingKernels } from '../src/kernels';
import { openblasCoreFor } from '../src/kernels/native/blas';
import { nativeKernels, setCKernelsEnabled, setNativeBlasThreads, setNativeChunkFloats } from '../src/kernels/native';
import { cKernels } from '../src/kernels/native/blas';
import { singleChannelCalls } from '../src/kernels/native/single_channel';
import { setSimdEnabled } from '../src/kernels/wasm/simd';
import {
  assertClose,
  backendDataIds,
  caseData,
  checkConvKernels,
  dot,
  geo,
  DIRECT_CASES,
  MODEL_CASES,
  numericGrad,
  ODD_CASES,
  rand,
  refBackpropInput,
  refConv,
  runConvKernels,
  sampleIndices,
  size,
  vaeStackGradients,
  TOL,
  type ConvCase,
} from './conv-reference';

const OFF = process.env.VAE_NATIVE === '0';
const skip = OFF ? 'VAE_NATIVE=0: o caminho nativo foi desligado de propósito' : false;

/** wasm with our kernels, native (default) or not; or the stock cpu kernels. */
async function use(backend: 'native' | 'wasm' | 'cpu'): Promise<void> {
  assert.ok(await tf.setBackend(backend === 'cpu' ? 'cpu' : 'wasm'));
  await tf.ready();
  if (backend === 'cpu') unregisterTrainingKernels('cpu');
  else registerTrainingKernels('wasm', { native: backend === 'native' });
  if (backend === 'native') assert.ok(nativeKernelsRegistered(), 'native kernels registered');
}

before(async () => {
  await use('cpu');
  await use('wasm');
});

test('the native BLAS loads here (OpenBLAS with fast kernels); pools hold it to one thread per call', { skip }, () => {
  const s = nativeBlasStatus();
  assert.ok(s.active, `o BLAS nativo não carregou: ${s.reason}`);
  assert.match(s.library ?? '', /OpenBLAS|Accelerate|BLAS/);
  const solo = process.env.VAE_BLAS_THREADS ? Number(process.env.VAE_BLAS_THREADS) : Math.min(8, availableParallelism());
  assert.equal(s.threads, solo, 'one computing thread: every core in each call');
  const release = holdSingleThreadedBlas();
  const again = holdSingleThreadedBlas();
  assert.equal(nativeBlasStatus().threads, 1, 'while a pool computes: one thread per call');
  release();
  release(); // twice: no effect
  assert.equal(nativeBlasStatus().threads, 1, 'still held by the second pool');
  again();
  assert.equal(nativeBlasStatus().threads, solo, 'back to every core');
  if (process.env.OPENBLAS_CORETYPE === undefined && process.arch === 'x64' && process.platform === 'linux') {
    // The family we asked for (Debian's 0.3.21 would pick its SSE3 "Prescott" kernels on this Xeon).
    const { readFileSync } = require('node:fs') as typeof import('node:fs');
    const flags = new Set((readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags')) ?? '').split(':')[1].trim().split(/\s+/));
    const wanted = openblasCoreFor(flags);
    if (wanted && /OpenBLAS/.test(s.library ?? '')) assert.equal(s.core, wanted, 'OpenBLAS kernel family');
  }
  assert.equal(openblasCoreFor(new Set(['avx2', 'fma', 'avx512f', 'avx512bw', 'avx512dq', 'avx512vl'])), 'SkylakeX');
  assert.equal(openblasCoreFor(new Set(['avx2', 'fma'])), 'Haswell');
  assert.equal(openblasCoreFor(new Set(['sse4_2'])), null);
  // The C convolutions: compiled by `npm run build` (scripts/build-c-kernels.js; CI has build-essential).
  if (process.env.VAE_C_KERNELS !== '0') assert.match(s.cKernels ?? '', /^C/, `as convoluções em C não carregaram: ${s.cKernelsReason}`);
});

test('native kernels register over the wasm ones, and go away with native: false', { skip }, async () => {
  await use('native');
  const names = listTrainingKernels('wasm').map((k) => k.kernelName);
  for (const k of ['Conv2D', 'FusedConv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul', '_FusedMatMul', 'LeakyRelu', 'Sum']) assert.ok(names.includes(k), k);
  assert.equal(new Set(names).size, names.length, 'no duplicates');
  registerTrainingKernels('wasm', { native: false });
  assert.equal(nativeKernelsRegistered(), false);
  for (const { config } of nativeKernels) assert.notEqual(tf.getKernel(config.kernelName, 'wasm'), config, config.kernelName);
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'), 'our wasm Conv2DBackpropFilter is back');
  unregisterTrainingKernels('wasm');
  assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined, 'stock state restored');
  await use('native');
});

test("native: convolution kernels on the VAE's layer shapes (batch 32)", { skip }, async (t) => {
  await use('native');
  for (const line of checkConvKernels('native', MODEL_CASES)) t.diagnostic(line);
});

test('native: convolution kernels on odd shapes (stride 1/2/3, same/valid/explicit, batch 1 and 33)', { skip }, async (t) => {
  await use('native');
  for (const line of checkConvKernels('native', ODD_CASES)) t.diagnostic(line);
});

/** Stride-1 cases for the merged interior runs of im2col / col2im (see src/kernels/native/layout.ts). */
const STRIDE1_CASES: ConvCase[] = [
  { name: 'even 4x4 filter, s1 same', x: [2, 6, 7, 3], f: [4, 4, 3, 2], strides: [1, 1], pad: 'same' },
  { name: '5x5 filter, s1 valid', x: [2, 9, 8, 2], f: [5, 5, 2, 3], strides: [1, 1], pad: 'valid' },
  { name: 'image narrower than the filter, s1 same (no interior)', x: [1, 2, 2, 3], f: [3, 3, 3, 2], strides: [1, 1], pad: 'same' },
  { name: 'explicit pad [2,0]x[0,2], s1', x: [1, 5, 4, 2], f: [3, 3, 2, 2], strides: [1, 1], pad: [[0, 0], [2, 0], [0, 2], [0, 0]] },
  { name: '1x3 filter, s1 same, 5 channels', x: [2, 3, 9, 5], f: [1, 3, 5, 4], strides: [1, 1], pad: 'same' },
];

test('native: stride-1 convolutions with merged runs (even, wide and one-row filters, explicit padding)', { skip }, async (t) => {
  await use('native');
  for (const line of checkConvKernels('native', STRIDE1_CASES)) t.diagnostic(line);
  const previous = setSimdEnabled(false);
  try {
    checkConvKernels('native (JS loops)', STRIDE1_CASES);
  } finally {
    setSimdEnabled(previous);
  }
});

/** One input channel (x [B, H, W, 1]; for Conv2DTranspose, one dx channel): the direct SIMD kernels. */
const SINGLE_CHANNEL_CASES: ConvCase[] = [
  { name: "the VAE's 3x3 s1 same, 32 out, batch 1", x: [1, 28, 28, 1], f: [3, 3, 1, 32], strides: [1, 1], pad: 'same' },
  { name: "the VAE's 3x3 s1 same, 32 out, batch 33", x: [33, 28, 28, 1], f: [3, 3, 1, 32], strides: [1, 1], pad: 'same' },
  { name: '3x3 s1 valid, 8 out', x: [2, 9, 8, 1], f: [3, 3, 1, 8], strides: [1, 1], pad: 'valid' },
  { name: '5x5 filter, s1 same, 12 out', x: [2, 11, 10, 1], f: [5, 5, 1, 12], strides: [1, 1], pad: 'same' },
  { name: 'explicit pad [2,0]x[0,1], s1, 4 out', x: [2, 7, 8, 1], f: [3, 3, 1, 4], strides: [1, 1], pad: [[0, 0], [2, 0], [0, 1], [0, 0]] },
  { name: '36 out (a 32-channel block and a 4-channel one)', x: [2, 6, 5, 1], f: [3, 3, 1, 36], strides: [1, 1], pad: 'same' },
  { name: 'image narrower than the filter, s1 same', x: [1, 2, 2, 1], f: [3, 3, 1, 4], strides: [1, 1], pad: 'same' },
  { name: 's2 same, 8 out', x: [2, 9, 11, 1], f: [3, 3, 1, 8], strides: [2, 2], pad: 'same' },
  { name: 'strides 1x2, 2x3 filter, 4 out', x: [2, 6, 7, 1], f: [2, 3, 1, 4], strides: [1, 2], pad: 'same' },
  { name: '5x5 filter, s3 valid, 8 out', x: [2, 13, 13, 1], f: [5, 5, 1, 8], strides: [3, 3], pad: 'valid' },
];

test('native: single-channel convolutions run the direct SIMD kernels (forward, input and filter gradients) without the C library', { skip }, async (t) => {
  await use('native');
  // With the C library loaded its direct kernels take the cases whose Cout fills vectors (the
  // next tests count those); these kernels are the TypeScript path's.
  const cPrevious = setCKernelsEnabled(false);
  t.after(() => setCKernelsEnabled(cPrevious));
  const routed = (cases: ConvCase[]) => {
    const before = singleChannelCalls();
    const lines = checkConvKernels('native', cases);
    const after = singleChannelCalls();
    return { lines, forward: after.forward - before.forward, inputGradient: after.inputGradient - before.inputGradient, filterGradient: after.filterGradient - before.filterGradient };
  };
  const direct = routed(SINGLE_CHANNEL_CASES);
  for (const line of direct.lines) t.diagnostic(line);
  // Every kernel of every case on the direct path (none with VAE_KERNELS_SIMD=0: no SIMD module).
  const simdOn = process.env.VAE_KERNELS_SIMD !== '0';
  const n = simdOn ? SINGLE_CHANNEL_CASES.length : 0;
  assert.deepEqual([direct.forward, direct.inputGradient, direct.filterGradient], [n, n, n], 'calls on the direct path');
  // Cout = 6 (not a multiple of 4): the general im2col + GEMM path, same results.
  const general = routed([{ name: '6 out: general path', x: [2, 7, 6, 1], f: [3, 3, 1, 6], strides: [1, 1], pad: 'same' }]);
  assert.deepEqual([general.forward, general.inputGradient, general.filterGradient], [0, 0, 0], 'Cout = 6 stays on the general path');
  // Without the SIMD module: the general path with the JS loops.
  const previous = setSimdEnabled(false);
  try {
    const noSimd = routed(SINGLE_CHANNEL_CASES.slice(0, 3));
    assert.deepEqual([noSimd.forward, noSimd.inputGradient, noSimd.filterGradient], [0, 0, 0], 'SIMD off: general path');
  } finally {
    setSimdEnabled(previous);
  }
  // FusedConv2D: bias, then the activation.
  const c = SINGLE_CHANNEL_CASES[1];
  const d = caseData(c);
  const bias = rand(c.f[3], 6);
  const before = singleChannelCalls().forward;
  const got = tf.tidy(() =>
    tf.fused.conv2d({ x: tf.tensor4d(d.x, c.x), filter: tf.tensor4d(d.w, c.f), strides: c.strides, pad: 'same', bias: tf.tensor1d(bias), activation: 'leakyrelu', leakyreluAlpha: 0.3 }).dataSync().slice(),
  );
  assert.equal(singleChannelCalls().forward, before + (simdOn ? 1 : 0), 'FusedConv2D on the direct path');
  const ref = d.y.map((v, i) => {
    const z = v + bias[i % c.f[3]];
    return z > 0 ? z : Math.fround(0.3) * z;
  });
  assertClose(got, ref, 'native FusedConv2D leakyrelu, one input channel');
});

test('native: the C convolutions give the same numbers on 1 and 2 threads, and the TypeScript path stays right', { skip }, async (t) => {
  await use('native');
  const status = nativeBlasStatus();
  assert.ok(status.cKernels || process.env.VAE_C_KERNELS === '0', status.cKernelsReason);
  const threads = status.threads;
  const previousChunk = setNativeChunkFloats(4096); // several chunks per batch, so the threads share them
  t.after(() => {
    setNativeBlasThreads(threads);
    setNativeChunkFloats(previousChunk);
  });
  const cases = [...MODEL_CASES.filter((c) => c.x[3] > 1), ...ODD_CASES, ...STRIDE1_CASES, ...DIRECT_CASES];
  if (status.cKernels) {
    setNativeBlasThreads(1);
    const one = cases.map((c) => runConvKernels(caseData(c)));
    setNativeBlasThreads(2);
    const two = cases.map((c) => runConvKernels(caseData(c)));
    cases.forEach((c, i) => {
      for (const k of ['y', 'dx', 'dw'] as const) assert.deepEqual(two[i][k], one[i][k], `${c.name}: ${k} on 2 threads = on 1`);
    });
    for (const line of checkConvKernels('native (C, 2 threads)', cases)) t.diagnostic(line);
  }
  const previous = setCKernelsEnabled(false);
  try {
    for (const line of checkConvKernels('native (TypeScript + SIMD)', cases)) t.diagnostic(line);
  } finally {
    setCKernelsEnabled(previous);
  }
});

test('native: the direct C convolutions (channels in whole vectors, one-channel images) match float64 references and the GEMM route', { skip }, async (t) => {
  await use('native');
  const status = nativeBlasStatus();
  assert.ok(status.cKernels || process.env.VAE_C_KERNELS === '0', status.cKernelsReason);
  const c = cKernels()?.kernels;
  if (!c) return; // VAE_C_KERNELS=0: the TypeScript path, checked by the tests above
  const cases = [...DIRECT_CASES, ...MODEL_CASES, ...SINGLE_CHANNEL_CASES];
  // Forward and filter gradient vectorise over the output channels; the input gradient over the
  // input channels, or over the output channels when dx has at most 4 (one-channel images).
  const whole = (n: number) => n % c.vectorFloats === 0;
  const inputGradient = (m: ConvCase) => whole(m.f[2]) || (m.f[2] <= 4 && whole(m.f[3]));
  const expected = cases.reduce((n, m) => n + (whole(m.f[3]) ? 2 : 0) + (inputGradient(m) ? 1 : 0), 0);
  t.diagnostic(`direct kernels on vectors of ${c.vectorFloats} floats`);
  const before = c.directCalls();
  for (const line of checkConvKernels('native (C direct)', cases)) t.diagnostic(line);
  assert.equal(c.directCalls() - before, expected, 'convolutions done by the direct kernels');
  const previous = c.setDirect(false);
  try {
    const off = c.directCalls();
    for (const line of checkConvKernels('native (C GEMM)', cases)) t.diagnostic(line);
    assert.equal(c.directCalls(), off, 'direct kernels off: every convolution takes the GEMM route');
  } finally {
    c.setDirect(previous);
  }
});

test('native: the direct C kernels built for 8-float vectors (AVX2, no AVX-512: a laptop) give the same answers', { skip }, async (t) => {
  await use('native');
  const status = nativeBlasStatus();
  if (!status.cKernels) {
    assert.equal(process.env.VAE_C_KERNELS, '0', status.cKernelsReason);
    return;
  }
  if (process.arch !== 'x64') return t.skip(`-mno-avx512f é de x86-64; esta máquina é ${process.arch}`);
  // The build script's own compile, with AVX-512 turned off; the test above reruns in a child on it.
  const { compile } = require(path.join(__dirname, '..', '..', 'scripts', 'build-c-kernels.js')) as { compile(target: string, extra: string[]): string };
  const dir = mkdtempSync(path.join(tmpdir(), 'vae-avx2-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const library = path.join(dir, 'libvaekernels.so');
  t.diagnostic(compile(library, ['-mno-avx512f']));
  // NODE_TEST_CONTEXT would make the child report to this runner instead of printing TAP.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const child = spawnSync(process.execPath, ['--test', '--test-reporter=tap', '--test-name-pattern=direct C convolutions', __filename], {
    env: { ...env, VAE_C_KERNELS_LIBRARY: library },
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stdout.slice(-3000) + child.stderr.slice(-1000));
  assert.match(child.stdout, /direct kernels on vectors of 8 floats/);
  assert.match(child.stdout, /# pass 1\n/);
  assert.match(child.stdout, /# fail 0\n/);
});

test('native: LeakyRelu, its gradient and the bias Add in C give the SIMD kernels\' bits, on 1 and 2 threads', { skip }, async (t) => {
  await use('native');
  const status = nativeBlasStatus();
  assert.ok(status.cKernels || process.env.VAE_C_KERNELS === '0', status.cKernelsReason);
  const threads = status.threads;
  t.after(() => setNativeBlasThreads(threads));
  // Small (stays on the SIMD kernels), a decoder layer's output (C, split over threads), Dense-like
  // rows, and a size past the C threshold that is not a multiple of 8 (the C loops' scalar tail,
  // which the special values below reach too).
  const shapes = [[5, 7, 3], [32, 28, 28, 32], [3, 100, 64], [3, 77, 71]];
  const special = [0, -0, NaN, -NaN, Infinity, -Infinity, 1e-45, -1e-45, 3.4e38, -3.4e38];
  const run = () =>
    shapes.map((shape, i) =>
      tf.tidy(() => {
        const n = shape.reduce((a, b) => a * b, 1);
        const xs = rand(n, 40 + i);
        special.forEach((v, k) => (xs[(k * 7919) % n] = v));
        special.slice(0, 3).forEach((v, k) => (xs[n - 1 - k] = v));
        const x = tf.tensor(xs, shape);
        const dy = tf.tensor(rand(n, 50 + i), shape);
        const bias = tf.tensor1d(rand(shape[shape.length - 1], 60 + i));
        const outs = [tf.leakyRelu(x, 0.3), tf.engine().runKernel(LEAKY_RELU_GRAD, { dy, x }, { alpha: 0.3 }) as tf.Tensor, tf.add(x, bias), tf.add(bias, x)];
        return outs.map((o) => Array.from(new Uint32Array((o.dataSync() as Float32Array).slice().buffer)));
      }),
    );
  const previous = setCKernelsEnabled(false);
  let simd: number[][][];
  try {
    simd = run();
  } finally {
    setCKernelsEnabled(previous);
  }
  setNativeBlasThreads(1);
  assert.deepEqual(run(), simd, 'C on 1 thread = SIMD, bit for bit');
  setNativeBlasThreads(2);
  assert.deepEqual(run(), simd, 'C on 2 threads = SIMD, bit for bit');
});

test('native: 1×1 stride-1 convolutions (no im2col) and batches split in chunks', { skip }, async () => {
  await use('native');
  const pointwise: ConvCase = { name: '1x1 s1 valid', x: [3, 5, 6, 4], f: [1, 1, 4, 3], strides: [1, 1], pad: 'valid' };
  checkConvKernels('native', [pointwise]);
  const previous = setNativeChunkFloats(1500);
  try {
    checkConvKernels('native chunked', [ODD_CASES[1], ODD_CASES[4], MODEL_CASES[3], pointwise]);
  } finally {
    setNativeChunkFloats(previous);
  }
});

test('native: the JS fallbacks of the SIMD run loops give the same results', { skip }, async () => {
  await use('native');
  const previous = setSimdEnabled(false);
  try {
    checkConvKernels('native (JS loops)', [MODEL_CASES[1], ODD_CASES[0], ODD_CASES[2], ODD_CASES[4], ODD_CASES[8]]);
  } finally {
    setSimdEnabled(previous);
  }
});

test('native: FusedConv2D with bias and linear / relu / leakyrelu; prelu goes to the stock kernel', { skip }, async () => {
  await use('native');
  const c = ODD_CASES[4];
  const d = caseData(c);
  const bias = rand(c.f[3], 5);
  for (const activation of ['linear', 'relu', 'leakyrelu', 'prelu'] as const) {
    const got = tf.tidy(() =>
      tf.fused
        .conv2d({
          x: tf.tensor4d(d.x, c.x),
          filter: tf.tensor4d(d.w, c.f),
          strides: c.strides,
          pad: c.pad as 'same',
          bias: tf.tensor1d(bias),
          activation,
          leakyreluAlpha: 0.3,
          preluActivationWeights: activation === 'prelu' ? tf.fill([c.f[3]], 0.25) : undefined,
        })
        .dataSync()
        .slice(),
    );
    const slope = activation === 'relu' ? 0 : activation === 'leakyrelu' ? Math.fround(0.3) : 0.25;
    const ref = d.y.map((v, i) => {
      const z = v + bias[i % c.f[3]];
      return activation === 'linear' || z > 0 ? z : slope * z;
    });
    assertClose(got, ref, `native FusedConv2D ${activation}`);
  }
});

test('native: Conv2D with dilation matches the stock cpu kernel', { skip }, async () => {
  const x = rand(2 * 9 * 8 * 3, 41);
  const w = rand(3 * 3 * 3 * 4, 42);
  const run = () => tf.tidy(() => tf.conv2d(tf.tensor4d(x, [2, 9, 8, 3]), tf.tensor4d(w, [3, 3, 3, 4]), 1, 'same', 'NHWC', 2).dataSync().slice());
  await use('cpu');
  const ref = run();
  await use('native');
  assertClose(run(), ref, 'dilated conv2d', 1e-5);
});

/** float64 reference of op(a)·op(b) for one matrix. */
function refMatMul(a: Float32Array, b: Float32Array, m: number, n: number, k: number, ta: boolean, tb: boolean): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ta ? p * m + i : i * k + p] * b[tb ? j * k + p : p * n + j];
      out[i * n + j] = s;
    }
  return out;
}

test('native: BatchMatMul in the four transpose forms, batched and broadcast, and _FusedMatMul (Dense)', { skip }, async () => {
  await use('native');
  const cases = [
    { m: 32, k: 3136, n: 2 }, // encoder mu / log_var
    { m: 32, k: 2, n: 3136 }, // decoder_dense
    { m: 7, k: 5, n: 3 },
    { m: 1, k: 1, n: 1 },
  ];
  for (const { m, k, n } of cases) {
    for (const ta of [false, true])
      for (const tb of [false, true]) {
        const a = rand(m * k, m + k);
        const b = rand(k * n, k + n);
        const got = tf.tidy(() => tf.matMul(tf.tensor2d(a, ta ? [k, m] : [m, k]), tf.tensor2d(b, tb ? [n, k] : [k, n]), ta, tb).dataSync().slice());
        assertClose(got, refMatMul(a, b, m, n, k, ta, tb), `matMul ${m}x${k}x${n} ta=${ta} tb=${tb}`);
      }
  }
  // Batches: [3, m, k]·[3, k, n] and [3, m, k]·[1, k, n] (broadcast).
  const [m, k, n] = [4, 6, 5];
  const a = rand(3 * m * k, 61);
  const b = rand(3 * k * n, 62);
  const batched = tf.tidy(() => tf.matMul(tf.tensor3d(a, [3, m, k]), tf.tensor3d(b, [3, k, n])).dataSync().slice());
  const broadcast = tf.tidy(() => tf.matMul(tf.tensor3d(a, [3, m, k]), tf.tensor3d(b.slice(0, k * n), [1, k, n])).dataSync().slice());
  for (let i = 0; i < 3; i++) {
    const ai = a.subarray(i * m * k, (i + 1) * m * k);
    assertClose(batched.subarray(i * m * n, (i + 1) * m * n), refMatMul(ai, b.subarray(i * k * n), m, n, k, false, false), `batched matMul ${i}`);
    assertClose(broadcast.subarray(i * m * n, (i + 1) * m * n), refMatMul(ai, b, m, n, k, false, false), `broadcast matMul ${i}`);
  }
  // _FusedMatMul: bias + activations, as tf.layers.dense calls it.
  const bias = rand(n, 63);
  const plain = refMatMul(a, b, m, n, k, false, false);
  for (const activation of ['linear', 'relu', 'leakyrelu'] as const) {
    const got = tf.tidy(() => tf.fused.matMul({ a: tf.tensor2d(a.slice(0, m * k), [m, k]), b: tf.tensor2d(b.slice(0, k * n), [k, n]), bias: tf.tensor1d(bias), activation, leakyreluAlpha: 0.3 }).dataSync().slice());
    const ref = plain.map((v, i) => {
      const z = v + bias[i % n];
      return activation === 'linear' || z > 0 ? z : activation === 'relu' ? 0 : Math.fround(0.3) * z;
    });
    assertClose(got, ref, `fused matMul ${activation}`);
  }
});

test('native: gradients of conv2d, conv2dTranspose and a Dense layer match central differences', { skip }, async () => {
  await use('native');
  const c: ConvCase = { name: 'numgrad', x: [2, 7, 6, 3], f: [3, 3, 3, 4], strides: [2, 2], pad: 'same' };
  const g = geo(c);
  const x = rand(size(c.x), 31);
  const w = rand(size(c.f), 32);
  const R = rand(g.B * g.OH * g.OW * g.CO, 33);
  const [gx, gw] = tf.tidy(() =>
    tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad as 'same'), tf.tensor(R, [g.B, g.OH, g.OW, g.CO]))))([tf.tensor4d(x, c.x), tf.tensor4d(w, c.f)]).map(
      (t) => t.dataSync().slice() as Float32Array,
    ),
  );
  const ix = sampleIndices(x.length, 24, 34);
  const iw = sampleIndices(w.length, 24, 35);
  assertClose(ix.map((i) => gx[i]), numericGrad(x, (v) => dot(refConv(Float32Array.from(v), w, g), R), ix), 'd/dx conv2d', 1e-3);
  assertClose(iw.map((i) => gw[i]), numericGrad(w, (v) => dot(refConv(x, Float32Array.from(v), g), R), iw), 'd/dw conv2d', 1e-3);
  const y = rand(g.B * g.OH * g.OW * g.CO, 36);
  const S = rand(size(c.x), 37);
  const [gy, gw2] = tf.tidy(() =>
    tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, c.x, c.strides, c.pad as 'same'), tf.tensor(S, c.x))))([
      tf.tensor4d(y, [g.B, g.OH, g.OW, g.CO]),
      tf.tensor4d(w, c.f),
    ]).map((t) => t.dataSync().slice() as Float32Array),
  );
  const iy = sampleIndices(y.length, 24, 38);
  assertClose(iy.map((i) => gy[i]), numericGrad(y, (v) => dot(refBackpropInput(Float32Array.from(v), w, g), S), iy), 'd/dy conv2dTranspose', 1e-3);
  assertClose(iw.map((i) => gw2[i]), numericGrad(w, (v) => dot(refBackpropInput(y, Float32Array.from(v), g), S), iw), 'd/dw conv2dTranspose', 1e-3);
  // Dense: L = Σ (a·W + b) ⊙ T through the fused op.
  const [m, k, n] = [5, 7, 3];
  const a = rand(m * k, 71);
  const W = rand(k * n, 72);
  const T = rand(m * n, 73);
  const dense = (av: ArrayLike<number>, wv: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) s += av[i * k + p] * wv[p * n + j] * T[i * n + j];
    return s;
  };
  const [ga, gW] = tf.tidy(() =>
    tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.fused.matMul({ a: p as tf.Tensor2D, b: q as tf.Tensor2D, bias: tf.zeros([n]) }), tf.tensor2d(T, [m, n]))))([tf.tensor2d(a, [m, k]), tf.tensor2d(W, [k, n])]).map(
      (t) => t.dataSync().slice() as Float32Array,
    ),
  );
  const all = (len: number) => Array.from({ length: len }, (_, i) => i);
  assertClose(ga, numericGrad(a, (v) => dense(v, W), all(m * k)), 'd/da Dense', 1e-3);
  assertClose(gW, numericGrad(W, (v) => dense(a, v), all(k * n)), 'd/dW Dense', 1e-3);
});

test('native: no tensor or backend-memory leak across kernel calls and training steps', { skip }, async () => {
  await use('native');
  const c = ODD_CASES[0];
  const d = caseData(c);
  const calls = () => {
    runConvKernels(d);
    tf.tidy(() => tf.fused.matMul({ a: tf.ones([3, 4]), b: tf.ones([4, 2]), bias: tf.ones([2]) })).dispose();
    tf.tidy(() => tf.matMul(tf.ones([4, 3]), tf.ones([2, 4]), true, true)).dispose();
  };
  calls();
  const tensors = tf.memory().numTensors;
  const ids = backendDataIds();
  for (let i = 0; i < 5; i++) calls();
  assert.equal(tf.memory().numTensors, tensors, 'tensors after repeated kernel calls');
  assert.equal(backendDataIds(), ids, 'backend data ids after repeated kernel calls');
  // Training steps of the real model (conv, Dense, convT, Adam) keep both counts flat.
  const vae = new VariationalAutoencoder({ ...MNIST_VAE_OPTIONS, seed: 3 });
  vae.compile(0.0005, 1000);
  const x = tf.tensor4d(rand(8 * 784, 5).map((v) => (v + 1) / 2), [8, 28, 28, 1]);
  const step = async () => (await vae.train({ x, batchSize: 4, epochs: 1, seed: 2, progress: 'silent', workers: 1 })).history.length;
  await step();
  const tensors2 = tf.memory().numTensors;
  const ids2 = backendDataIds();
  for (let i = 0; i < 2; i++) await step();
  assert.equal(tf.memory().numTensors, tensors2, 'tensors after training');
  assert.equal(backendDataIds(), ids2, 'backend data ids after training');
  x.dispose();
  vae.dispose();
});

test('native: VAE-shaped conv stack gradients match the stock cpu kernels', { skip }, async (t) => {
  const { shapes, grads: ref } = await vaeStackGradients(() => use('cpu'));
  const { grads: ours } = await vaeStackGradients(() => use('native'));
  let worst = 0;
  ref.forEach((r, i) => (worst = Math.max(worst, assertClose(ours[i], r, `native gradient of parameter ${i} ${shapes[i]}`))));
  t.diagnostic(`worst relative error over ${ref.length} parameter gradients: ${worst.toExponential(2)}`);
});

/** Fixed images in [0, 1] for the MNIST-shaped model. */
function images(n: number): tf.Tensor4D {
  return tf.tensor4d(rand(n * 784, 9).map((v) => (v + 1) / 2), [n, 28, 28, 1]);
}

/** The MNIST VAE (seed 1) trained for `steps` batches of 32: losses per batch, initial and final weights. */
async function seededRun(steps: number, workers: number): Promise<{ losses: number[]; initial: Float32Array[]; weights: Float32Array[] }> {
  const vae = new VariationalAutoencoder({ ...MNIST_VAE_OPTIONS, seed: 1 });
  vae.compile(0.0005, 1000);
  const read = () => vae.namedVariables().map((v) => v.variable.dataSync().slice() as Float32Array);
  const initial = read();
  const x = images(32 * steps);
  const losses: number[] = [];
  const callbacks = [{ onBatchEnd: (logs: BatchLogs) => void losses.push(logs.metrics.loss) }];
  await vae.train({ x, batchSize: 32, epochs: 1, seed: 1, progress: 'silent', workers, callbacks });
  const weights = read();
  x.dispose();
  vae.dispose();
  return { losses, initial, weights };
}

/** The gradients of the VAE loss at the seed-1 weights on one batch of 32, by variable name (in the layers' order). */
function firstGradients(): { name: string; grad: Float32Array }[] {
  const vae = new VariationalAutoencoder({ ...MNIST_VAE_OPTIONS, seed: 1 });
  vae.compile(0.0005, 1000);
  const named = vae.namedVariables();
  const variables = named.map((v) => v.variable);
  const x = images(32);
  const eps = tf.tensor2d(rand(64, 8), [32, 2]);
  const { metrics, grads } = lossAndGradients(vae, variables, x, eps);
  const out = named.map((v) => ({ name: v.name, grad: grads[v.variable.name].dataSync().slice() as Float32Array }));
  tf.dispose([x, eps, ...metrics, ...Object.values(grads)]);
  vae.dispose();
  return out;
}

/** The inputs of the VAE's LeakyReLUs in the forward pass of firstGradients, by the layer that computes them. */
function leakyReluInputs(): { layer: string; values: Float32Array }[] {
  const vae = new VariationalAutoencoder({ ...MNIST_VAE_OPTIONS, seed: 1 });
  const feeding = (m: tf.LayersModel) => m.layers.filter((_, i) => m.layers[i + 1]?.getClassName() === 'LeakyReLU');
  const outputs = (m: tf.LayersModel, input: tf.Tensor) => {
    const layers = feeding(m);
    const ys = tf.model({ inputs: m.inputs, outputs: layers.map((l) => l.output as tf.SymbolicTensor) }).predict(input) as tf.Tensor[];
    return layers.map((l, i) => ({ layer: l.name, values: ys[i].dataSync().slice() as Float32Array }));
  };
  const out = tf.tidy(() => {
    const x = images(32);
    const [mu, logVar] = vae.encoderMuLogVar.predict(x) as tf.Tensor[];
    const z = sample(mu, logVar, tf.tensor2d(rand(64, 8), [32, 2]));
    return [...outputs(vae.encoderMuLogVar, x), ...outputs(vae.decoder, z)];
  });
  vae.dispose();
  return out;
}

test('native: seeded training agrees with the pure wasm path for the first steps, on one and two threads', { skip }, async (t) => {
  await initBackend({ quiet: true });
  // First-batch gradients against our cpu kernels (float64 accumulation). Not against the wasm
  // path: there one pre-activation of decoder_conv_t_2 (of 802,816) lands on the other side of
  // zero than in float64, LeakyReLU's slope there is 0.3 instead of 1, and the decoder gradients
  // differ by up to 6·10⁻³ — a kink, not an error of either path (measured). Native may meet such
  // a kink too (with the direct one-input-channel kernels: one input of encoder_conv_3's LeakyReLU,
  // 2·10⁻⁸ in float64, of 100,352; encoder gradients 3·10⁻³ off), so the flips are found: each must
  // be within float32 noise of zero; the variables of the layers up to the last flipped one (the
  // backward pass reaches them through it) may differ by 10⁻², every other variable by 10⁻⁴.
  await use('cpu');
  registerTrainingKernels('cpu');
  const cpuGrads = firstGradients();
  const cpuInputs = leakyReluInputs();
  await use('native');
  const nativeGrads = firstGradients();
  const nativeInputs = leakyReluInputs();
  let lastFlipped = -1;
  cpuInputs.forEach(({ layer, values }, i) => {
    const scale = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    values.forEach((v, j) => {
      const w = nativeInputs[i].values[j];
      if (v > 0 === w > 0) return;
      assert.ok(Math.abs(v) <= 1e-6 * scale && Math.abs(w) <= 1e-6 * scale, `${layer}: LeakyReLU input ${j} is ${v} on cpu, ${w} on native (scale ${scale})`);
      t.diagnostic(`kink: ${layer}, LeakyReLU input ${j}: ${v.toExponential(2)} on cpu, ${w.toExponential(2)} on native`);
      nativeGrads.forEach((g, k) => {
        if (g.name.startsWith(`${layer}/`)) lastFlipped = Math.max(lastFlipped, k);
      });
    });
  });
  let worstGrad = 0;
  nativeGrads.forEach(({ name, grad }, i) => {
    const tol = i <= lastFlipped ? 1e-2 : TOL;
    const e = assertClose(grad, cpuGrads[i].grad, `gradient of ${name} on the first batch`, tol);
    if (i > lastFlipped) worstGrad = Math.max(worstGrad, e);
  });
  t.diagnostic(`first-batch gradients, native vs cpu kernels: worst relative error ${worstGrad.toExponential(2)} over the ${nativeGrads.length - lastFlipped - 1} variables after any kink`);
  await use('wasm');
  const wasm = await seededRun(4, 1);
  await use('native');
  const native = await seededRun(4, 1);
  const parallel = await seededRun(4, 2);
  for (const [name, run] of [['native', native], ['native, 2 threads', parallel]] as const) {
    assert.equal(run.losses.length, 4);
    run.losses.forEach((l, i) => assert.ok(Math.abs(l - wasm.losses[i]) <= 1e-5 * Math.abs(wasm.losses[i]), `${name}, step ${i + 1}: loss ${l} vs wasm ${wasm.losses[i]}`));
    // Adam moves every weight by about lr per step whatever its gradient's size, so weights whose
    // gradient is float noise move differently on each path: compare the whole difference with
    // the distance travelled, |w − w_wasm| / |w_wasm − w₀| (2·10⁻³ measured; wasm 1 vs 2 threads: 2·10⁻⁴).
    let diff = 0;
    let moved = 0;
    run.weights.forEach((w, i) =>
      w.forEach((v, j) => {
        diff += (v - wasm.weights[i][j]) ** 2;
        moved += (wasm.weights[i][j] - wasm.initial[i][j]) ** 2;
      }),
    );
    const ratio = Math.sqrt(diff / moved);
    t.diagnostic(`${name}: losses ${run.losses.map((l) => l.toFixed(5)).join(', ')} (wasm ${wasm.losses.map((l) => l.toFixed(5)).join(', ')}); |Δw| / |w − w₀| = ${ratio.toExponential(2)}`);
    assert.ok(ratio <= 1e-2, `${name}: weights after 4 steps differ from wasm by ${ratio} of the distance travelled`);
  }
});
