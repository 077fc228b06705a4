import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Autoencoder, ConfigError, MNIST_VAE_OPTIONS, VariationalAutoencoder, countParams } from '../src';
import { modelDiagramSvg } from '../src/model/diagram';
import { PREDICT_BATCH_SIZE } from '../src/model/predict-batch';
import { summaryText } from '../src/model/summary';
import { testBackend, TINY_OPTIONS } from './helpers';

test('the book configuration has the book parameter totals (encoder 105,220, decoder 102,017)', async () => {
  await testBackend();
  const vae = new VariationalAutoencoder(MNIST_VAE_OPTIONS);
  assert.equal(countParams(vae.encoder).total, 105220);
  assert.equal(countParams(vae.decoder).total, 102017);
  const byName = Object.fromEntries(vae.encoder.layers.map((l) => [l.name, l.countParams()]));
  assert.equal(byName.encoder_conv_0, 320); // the source notebook's summary
  assert.equal(byName.encoder_conv_1, 18496);
  const decoder = Object.fromEntries(vae.decoder.layers.map((l) => [l.name, l.countParams()]));
  assert.equal(decoder.decoder_dense, 9408);
  assert.equal(decoder.decoder_conv_t_0, 36928);
  vae.dispose();
});

test('Keras layer names and shapes', async () => {
  await testBackend();
  const vae = new VariationalAutoencoder(MNIST_VAE_OPTIONS);
  const names = vae.encoder.layers.map((l) => l.name);
  for (const n of ['encoder_input', 'encoder_conv_0', 'encoder_conv_3', 'mu', 'log_var', 'encoder_output']) assert.ok(names.includes(n), n);
  const decoderNames = vae.decoder.layers.map((l) => l.name);
  for (const n of ['decoder_input', 'decoder_conv_t_0', 'decoder_conv_t_3']) assert.ok(decoderNames.includes(n), n);
  assert.deepEqual(vae.encoder.outputs[0].shape, [null, 2]);
  assert.deepEqual(vae.decoder.outputs[0].shape, [null, 28, 28, 1]);
  const [mu, logVar] = vae.encoderMuLogVar.predict(tf.zeros([3, 28, 28, 1])) as tf.Tensor[];
  assert.deepEqual(mu.shape, [3, 2]);
  assert.deepEqual(logVar.shape, [3, 2]);
  const out = vae.model.predict(tf.zeros([3, 28, 28, 1])) as tf.Tensor;
  assert.deepEqual(out.shape, [3, 28, 28, 1]);
  const v = out.dataSync();
  assert.ok(v.every((p) => p >= 0 && p <= 1), 'sigmoid output in [0, 1]');
  tf.dispose([mu, logVar, out]);
  vae.dispose();
});

