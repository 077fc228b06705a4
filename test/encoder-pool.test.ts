/** EncoderPool: the encoder split over worker threads gives exactly what one thread gives. */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Autoencoder, EncoderPool, VariationalAutoencoder } from '../src';
import { testBackend, tinyImages, TINY_OPTIONS } from './helpers';

const arrays = (ts: tf.Tensor[]) => ts.map((t) => Array.from(t.dataSync()));

test('EncoderPool.encode = encoderMuLogVar.predict, in order, over 2 and 3 threads, without leaking tensors', async () => {
  await testBackend();
  const vae = new VariationalAutoencoder(TINY_OPTIONS);
  const x = tinyImages(101); // odd: the shares differ in size
  const expected = vae.encoderMuLogVar.predict(x, { batchSize: 16 }) as tf.Tensor2D[];
  for (const threads of [2, 3]) {
    const pool = await EncoderPool.create(vae, { threads });
    assert.equal(pool.threads, threads);
    const before = tf.memory().numTensors;
    const got = await pool.encode(x, { batchSize: 16 });
    assert.equal(tf.memory().numTensors, before + 2, 'only the two results stay');
    assert.deepEqual(got.map((t) => t.shape), [[101, 2], [101, 2]]);
    assert.deepEqual(arrays(got), arrays(expected));
    // fewer images than threads, and the same pool used again (compared with the same one-image
    // predict: a BLAS may round an image differently inside a batch of 16 than alone)
    const single = x.slice(5, 1) as tf.Tensor4D;
    const one = await pool.encode(single);
    const alone = vae.encoderMuLogVar.predict(single) as tf.Tensor2D[];
    assert.deepEqual(arrays(one), arrays(alone));
    tf.dispose([...got, ...one, ...alone, single]);
    await pool.dispose();
  }
  vae.dispose();
});

test('EncoderPool on a plain autoencoder returns [z]; bad input gets a clear error', async () => {
  await testBackend();
  const ae = new Autoencoder(TINY_OPTIONS);
  const x = tinyImages(20);
  const pool = await EncoderPool.create(ae, { threads: 2 });
  const [z] = await pool.encode(x);
  assert.deepEqual(arrays([z]), arrays([ae.encoder.predict(x) as tf.Tensor]));
  await assert.rejects(pool.encode(tf.zeros([3, 28, 28, 1]) as tf.Tensor4D), /forma \[N, 8, 8, 1\]/);
  await assert.rejects(pool.encode(tf.zeros([0, 8, 8, 1]) as tf.Tensor4D), /Nenhuma imagem/);
  await pool.dispose();
  await assert.rejects(EncoderPool.create(ae, { threads: 0 }), /threads/);
  ae.dispose();
});
