/**
 * A training worker thread (see train/parallel.ts): rebuilds the model from its spec, then for each
 * step computes the gradients of its share into a shared buffer and applies the averaged update.
 * An entry point: nothing imports this file; train/parallel.ts starts it by path.
 */
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, type BackendChoice } from '../backend';
import { createModel, type ModelSpec } from '../model/factory';
import { ConfigError } from '../errors';
import { lossAndGradients, setOptimizerLearningRate } from '../train/engine';
import type { FromWorker, ToWorker, WorkerInit } from '../train/parallel';

async function start(init: WorkerInit<ModelSpec>): Promise<void> {
  const port = parentPort!;
  const post = (m: FromWorker) => port.postMessage(m);
  try {
    await initBackend({ backend: init.backend as BackendChoice, quiet: true });
    if (!init.spec.compile) throw new ConfigError('A thread de treino recebeu um modelo sem compile.');
    const model = createModel(init.spec);
    const variables = model.namedVariables().map((v) => v.variable);
    variables.forEach((v, i) => v.assign(tf.tensor(init.weights[i], v.shape)));
    const optimizer = model.optimizer!;
    if (init.optimizer.moments.length) {
      const named = [{ name: 'iter', tensor: tf.scalar(init.optimizer.iterations, 'int32') }];
      init.optimizer.moments.forEach((m, i) => named.push({ name: `m${i}`, tensor: tf.tensor(m, variables[i % variables.length].shape) }));
      await optimizer.setWeights(named);
    }
    const own = new Float32Array(init.gradsSlot);
    const combined = new Float32Array(init.combined);
    const sizes = variables.map((v) => v.size);
    const [h, w, c] = model.inputDim;
    port.on('message', (msg: ToWorker) => {
      try {
        if (msg.type === 'step') {
          const xt = tf.tensor4d(msg.x, [msg.n, h, w, c]);
          const et = tf.tensor2d(msg.eps, [msg.n, model.zDim]);
          const { metrics, grads } = lossAndGradients(model, variables, xt, et);
          let offset = 0;
          for (const v of variables) {
            const g = grads[v.name].dataSync() as Float32Array;
            own.set(g, offset);
            offset += g.length;
          }
          const values = metrics.map((m) => m.dataSync()[0]);
          tf.dispose([xt, et, ...metrics, ...Object.values(grads)]);
          post({ type: 'grads', metrics: values });
        } else if (msg.type === 'apply') {
          setOptimizerLearningRate(optimizer, msg.lr);
          const grads: tf.NamedTensorMap = {};
          let offset = 0;
          variables.forEach((v, i) => {
            grads[v.name] = tf.tensor(combined.subarray(offset, offset + sizes[i]), v.shape);
            offset += sizes[i];
          });
          optimizer.applyGradients(grads);
          tf.dispose(Object.values(grads));
        } else if (msg.type === 'exit') {
          port.close();
        }
      } catch (err) {
        post({ type: 'error', message: (err as Error).message, stack: (err as Error).stack });
      }
    });
    post({ type: 'ready' });
  } catch (err) {
    post({ type: 'error', message: (err as Error).message, stack: (err as Error).stack });
  }
}

void start(workerData as WorkerInit<ModelSpec>);