test('Keras-style summary text', async () => {
  await testBackend();
  const vae = new VariationalAutoencoder(MNIST_VAE_OPTIONS);
  const enc = summaryText(vae.encoder);
  assert.match(enc, /^Model: "encoder"/);
  assert.match(enc, /encoder_conv_0 \(Conv2D\)\s+\(None, 28, 28, 32\)\s+320\s+encoder_input\[0\]\[0\]/);
  assert.match(enc, /Total params: 105\.220/);
  const dec = summaryText(vae.decoder);
  assert.match(dec, /decoder_conv_t_0 \(Conv2DTran \(None, 7, 7, 64\)\s+36\.928/);
  assert.match(dec, /Total params: 102\.017/);
  vae.dispose();
});

test('the plain autoencoder has a Dense encoder_output and no sampling', async () => {
  await testBackend();
  const ae = new Autoencoder(MNIST_VAE_OPTIONS);
  const names = ae.encoder.layers.map((l) => l.name);
  assert.ok(names.includes('encoder_output') && !names.includes('mu'));
  assert.equal(countParams(ae.encoder).total, 105220 - 2 * 6274 + 6274);
  const a = (ae.encoder.predict(tf.ones([1, 28, 28, 1])) as tf.Tensor).dataSync();
  const b = (ae.encoder.predict(tf.ones([1, 28, 28, 1])) as tf.Tensor).dataSync();
  assert.deepEqual(Array.from(a), Array.from(b), 'deterministic encoder');
  ae.dispose();
});

test('seeded construction gives identical weights', async () => {
  await testBackend();
  const a = new VariationalAutoencoder(TINY_OPTIONS);
  const b = new VariationalAutoencoder(TINY_OPTIONS);
  const wa = a.namedVariables().map((v) => Array.from(v.variable.dataSync()));
  const wb = b.namedVariables().map((v) => Array.from(v.variable.dataSync()));
  assert.deepEqual(wa, wb);
  assert.deepEqual(
    a.namedVariables().map((v) => v.name),
    b.namedVariables().map((v) => v.name),
    'save names do not depend on how many models the process built',
  );
  a.dispose();
  b.dispose();
});

test('invalid options give Portuguese errors naming the field', () => {
  const bad = (patch: object) => () => new VariationalAutoencoder({ ...MNIST_VAE_OPTIONS, ...patch });
  assert.throws(bad({ zDim: 0 }), (e: Error) => e instanceof ConfigError && /zDim/.test(e.message));
  assert.throws(bad({ encoderConvStrides: [1, 2, 2] }), /mesmo tamanho/);
  assert.throws(bad({ decoderConvTFilters: [64, 64, 32, 3] }), /canal/);
  assert.throws(bad({ inputDim: [28, 28] }), /inputDim/);
  assert.throws(bad({ encoderConvStrides: [1, 2, 2, 2], decoderConvTStrides: [1, 2, 2, 1] }), /strides/);
});

test('compile validates its arguments', async () => {
  await testBackend();
  const vae = new VariationalAutoencoder(TINY_OPTIONS);
  assert.throws(() => vae.compile(-1, 1000), /learningRate/);
  assert.throws(() => vae.compile(0.001, 0), /rLossFactor/);
  assert.throws(() => vae.compile(0.001, 10, { klWeight: -1 }), /klWeight/);
  vae.compile(0.0005, 1000);
  assert.deepEqual(vae.compileSettings(), { learningRate: 0.0005, rLossFactor: 1000 });
  vae.dispose();
});

test('the model diagram is an SVG with one box per layer', async () => {
  await testBackend();
  const vae = new VariationalAutoencoder(MNIST_VAE_OPTIONS);
  const svg = modelDiagramSvg(vae.encoder);
  assert.match(svg, /^<svg xmlns/);
  assert.equal((svg.match(/<rect x=/g) ?? []).length, vae.encoder.layers.length);
  assert.match(svg, /mu \(Dense\)/);
  vae.dispose();
});

test('predict without a batchSize runs batches of PREDICT_BATCH_SIZE (a given one is kept); decoded images do not depend on it', async () => {
  await testBackend();
  const vae = new VariationalAutoencoder({ ...MNIST_VAE_OPTIONS, seed: 3 });
  const sizes: number[] = [];
  const dense = vae.decoder.layers.find((l) => l.getClassName() === 'Dense')!;
  const call = dense.call.bind(dense);
  dense.call = (inputs, kwargs) => {
    sizes.push((Array.isArray(inputs) ? inputs[0] : inputs).shape[0] ?? 0);
    return call(inputs, kwargs);
  };
  const z = tf.randomNormal([PREDICT_BATCH_SIZE + 44, 2], 0, 1, 'float32', 5);
  const byDefault = vae.decoder.predict(z) as tf.Tensor;
  const inBatchesOf32 = vae.decoder.predict(z, { batchSize: 32 }) as tf.Tensor;
  assert.deepEqual(byDefault.shape, [PREDICT_BATCH_SIZE + 44, 28, 28, 1]);
  assert.deepEqual(Array.from(byDefault.dataSync()), Array.from(inBatchesOf32.dataSync()), 'same images, bit for bit');
  tf.dispose([z, byDefault, inBatchesOf32]);
  vae.dispose();
  // The decoder's first layer saw two batches, then (batchSize: 32) batches of 32.
  assert.deepEqual(sizes.slice(0, 2), [PREDICT_BATCH_SIZE, 44]);
  assert.deepEqual(sizes.slice(2, 4), [32, 32]);
});
