/**
 * An encoding worker thread (see model/encoder-pool.ts): rebuilds the model, then encodes its shares.
 * An entry point: nothing imports this file; EncoderPool starts it by path.
 */
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, type BackendChoice } from '../backend';
import { encodeArrays, type EncoderWorkerInit, type FromEncoderWorker, type ToEncoderWorker } from '../model/encoder-pool';
import { createModel } from '../model/factory';

async function start(init: EncoderWorkerInit): Promise<void> {
  const port = parentPort!;
  const post = (m: FromEncoderWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  try {
    await initBackend({ backend: init.backend as BackendChoice, quiet: true });
    const model = createModel({ ...init.spec, compile: null }); // weights only: nothing is trained here
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
