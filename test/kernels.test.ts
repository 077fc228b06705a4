/**
 * Our training kernels (src/kernels) against references:
 *  - an independent float64 implementation of the convolution formulas (itself checked against
 *    the stock cpu kernels on small shapes), on the VAE's real layer shapes at batch 32 and on
 *    odd ones (stride 1, 2, 3 and 1×2, 'same', 'valid' and explicit padding, odd and even sizes,
 *    batch 1 and 33, one input or output channel, even filters, filters smaller than the stride);
 *  - central finite differences of float64 losses for the gradients;
 *  - the stock cpu kernels for a whole VAE-shaped stack of layers.
 * Error measure: relErr(a, ref) = max|a − ref| / max(max|ref|, 1e-6), required ≤ 1e-4.
 * The references and cases are in conv-reference.ts (shared with kernels-native.test.ts). The wasm
 * kernels are tested here without the native-BLAS ones (registerTrainingKernels(…, { native: false })).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { ADAM_STEP, LEAKY_RELU_GRAD, listTrainingKernels, registerTrainingKernels, unregisterTrainingKernels } from '../src/kernels';
import { kerasAdam } from '../src/train/adam';
import { conv2dGeometry, samePadding, transposedPhases } from '../src/kernels/geometry';
import { setBackpropFilterChunkFloats } from '../src/kernels/wasm/conv2d_backprop_filter';
import { setSimdEnabled, simdModuleBytes } from '../src/kernels/wasm/simd';
import { sliceWasmConfig } from '../src/kernels/wasm/slice';
import { addWasmConfig } from '../src/kernels/wasm/add';
import {
  assertClose,
  backendDataIds,
  caseData,
  checkConvKernels,
  dot,
  geo,
  MODEL_CASES,
  numericGrad,
  ODD_CASES,
  padAlong,
  rand,
  refBackpropInput,
  refConv,
  runConvKernels,
  sampleIndices,
  size,
  vaeStackGradients,
  type Backend,
  type ConvCase,
} from './conv-reference';

async function use(backend: Backend, ours: boolean): Promise<void> {
  assert.ok(await tf.setBackend(backend));
  await tf.ready();
  if (ours) registerTrainingKernels(backend, { native: false });
  else unregisterTrainingKernels(backend);
}

before(async () => {
  await use('cpu', false);
  await use('wasm', false);
});

// ---------------------------------------------------------------------------------------------

test('geometry: TensorFlow same/valid padding, and the phase split covers every (dx, dy, tap) triple once', () => {
  for (let inSize = 1; inSize <= 16; inSize++)
    for (let k = 1; k <= 5; k++)
      for (let s = 1; s <= 3; s++) {
        const [before, after, out] = samePadding(inSize, k, s);
        const total = Math.max((Math.ceil(inSize / s) - 1) * s + k - inSize, 0);
        assert.deepEqual([before, after, out], [Math.floor(total / 2), total - Math.floor(total / 2), Math.ceil(inSize / s)]);
        for (const pad of ['same', 'valid'] as const) {
          if (pad === 'valid' && k > inSize) continue;
          const g = conv2dGeometry([1, inSize, inSize + 1, 1], [k, k, 1, 1], s, pad);
          const ref = padAlong(inSize, k, s, pad, 1);
          assert.equal(g.padTop, ref.before, `padTop in=${inSize} k=${k} s=${s} ${pad}`);
          assert.equal(g.outHeight, ref.out, `outHeight in=${inSize} k=${k} s=${s} ${pad}`);
          assert.equal(g.padLeft, padAlong(inSize + 1, k, s, pad, 2).before);
          // Direct enumeration of i = o·s + k − p versus equation (2) of geometry.ts.
          const direct = new Set<string>();
          for (let o = 0; o < g.outHeight; o++)
            for (let kk = 0; kk < k; kk++) {
              const i = o * s + kk - g.padTop;
              if (i >= 0 && i < inSize) direct.add(`${i},${o},${kk}`);
            }
          const viaPhases = new Set<string>();
          for (const ph of transposedPhases(inSize, g.outHeight, k, s, g.padTop)) {
            for (let t = 0; t < ph.count; t++)
              for (let j2 = 0; j2 < ph.taps; j2++) {
                const o = t - ph.padBefore + j2;
                if (o < 0 || o >= g.outHeight) continue; // padding of the phase convolution
                const key = `${ph.phase + s * t},${o},${ph.firstTap + (ph.taps - 1 - j2) * s}`;
                assert.ok(!viaPhases.has(key), `duplicate ${key}`);
                viaPhases.add(key);
              }
          }
          assert.deepEqual([...viaPhases].sort(), [...direct].sort(), `phases in=${inSize} k=${k} s=${s} ${pad}`);
        }
      }
});

test('the float64 reference agrees with the stock cpu kernels (odd shapes)', async () => {
  await use('cpu', false);
  for (const c of ODD_CASES) {
    const d = caseData(c);
    const r = runConvKernels(d);
    assertClose(r.y, d.y, `stock cpu Conv2D vs reference ${c.name}`, 1e-5);
    assertClose(r.dx, d.dx, `stock cpu Conv2DBackpropInput vs reference ${c.name}`, 1e-5);
    assertClose(r.dw, d.dw, `stock cpu Conv2DBackpropFilter vs reference ${c.name}`, 1e-5);
  }
});

test('wasm: our SIMD module is valid and bound to the backend heap', async (t) => {
  if (process.env.VAE_KERNELS_SIMD === '0') return t.skip('VAE_KERNELS_SIMD=0');
  await use('wasm', true);
  const bytes = simdModuleBytes();
  assert.ok(bytes.length > 100 && bytes[0] === 0 && bytes[1] === 0x61, 'a wasm binary');
  const memory = (tf.backend() as unknown as { wasm: { asm?: { memory?: unknown } } }).wasm.asm?.memory;
  assert.ok(memory, 'the tfjs wasm module exports its memory');
  const { simdFor } = await import('../src/kernels/wasm/simd');
  assert.ok(simdFor(memory), 'SIMD kernels instantiated (else the JS fallbacks would run)');
});

test('registerTrainingKernels: idempotent, lists its kernels, unknown backends get none', async () => {
  await use('wasm', false);
  assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined, 'stock wasm has no Conv2DBackpropFilter');
  assert.equal(registerTrainingKernels('wasm'), true);
  assert.equal(registerTrainingKernels('wasm'), true);
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
  const names = listTrainingKernels('wasm').map((k) => k.kernelName);
  for (const k of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'LeakyRelu', LEAKY_RELU_GRAD, 'Sum']) assert.ok(names.includes(k), k);
  assert.equal(new Set(names).size, names.length, 'no duplicates');
  assert.equal(registerTrainingKernels('webgl-or-anything'), false);
  unregisterTrainingKernels('wasm');
  assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined, 'stock state restored');
  assert.equal(listTrainingKernels('wasm').length, 0);
});

for (const backend of ['wasm', 'cpu'] as Backend[]) {
  test(`${backend}: convolution kernels on the VAE's layer shapes (batch 32)`, async (t) => {
    await use(backend, true);
    for (const line of checkConvKernels(backend, MODEL_CASES)) t.diagnostic(line);
  });

  test(`${backend}: convolution kernels on odd shapes`, async (t) => {
    await use(backend, true);
    for (const line of checkConvKernels(backend, ODD_CASES)) t.diagnostic(line);
  });
}

test('wasm: Conv2DBackpropFilter summed over batch chunks', async () => {
  await use('wasm', true);
  const previous = setBackpropFilterChunkFloats(1500);
  try {
    for (const c of [ODD_CASES[1], ODD_CASES[4], MODEL_CASES[3]]) {
      const d = caseData(c);
      assertClose(runConvKernels(d).dw, d.dw, `chunked Conv2DBackpropFilter ${c.name}`);
    }
  } finally {
    setBackpropFilterChunkFloats(previous);
  }
});

test('cpu: FusedConv2D with bias and linear / relu / leakyrelu', async () => {
  await use('cpu', true);
  const c = ODD_CASES[4];
  const d = caseData(c);
  const bias = rand(c.f[3], 5);
  for (const activation of ['linear', 'relu', 'leakyrelu'] as const) {
    const got = tf.tidy(() =>
      tf.fused
        .conv2d({ x: tf.tensor4d(d.x, c.x), filter: tf.tensor4d(d.w, c.f), strides: c.strides, pad: c.pad as 'same', bias: tf.tensor1d(bias), activation, leakyreluAlpha: 0.3 })
        .dataSync()
        .slice(),
    );
    const ref = d.y.map((v, i) => {
      const z = v + bias[i % c.f[3]];
      return activation === 'linear' ? z : z > 0 ? z : activation === 'relu' ? 0 : 0.3 * z;
    });
    assertClose(got, ref, `cpu FusedConv2D ${activation}`);
  }
});

test('cpu: Conv2D with dilation, NCHW fallback, and the bias Add against the stock kernels', async () => {
  const x = rand(2 * 9 * 8 * 3, 41);
  const w = rand(3 * 3 * 3 * 4, 42);
  const big = rand(2 * 5 * 4 * 6, 43);
  const bias = rand(6, 44);
  const run = () =>
    tf.tidy(() => {
      const tx = tf.tensor4d(x, [2, 9, 8, 3]);
      const tw = tf.tensor4d(w, [3, 3, 3, 4]);
      const tb = tf.tensor(big, [2, 5, 4, 6]);
      const get = (t: tf.Tensor) => t.dataSync().slice() as Float32Array;
      return [
        get(tf.conv2d(tx, tw, 1, 'same', 'NHWC', 2)),
        get(tf.conv2d(tf.transpose(tx, [0, 3, 1, 2]) as tf.Tensor4D, tw, 2, 'valid', 'NCHW')),
        get(tf.add(tb, tf.tensor(bias, [1, 1, 1, 6]))),
        get(tf.add(tf.tensor1d(bias), tb)),
        get(tf.add(tb, tf.tensor(bias.slice(0, 4), [1, 1, 4, 1]))),
        get(tf.add(tf.tensor(big.slice(0, 12), [2, 6]), tf.tensor1d(bias))),
      ];
    });
  await use('cpu', false);
  const ref = run();
  await use('cpu', true);
  const got = run();
  const what = ['dilated conv2d', 'NCHW conv2d (stock fallback)', 'bias add [1,1,1,C]', 'bias add [C] + x', 'other broadcast (stock fallback)', 'Dense bias add'];
  // The stock cpu Conv2D accumulates in float32, ours in float64: close, not identical. Add: identical.
  got.forEach((g, i) => (i < 2 ? assertClose(g, ref[i], what[i], 1e-5) : assert.deepEqual(Array.from(g), Array.from(ref[i]), what[i])));
});

test('wasm: the JS fallbacks of the SIMD loops give the same results', async () => {
  await use('wasm', true);
  const cases = [MODEL_CASES[1], ODD_CASES[0], ODD_CASES[2], ODD_CASES[3], ODD_CASES[4], ODD_CASES[8]];
  const shape = [3, 5, 4, 8];
  const x = rand(size(shape), 51);
  const dy = rand(size(shape), 52);
  const elementwise = () =>
    tf.tidy(() => {
      const tx = tf.tensor(x, shape);
      const tdy = tf.tensor(dy, shape);
      return [tf.leakyRelu(tx, 0.3), tf.grad((v: tf.Tensor) => tf.leakyRelu(v, 0.3))(tx, tdy), tf.sum(tdy, [0, 1, 2])].map((t) => t.dataSync().slice());
    });
  const withSimd = elementwise();
  const previous = setSimdEnabled(false);
  try {
    for (const c of cases) {
      const d = caseData(c);
      const r = runConvKernels(d);
      assertClose(r.dx, d.dx, `JS-fallback Conv2DBackpropInput ${c.name}`);
      assertClose(r.dw, d.dw, `JS-fallback Conv2DBackpropFilter ${c.name}`);
    }
    const withoutSimd = elementwise();
    assert.deepEqual(Array.from(withoutSimd[0]), Array.from(withSimd[0]), 'LeakyRelu');
    assert.deepEqual(Array.from(withoutSimd[1]), Array.from(withSimd[1]), 'LeakyRelu gradient');
    assertClose(withoutSimd[2], withSimd[2], 'Sum', 1e-6);
  } finally {
    setSimdEnabled(previous);
  }
});

test('wasm: Identity shares data safely (clones outlive their source)', async () => {
  await use('wasm', true);
  const before = tf.memory().numTensors;
  const a = tf.tensor([1, 2, 3, 4], [2, 2]);
  const b = tf.clone(a);
  a.dispose();
  assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3, 4]);
  const c = tf.add(b, 1);
  b.dispose();
  assert.deepEqual(Array.from(c.dataSync()), [2, 3, 4, 5]);
  c.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('wasm: Slice copies contiguous ranges inside the heap and gives the stock results for every slice', async () => {
  const shape = [6, 4, 3, 2];
  const values = Array.from({ length: size(shape) }, (_, i) => i - 20);
  const cases: [number[], number[]][] = [
    [[2, 0, 0, 0], [3, -1, -1, -1]], // images 2–4: contiguous
    [[5, 1, 0, 0], [1, 2, -1, -1]], // rows of one image: contiguous
    [[0, 0, 0, 0], [0, -1, -1, -1]], // empty
    [[1, 1, 0, 0], [2, 2, 3, 2]], // not contiguous: stock kernel
    [[0, 0, 1, 1], [-1, -1, 2, 1]], // not contiguous
  ];
  const run = (dtype: 'float32' | 'int32' | 'bool') =>
    cases.map(([begin, sz]) => tf.tidy(() => Array.from(tf.tensor(values, shape, dtype).slice(begin, sz).dataSync())));
  const dtypes = ['float32', 'int32', 'bool'] as const;
  await use('wasm', false);
  const expected = dtypes.map(run);
  await use('wasm', true);
  assert.equal(tf.getKernel('Slice', 'wasm')?.kernelFunc, sliceWasmConfig.kernelFunc, 'our Slice is the registered one');
  const before = tf.memory().numTensors;
  dtypes.forEach((dtype, d) => assert.deepEqual(run(dtype), expected[d], dtype));
  assert.equal(tf.memory().numTensors, before);
});

test('wasm: the bias Add gives the stock results bit for bit (either operand order; other broadcasts go to the stock kernel)', async () => {
  const cases: [number[], number[]][] = [
    [[4, 6, 5, 32], [1, 1, 1, 32]], // a Conv2DTranspose bias
    [[3, 7], [7]], // a Dense bias, C not a multiple of 4
    [[2, 3, 5], [1, 1, 5]],
    [[7], [2, 3, 7]], // the bias first
    [[3, 1], [3, 4]], // not a bias: stock kernel
    [[2, 4], [2, 4]], // same shapes: stock kernel
    [[0, 4], [4]], // empty
  ];
  const run = () => cases.map(([sa, sb], i) => tf.tidy(() => Array.from(tf.add(tf.tensor(rand(size(sa), 40 + i), sa), tf.tensor(rand(size(sb), 60 + i), sb)).dataSync())));
  await use('wasm', false);
  const expected = run();
  await use('wasm', true);
  assert.equal(tf.getKernel('Add', 'wasm')?.kernelFunc, addWasmConfig.kernelFunc, 'our Add is the registered one');
  const before = tf.memory().numTensors;
  assert.deepEqual(run(), expected);
  assert.equal(tf.memory().numTensors, before);
});

test('LeakyRelu, its gradient and the bias-gradient Sum on wasm and cpu', async () => {
  const shape = [3, 5, 4, 6];
  const x = rand(size(shape), 21);
  x[0] = 0;
  x[1] = -0;
  x[2] = 1e-30;
  x[3] = -1e-30;
  const dy = rand(size(shape), 22);
  const alpha = 0.3;
  // As tfjs' cpu backend: the forward pass multiplies by α as a double, the stock gradient
  // (where(x > 0, dy, mul(dy, α))) by α as a float32 scalar; at x = 0 the gradient is α·dy.
  const y = x.map((v) => (v > 0 ? v : alpha * v));
  // The stock wasm kernel (C++) multiplies by α as a float32; so does ours on wasm.
  const yWasm = x.map((v) => (v > 0 ? v : Math.fround(alpha) * v));
  const dx = x.map((v, i) => (v > 0 ? dy[i] : Math.fround(alpha) * dy[i]));
  const sum = new Float64Array(6);
  dy.forEach((v, i) => (sum[i % 6] += v));
  for (const backend of ['wasm', 'cpu'] as Backend[]) {
    await use(backend, true);
    tf.tidy(() => {
      const tx = tf.tensor(x, shape);
      const tdy = tf.tensor(dy, shape);
      assert.deepEqual(Array.from(tf.leakyRelu(tx, alpha).dataSync()), Array.from(backend === 'wasm' ? yWasm : y), `${backend} LeakyRelu is exact`);
      const g = tf.grad((v: tf.Tensor) => tf.leakyRelu(v, alpha))(tx, tdy);
      assert.deepEqual(Array.from(g.dataSync()), Array.from(dx), `${backend} LeakyRelu gradient is exact (α side at 0)`);
      assertClose(tf.sum(tdy, [0, 1, 2]).dataSync(), sum, `${backend} Sum over [0,1,2]`, 1e-6);
      assert.deepEqual(tf.sum(tdy, [2, 0, 1], true).shape, [1, 1, 1, 6], `${backend} Sum keepDims`);
      assertClose(tf.sum(tdy, [0, 1, 2], true).dataSync(), sum, `${backend} Sum keepDims values`, 1e-6);
      // Reductions that are not "all but the last axis" go to the stock kernel.
      const ref3 = new Float64Array(3 * 5 * 4);
      dy.forEach((v, i) => (ref3[Math.floor(i / 6)] += v));
      assertClose(tf.sum(tdy, 3).dataSync(), ref3, `${backend} Sum over the last axis`, 1e-6);
      assert.equal(tf.sum(tf.tensor([1, 2, 3], [3], 'int32')).dataSync()[0], 6, `${backend} int Sum`);
    });
  }
});

for (const backend of ['wasm', 'cpu'] as Backend[]) {
  test(`${backend}: gradients of conv2d and conv2dTranspose match central differences`, async () => {
    await use(backend, true);
    const c: ConvCase = { name: 'numgrad', x: [2, 7, 6, 3], f: [3, 3, 3, 4], strides: [2, 2], pad: 'same' };
    const g = geo(c);
    const x = rand(size(c.x), 31);
    const w = rand(size(c.f), 32);
    // conv2d: L(x, w) = Σ conv(x, w) ⊙ R.
    const R = rand(g.B * g.OH * g.OW * g.CO, 33);
    const [gx, gw] = tf.tidy(() =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad as 'same'), tf.tensor(R, [g.B, g.OH, g.OW, g.CO]))))(
        [tf.tensor4d(x, c.x), tf.tensor4d(w, c.f)],
      ).map((t) => t.dataSync().slice() as Float32Array),
    );
    const ix = sampleIndices(x.length, 24, 34);
    const iw = sampleIndices(w.length, 24, 35);
    const nx = numericGrad(x, (v) => dot(refConv(Float32Array.from(v), w, g), R), ix);
    const nw = numericGrad(w, (v) => dot(refConv(x, Float32Array.from(v), g), R), iw);
    assertClose(ix.map((i) => gx[i]), nx, `${backend} d/dx conv2d`, 1e-3);
    assertClose(iw.map((i) => gw[i]), nw, `${backend} d/dw conv2d`, 1e-3);
    // conv2dTranspose: L(y, w) = Σ convT(y, w) ⊙ S, convT(y, w) = Conv2DBackpropInput(y, w).
    const y = rand(g.B * g.OH * g.OW * g.CO, 36);
    const S = rand(size(c.x), 37);
    const [gy, gw2] = tf.tidy(() =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, c.x, c.strides, c.pad as 'same'), tf.tensor(S, c.x))))(
        [tf.tensor4d(y, [g.B, g.OH, g.OW, g.CO]), tf.tensor4d(w, c.f)],
      ).map((t) => t.dataSync().slice() as Float32Array),
    );
    const iy = sampleIndices(y.length, 24, 38);
    const ny = numericGrad(y, (v) => dot(refBackpropInput(Float32Array.from(v), w, g), S), iy);
    const nw2 = numericGrad(w, (v) => dot(refBackpropInput(y, Float32Array.from(v), g), S), iw);
    assertClose(iy.map((i) => gy[i]), ny, `${backend} d/dy conv2dTranspose`, 1e-3);
    assertClose(iw.map((i) => gw2[i]), nw2, `${backend} d/dw conv2dTranspose`, 1e-3);
  });
}

for (const backend of ['wasm', 'cpu'] as Backend[]) {
  test(`${backend}: no tensor or backend-memory leak across kernel calls and training steps`, async () => {
    await use(backend, true);
    const c = ODD_CASES[0];
    const d = caseData(c);
    const x = tf.tensor4d(d.x, c.x);
    const w = tf.tensor4d(d.w, c.f);
    const dy = tf.tensor4d(d.dy, [d.g.B, d.g.OH, d.g.OW, d.g.CO]);
    const calls = () => {
      tf.conv2dTranspose(dy, w, c.x, c.strides, c.pad as 'same').dispose();
      (tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f }) as tf.Tensor).dispose();
      tf.leakyRelu(x, 0.3).dispose();
      (tf.engine().runKernel(LEAKY_RELU_GRAD, { dy: x, x }, { alpha: 0.3 }) as tf.Tensor).dispose();
      tf.sum(x, [0, 1, 2]).dispose();
    };
    calls();
    const tensors = tf.memory().numTensors;
    const ids = backendDataIds();
    for (let i = 0; i < 5; i++) calls();
    assert.equal(tf.memory().numTensors, tensors, 'tensors after repeated kernel calls');
    assert.equal(backendDataIds(), ids, 'backend data ids after repeated kernel calls');

    // A tiny conv model trained with tf.variableGrads (conv, leakyRelu, strided convT, biases).
    const v = (shape: number[], seed: number) => tf.variable(tf.tensor(rand(size(shape), seed), shape).mul(0.3));
    const params = [v([3, 3, 1, 4], 1), v([4], 2), v([3, 3, 4, 4], 3), v([3, 3, 2, 4], 4), v([2], 5)];
    const img = tf.tensor4d(rand(2 * 9 * 9, 6), [2, 9, 9, 1]);
    const opt = tf.train.adam(0.01);
    const step = () => {
      const { value, grads } = tf.variableGrads(() =>
        tf.tidy(() => {
          const [w1, b1, w2, w3, b3] = params;
          const h1 = tf.leakyRelu(tf.add(tf.conv2d(img, w1 as tf.Tensor4D, 1, 'same'), b1), 0.3) as tf.Tensor4D;
          const h2 = tf.leakyRelu(tf.conv2d(h1, w2 as tf.Tensor4D, 2, 'same'), 0.3);
          const out = tf.add(tf.conv2dTranspose(h2, w3 as tf.Tensor4D, [2, 9, 9, 2], 2, 'same'), b3);
          return tf.sum(tf.square(out));
        }),
      );
      opt.applyGradients(grads as Parameters<typeof opt.applyGradients>[0]);
      value.dispose();
      tf.dispose(Object.values(grads));
    };
    step();
    const tensors2 = tf.memory().numTensors;
    const ids2 = backendDataIds();
    for (let i = 0; i < 3; i++) step();
    assert.equal(tf.memory().numTensors, tensors2, 'tensors after training steps');
    assert.equal(backendDataIds(), ids2, 'backend data ids after training steps');
    opt.dispose();
    tf.dispose([x, w, dy, img, ...params]);
  });
}

test('VAE-shaped conv stack: gradients on wasm + our kernels match the stock cpu kernels', async (t) => {
  const { shapes, grads: ref } = await vaeStackGradients(() => use('cpu', false));
  const { grads: ours } = await vaeStackGradients(() => use('wasm', true));
  const { grads: oursCpu } = await vaeStackGradients(() => use('cpu', true));
  let worst = 0;
  ref.forEach((r, i) => {
    worst = Math.max(worst, assertClose(ours[i], r, `wasm gradient of parameter ${i} ${shapes[i]}`));
    worst = Math.max(worst, assertClose(oursCpu[i], r, `cpu (ours) gradient of parameter ${i} ${shapes[i]}`));
  });
  t.diagnostic(`worst relative error over ${ref.length} parameter gradients: ${worst.toExponential(2)}`);
});

for (const [backend, loops] of [['wasm', 'SIMD'], ['wasm', 'JS'], ['cpu', 'JS']] as [Backend, 'SIMD' | 'JS'][]) {
  test(`${backend} (${loops} loop): the fused Adam step (VaeAdamStep) gives the stock optimiser's weights and state bit for bit`, async (t) => {
    await use(backend, true);
    assert.ok(tf.getKernel(ADAM_STEP, backend), 'registered with our training kernels');
    if (backend === 'wasm') {
      const previous = setSimdEnabled(loops === 'SIMD');
      t.after(() => setSimdEnabled(previous));
    }
    const shapes = [[3, 3, 1, 32], [3, 3, 64, 64], [32], [3136, 2], [7]];
    const make = (tag: string) => shapes.map((s, i) => tf.variable(tf.randomNormal(s, 0, 1, 'float32', 10 + i), true, `adam_${backend}_${loops}_${tag}_${i}`));
    const [a, b] = [make('stock'), make('fused')];
    const [stock, fused] = [tf.train.adam(0.001, 0.9, 0.999, 1e-7), kerasAdam(0.001)];
    let before = 0;
    for (let step = 0; step < 30; step++) {
      if (step === 15) for (const o of [stock, fused]) (o as unknown as { learningRate: number }).learningRate = 0.0005; // a decayed rate
      const grads = shapes.map((s, i) => tf.randomNormal(s, 0, 1 + (step % 3), 'float32', 100 * step + i));
      stock.applyGradients(a.map((v, i) => ({ name: v.name, tensor: grads[i] })));
      fused.applyGradients(b.map((v, i) => ({ name: v.name, tensor: grads[i] })));
      tf.dispose(grads);
      if (step === 1) before = tf.memory().numTensors;
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor left per step');
    a.forEach((v, i) => assert.deepEqual(Array.from(b[i].dataSync()), Array.from(v.dataSync()), `variable ${i}`));
    const [ws, wf] = [await stock.getWeights(), await fused.getWeights()];
    assert.deepEqual(wf.map((w) => w.name.replace('fused', 'stock')), ws.map((w) => w.name), 'same state, same names (checkpoints unchanged)');
    ws.forEach((w, i) => assert.deepEqual(Array.from(wf[i].tensor.dataSync()), Array.from(w.tensor.dataSync()), w.name));
    tf.dispose([...a, ...b]);
    stock.dispose();
    fused.dispose();
  });
}

test('the fused Adam falls back to the stock step where VaeAdamStep is not registered', async () => {
  await use('cpu', false);
  assert.equal(tf.getKernel(ADAM_STEP, 'cpu'), undefined);
  const [a, b] = [tf.variable(tf.ones([5]), true, 'adam_fallback_a'), tf.variable(tf.ones([5]), true, 'adam_fallback_b')];
  const [stock, fused] = [tf.train.adam(0.01, 0.9, 0.999, 1e-7), kerasAdam(0.01)];
  const g = tf.tensor1d([1, -2, 3, -4, 5]);
  stock.applyGradients([{ name: a.name, tensor: g }]);
  fused.applyGradients([{ name: b.name, tensor: g }]);
  assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
  tf.dispose([a, b, g]);
});
