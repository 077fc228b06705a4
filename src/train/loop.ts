/**
 * The training loop, kept pure: it shuffles, runs the batches through an engine, and emits
 * events. Checkpoints, sample images, the CSV log and the progress bar are callbacks.
 */
import * as tf from '@tensorflow/tfjs';
import { TrainingError } from '../errors';
import type { TrainingEngine } from './engine';
import { getOptimizerLearningRate } from './engine';
import { Rng, hashSeed } from './rng';
import type { Callback, EpochLogs, StopReason, TrainContext, TrainParams, TrainResult, TrainableModel } from './types';

export interface LoopOptions {
  /** Training images, flattened: count · h · w · c floats in [0, 1]. */
  images: Float32Array;
  /** Number of images. */
  count: number;
  batchSize: number;
  /** Last epoch to run (1-based, inclusive), like Keras' `epochs`. */
  epochs: number;
  /** Epochs already done (training starts at initialEpoch + 1). */
  initialEpoch: number;
  /** Seed of shuffling and ε; each epoch derives its own streams from it. */
  seed: number;
  /** Shuffle every epoch (default true). */
  shuffle?: boolean;
  /** Stop between batches on SIGINT (Ctrl-C, or the notebook's interrupt). Default true. */
  handleSigint?: boolean;
}

/** Runs the loop. Throws TrainingError when the loss becomes NaN/Inf (after onTrainEnd). */
export async function trainLoop(
  model: TrainableModel,
  optimizer: tf.Optimizer,
  engine: TrainingEngine,
  options: LoopOptions,
  callbacks: Callback[],
): Promise<TrainResult> {
  const { images, count, batchSize, epochs, initialEpoch, seed } = options;
  const pixels = model.inputDim[0] * model.inputDim[1] * model.inputDim[2];
  const params: TrainParams = { epochs, initialEpoch, batchSize, samples: count, stepsPerEpoch: Math.ceil(count / batchSize), seed };
  let stopReason: StopReason | null = null;
  const ctx: TrainContext = {
    model,
    optimizer,
    params,
    setLearningRate: (lr) => engine.setLearningRate(lr),
    learningRate: () => getOptimizerLearningRate(optimizer),
    requestStop: (reason) => {
      stopReason ??= reason;
    },
  };
  let sigints = 0;
  const onSigint = () => {
    ctx.requestStop('interrupted');
    if (++sigints >= 2) {
      process.removeListener('SIGINT', onSigint);
      process.kill(process.pid, 'SIGINT'); // a second Ctrl-C: default behaviour
    }
  };
  if (options.handleSigint !== false) process.on('SIGINT', onSigint);

  const emit = async <K extends keyof Callback>(event: K, ...args: unknown[]) => {
    for (const cb of callbacks) await (cb[event] as ((...a: unknown[]) => unknown) | undefined)?.apply(cb, [...args, ctx]);
  };

  const history: EpochLogs[] = [];
  const xBatch = new Float32Array(batchSize * pixels);
  const epsBatch = new Float32Array(batchSize * model.zDim);
  let lastEpoch = initialEpoch;
  let nanError: TrainingError | null = null;
  try {
    await emit('onTrainBegin');
    for (let epoch = initialEpoch + 1; epoch <= epochs && !stopReason; epoch++) {
      await emit('onEpochBegin', epoch);
      const order = options.shuffle === false ? null : new Rng(hashSeed(seed, epoch, 1)).permutation(count);
      const epsRng = new Rng(hashSeed(seed, epoch, 2));
      const sums = new Array(model.metricNames.length).fill(0);
      const lr = ctx.learningRate();
      const start = performance.now();
      let seen = 0;
      for (let batch = 0; batch < params.stepsPerEpoch && !stopReason; batch++) {
        const n = Math.min(batchSize, count - batch * batchSize);
        for (let i = 0; i < n; i++) {
          const src = order ? order[batch * batchSize + i] : batch * batchSize + i;
          xBatch.set(images.subarray(src * pixels, (src + 1) * pixels), i * pixels);
        }
        epsRng.fillNormal(epsBatch);
        const values = await engine.step(xBatch, epsBatch, n);
        if (!values.every(Number.isFinite)) {
          const shown = model.metricNames.map((m, i) => `${m}=${values[i]}`).join(', ');
          nanError = new TrainingError(
            `A loss deixou de ser um número finito na época ${epoch}, lote ${batch} (${shown}). ` +
              'O treino parou; os pesos em memória não são confiáveis, mas o último checkpoint salvo foi mantido. ' +
              'Tente uma learning rate menor.',
          );
          ctx.requestStop('nan');
          break;
        }
        seen += n;
        values.forEach((v, i) => (sums[i] += v * n));
        const metrics: Record<string, number> = {};
        const running: Record<string, number> = {};
        model.metricNames.forEach((m, i) => {
          metrics[m] = values[i];
          running[m] = sums[i] / seen;
        });
        await emit('onBatchEnd', { epoch, batch, size: n, metrics, running });
        await new Promise((resolve) => setImmediate(resolve)); // lets SIGINT and notebook output through
      }
      if (stopReason) break; // an incomplete epoch is neither logged nor saved
      const seconds = (performance.now() - start) / 1000;
      const metrics: Record<string, number> = {};
      model.metricNames.forEach((m, i) => (metrics[m] = sums[i] / seen));
      const logs: EpochLogs = { epoch, metrics, seconds, imagesPerSecond: seen / seconds, learningRate: lr };
      await engine.sync();
      await emit('onEpochEnd', logs);
      history.push(logs);
      lastEpoch = epoch;
    }
  } catch (err) {
    stopReason ??= 'error';
    await engine.sync().catch(() => undefined);
    await emit('onTrainEnd', { history, stopReason, lastEpoch }).catch(() => undefined);
    throw err;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  const result: TrainResult = { history, stopReason: stopReason ?? 'completed', lastEpoch };
  await engine.sync();
  await emit('onTrainEnd', result);
  if (nanError) throw nanError;
  return result;
}
