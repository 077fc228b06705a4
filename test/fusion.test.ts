/**
 * The fused convolution + bias + LeakyReLU layers (src/model/fusion.ts, src/kernels/fused.ts,
 * src/kernels/native/fused.ts): on the native path with the C library they must give the floats
 * of the separate layers — forward, loss and every gradient, bit for bit — while running the
 * fused kernels (counted), and nowhere else change anything.
 *
 * Like test/kernels-native.test.ts these need the system OpenBLAS and the C library; only an
 * explicit VAE_NATIVE=0 skips them (with the reason printed).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Autoencoder, MNIST_VAE_OPTIONS, VariationalAutoencoder } from '../src';
import { conv2dLeakyRelu, conv2dTransposeLeakyRelu, fusedConvolutionsActive, nativeKernelsRegistered, registerTrainingKernels, setConvolutionFusion, unregisterTrainingKernels } from '../src/kernels';
import { cKernels } from '../src/kernels/native/blas';
import { setCKernelsEnabled } from '../src/kernels/native';
import { lossAndGradients } from '../src/train/engine';
import { DIRECT_CASES, MODEL_CASES, ODD_CASES, rand, type ConvCase } from './conv-reference';

const OFF = process.env.VAE_NATIVE === '0';
const skip = OFF ? 'VAE_NATIVE=0: o caminho nativo foi desligado de propósito' : false;

async function useNative(): Promise<void> {
  assert.ok(await tf.setBackend('wasm'));
  await tf.ready();
  registerTrainingKernels('wasm', { native: true });
  assert.ok(nativeKernelsRegistered(), 'native kernels registered');
  assert.ok(cKernels(), 'the C library is loaded');
}

before(async () => {
  if (!OFF) await useNative();
});

/** Every value bit for bit (NaN = NaN, −0 ≠ +0); says where the first difference is. */
function assertSameBits(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: [${i}] = ${actual[i]}, apart ${expected[i]}`);
  }
}

/** `f` with the fused layers on or off. */
function withFusion<T>(enabled: boolean, f: () => T): T {
  const previous = setConvolutionFusion(enabled);
  try {
    return f();
  } finally {
    setConvolutionFusion(previous);
  }
}

/** Kernel names run by `f`, with their counts. */
async function kernelCounts(f: () => tf.TensorContainer): Promise<Map<string, number>> {
  const info = await tf.profile(() => f());
  const counts = new Map<string, number>();
  for (const k of info.kernels) counts.set(k.name, (counts.get(k.name) ?? 0) + 1);
  return counts;
}

function images(n: number, seed: number): tf.Tensor4D {
  return tf.tensor4d(rand(n * 784, seed).map((v) => (v + 1) / 2), [n, 28, 28, 1]);
}

type Step = { metrics: number[]; grads: Map<string, Float32Array> };

function vaeStep(vae: VariationalAutoencoder, x: tf.Tensor4D, eps: tf.Tensor2D): Step {
  const named = vae.namedVariables();
  const { metrics, grads } = lossAndGradients(vae, named.map((v) => v.variable), x, eps);
  const out = { metrics: metrics.map((m) => m.dataSync()[0]), grads: new Map(named.map((v) => [v.name, grads[v.variable.name].dataSync().slice() as Float32Array])) };
  tf.dispose([...metrics, ...Object.values(grads)]);
  return out;
}

test('fused layers: a VAE step gives the loss and every gradient of the layers apart, bit for bit, running the fused kernels', { skip }, async () => {
  assert.ok(fusedConvolutionsActive(), 'fusion is active on the native path with the C library');
  const vae = new VariationalAutoencoder({ ...MNIST_VAE_OPTIONS, seed: 1 });
  vae.compile(0.0005, 1000);
  const x = images(33, 4); // an odd batch: the C kernels' last chunk is short
  const eps = tf.tensor2d(rand(66, 8), [33, 2]);
  const apart = withFusion(false, () => vaeStep(vae, x, eps));
  const fused = withFusion(true, () => vaeStep(vae, x, eps));
  assertSameBits(fused.metrics, apart.metrics, 'loss, r_loss, kl_loss');
  assert.equal(fused.grads.size, 22, '22 variables');
  for (const [name, g] of apart.grads) assertSameBits(fused.grads.get(name)!, g, `gradient of ${name}`);

  const step = () => {
    const named = vae.namedVariables();
    const { metrics, grads } = lossAndGradients(vae, named.map((v) => v.variable), x, eps);
    return [...metrics, ...Object.values(grads)];
  };
  const on = await withFusion(true, () => kernelCounts(step));
  const off = await withFusion(false, () => kernelCounts(step));
  assert.equal(on.get('VaeConv2DLeakyRelu'), 4, 'the four encoder convolutions, fused');
  assert.equal(on.get('VaeConv2DTransposeLeakyRelu'), 3, 'three of the four decoder convolutions (the last one has a sigmoid)');
  assert.equal(on.get('LeakyRelu'), undefined, 'no separate LeakyReLU pass');
  assert.equal(off.get('LeakyRelu'), 7);
  assert.equal(off.get('VaeConv2DLeakyRelu'), undefined);
  // Apart: 4 encoder input gradients (the first one, of the data, unused) + 4 decoder forward
  // passes; fused: the last decoder layer's forward pass and 3 encoder input gradients.
  assert.equal(off.get('Conv2DBackpropInput'), 8);
  assert.equal(on.get('Conv2DBackpropInput'), 4, 'the input gradient of the first layer is not computed');

  const tensors = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) withFusion(true, () => vaeStep(vae, x, eps));
  assert.equal(tf.memory().numTensors, tensors, 'no tensor left behind by fused steps');
  tf.dispose([x, eps]);
  vae.dispose();
});

test('fused layers: predict and training give the same numbers; the plain autoencoder too', { skip }, async () => {
  const vae = new VariationalAutoencoder({ ...MNIST_VAE_OPTIONS, seed: 2 });
  const ae = new Autoencoder({ ...MNIST_VAE_OPTIONS, seed: 2 });
  const x = images(20, 5);
  const z = tf.tensor2d(rand(40, 9), [20, 2]);
  const outputs = () => tf.tidy(() => {
    const [mu, logVar] = vae.encoderMuLogVar.predict(x, { batchSize: 8 }) as tf.Tensor[];
    const decoded = vae.decoder.predict(z) as tf.Tensor;
    const whole = ae.model.apply(x) as tf.Tensor;
    return [mu, logVar, decoded, whole, ae.encoder.predict(x) as tf.Tensor].map((t) => t.dataSync().slice());
  });
  const apart = withFusion(false, outputs);
  const fused = withFusion(true, outputs);
  apart.forEach((a, i) => assertSameBits(fused[i], a, `output ${i}`));

  // A few seeded training steps: the same weights at the end.
  const train = async (enabled: boolean) => {
    const m = new VariationalAutoencoder({ ...MNIST_VAE_OPTIONS, seed: 3 });
    m.compile(0.0005, 1000);
    const previous = setConvolutionFusion(enabled);
    try {
      await m.train({ x, batchSize: 8, epochs: 1, seed: 1, progress: 'silent', workers: 1 });
    } finally {
      setConvolutionFusion(previous);
    }
    const weights = m.namedVariables().map((v) => v.variable.dataSync().slice());
    m.dispose();
    return weights;
  };
  const trainedApart = await train(false);
  const trainedFused = await train(true);
  trainedApart.forEach((w, i) => assertSameBits(trainedFused[i], w, `weight ${i} after 3 steps`));
  tf.dispose([x, z]);
  vae.dispose();
  ae.dispose();
});

test('fused layers: a layer applied alone, a model of its feature maps, or execute by name gives the convolution\'s own output', { skip }, () => {
  const vae = new VariationalAutoencoder({ ...MNIST_VAE_OPTIONS, seed: 1 });
  const x = images(3, 6);
  const conv = vae.encoder.getLayer('encoder_conv_0');
  const alone = tf.tidy(() => (conv.apply(x) as tf.Tensor).dataSync().slice());
  const expected = withFusion(false, () => tf.tidy(() => (conv.apply(x) as tf.Tensor).dataSync().slice()));
  assertSameBits(alone, expected, 'encoder_conv_0 applied alone');
  assert.ok(alone.some((v) => v < 0), 'pre-activation values (some negative)');
  const maps = tf.model({ inputs: vae.encoder.inputs, outputs: conv.output as tf.SymbolicTensor });
  assertSameBits(tf.tidy(() => (maps.predict(x) as tf.Tensor).dataSync().slice()), expected, 'a model that outputs the feature maps');
  assertSameBits(tf.tidy(() => (vae.encoder.execute(x, (conv.output as tf.SymbolicTensor).name) as tf.Tensor).dataSync().slice()), expected, 'encoder.execute(x, a convolution)');
  const leaky = vae.encoder.getLayer('encoder_leaky_re_lu_0');
  const activated = tf.tidy(() => (leaky.apply(tf.tensor(expected, [3, 28, 28, 32])) as tf.Tensor).dataSync().slice());
  assert.ok(activated.every((v, i) => Object.is(v, expected[i] > 0 ? expected[i] : Math.fround(Math.fround(0.3) * expected[i]))), 'the LeakyReLU alone activates');
  x.dispose();
  vae.dispose();
});

test('fused layers: off where they do not apply (batch norm between the layers, no C library, the cpu backend)', { skip }, async () => {
  const x = images(4, 7);
  const bn = new VariationalAutoencoder({ ...MNIST_VAE_OPTIONS, useBatchNorm: true, seed: 1 });
  const bnCounts = await kernelCounts(() => bn.encoderMuLogVar.predict(x));
  assert.equal(bnCounts.get('VaeConv2DLeakyRelu'), undefined, 'with batch norm the convolution is not followed by its LeakyReLU');
  assert.equal(bnCounts.get('LeakyRelu'), 4);
  bn.dispose();

  const vae = new VariationalAutoencoder({ ...MNIST_VAE_OPTIONS, seed: 1 });
  const withC = tf.tidy(() => (vae.decoder.predict(tf.tensor2d(rand(8, 3), [4, 2])) as tf.Tensor).dataSync().slice());
  const previous = setCKernelsEnabled(false);
  try {
    assert.equal(fusedConvolutionsActive(), false, 'not without the C library');
    const counts = await kernelCounts(() => vae.decoder.predict(tf.tensor2d(rand(8, 3), [4, 2])));
    assert.equal(counts.get('VaeConv2DTransposeLeakyRelu'), undefined);
  } finally {
    setCKernelsEnabled(previous);
  }
  try {
    assert.ok(await tf.setBackend('cpu'));
    registerTrainingKernels('cpu');
    assert.equal(fusedConvolutionsActive(), false, 'not on the cpu backend');
    const onCpu = tf.tidy(() => (vae.decoder.predict(tf.tensor2d(rand(8, 3), [4, 2])) as tf.Tensor).dataSync().slice());
    onCpu.forEach((v, i) => assert.ok(Math.abs(v - withC[i]) < 1e-5, `cpu decodes as native: ${v} vs ${withC[i]}`));
    unregisterTrainingKernels('cpu');
  } finally {
    await useNative();
  }
  x.dispose();
  vae.dispose();
});

/** leaky(a) = a > 0 ? a : α·a in float32, like the kernels. */
function leaky(t: tf.Tensor, alpha: number): tf.Tensor {
  return tf.leakyRelu(t, alpha);
}

/** The fused kernels against the separate ops, on one geometry of the convolution cases. */
function checkFusedKernels(c: ConvCase, label: string): boolean {
  const [b, h, w, cin] = c.x;
  const [kh, kw, , cout] = c.f;
  if (c.pad !== 'same' && c.pad !== 'valid') return false; // the layers' paddings only
  const strides = c.strides;
  tf.tidy(() => {
    const x = tf.tensor4d(rand(b * h * w * cin, 11), [b, h, w, cin]);
    const filter = tf.tensor4d(rand(kh * kw * cin * cout, 12), [kh, kw, cin, cout]);
    const bias = tf.tensor1d(rand(cout, 13));
    const attrs = { strides, pad: c.pad as 'same' | 'valid', alpha: 0.3 };
    const fused = conv2dLeakyRelu(x, filter, bias, attrs);
    const apart = leaky(tf.fused.conv2d({ x, filter, bias, strides, pad: attrs.pad }), 0.3);
    assertSameBits(fused.dataSync(), apart.dataSync(), `${label}: conv + bias + leaky`);
    // The transposed layer: y = convᵀ(dy) with the forward convolution x → y's shapes.
    const dy = tf.tensor4d(rand(fused.size, 14), fused.shape as [number, number, number, number]);
    const tFilter = filter; // [KH, KW, Cin of the transposed output, Cout of dy]
    const tBias = tf.tensor1d(rand(cin, 15));
    const outputShape = [b, h, w, cin] as [number, number, number, number];
    const fusedT = conv2dTransposeLeakyRelu(dy, tFilter, tBias, { ...attrs, outputShape });
    const apartT = leaky(tf.add(tf.conv2dTranspose(dy, tFilter, outputShape, strides, attrs.pad), tBias), 0.3);
    assertSameBits(fusedT.dataSync(), apartT.dataSync(), `${label}: convᵀ + bias + leaky`);
  });
  return true;
}

test('fused kernels: the separate ops\' bits on the direct route, the GEMM route, few channels, and without the C library', { skip }, () => {
  const cases = [...MODEL_CASES, ...ODD_CASES, ...DIRECT_CASES];
  const c = cKernels()!;
  const routes: [string, () => () => void][] = [
    ['direct C', () => () => {}],
    ['GEMM in C', () => {
      const previous = c.kernels.setDirect(false);
      return () => c.kernels.setDirect(previous);
    }],
    ['TypeScript', () => {
      const previous = setCKernelsEnabled(false);
      return () => setCKernelsEnabled(previous);
    }],
  ];
  let checked = 0;
  for (const [route, set] of routes) {
    const restore = set();
    try {
      for (const k of cases) {
        if (checkFusedKernels(k, `${route}, ${k.name}`)) checked++;
      }
    } finally {
      restore();
    }
  }
  assert.ok(checked >= 3 * 15, `cases checked: ${checked}`);
});
