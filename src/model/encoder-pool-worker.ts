/** An encoding worker thread (see encoder-pool.ts): rebuilds the model, then encodes its shares. */
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, type BackendChoice } from '../backend';
import { Autoencoder } from './autoencoder';
import { encodeArrays, type EncoderWorkerInit, type FromEncoderWorker, type ToEncoderWorker } from './encoder-pool';
import type { AutoencoderOptions } from './options';
import { VariationalAutoencoder } from './vae';

async function start(init: EncoderWorkerInit): Promise<void> {
  const port = parentPort!;
  const post = (m: FromEncoderWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  try {
    await initBackend({ backend: init.backend as BackendChoice, quiet: true });
    const spec = init.spec as { kind: 'vae' | 'ae'; options: AutoencoderOptions };
    const model = spec.kind === 'vae' ? new VariationalAutoencoder(spec.options) : new Autoencoder(spec.options);
    const weights = init.weights.map((w) => tf.tensor(w.values, w.shape));
    model.model.setWeights(weights);
    tf.dispose(weights);
    const [h, w, c] = model.inputDim;
    port.on('message', (msg: ToEncoderWorker) => {
      if (msg.type === 'exit') return port.close();
      try {
        const outputs = tf.tidy(() => encodeArrays(model, tf.tensor4d(msg.x, [msg.n, h, w, c]), msg.batchSize));
        post({ type: 'encoded', outputs }, outputs.map((o) => o.buffer as ArrayBuffer));
      } catch (err) {
        post({ type: 'error', message: (err as Error).message });
      }
    });
    post({ type: 'ready' });
  } catch (err) {
    post({ type: 'error', message: (err as Error).message });
  }
}

void start(workerData as EncoderWorkerInit);
