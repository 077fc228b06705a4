/**
 * The batch size of `predict` on the package's models when the caller gives none. Keras (and
 * tfjs-layers) take 32; here each batch of a `predict` also costs ~0,8 ms of bookkeeping in
 * JavaScript (slicing, running the layer graph, tidy), as much as the arithmetic of ~10 images on
 * the native path: a 20×20 grid decoded in batches of 32 spent ~10 ms of ~50 outside the kernels,
 * in batches of 128–400 ~1,5 ms (measured on a 2-core AMD EPYC, Zen 4). 512 decodes that grid (400
 * images) in one batch, without the second pass through the layers and the final concat: 39,8 ms
 * against 41,2 with 256 (means of five alternating runs, each the median of 15). The convolutions
 * sum each image on its own, so a decoded image does not depend on the batch it is in; the
 * encoder's Dense heads go through the BLAS, whose sums may round differently for another number of
 * rows (seen: μ differing by ≤ 2e-4 relative between batches of 32 and 700, as between two machines).
 */
import type * as tf from '@tensorflow/tfjs';

export const PREDICT_BATCH_SIZE = 512;

/** Makes `model.predict(x)` without a `batchSize` use PREDICT_BATCH_SIZE; a given one is kept. */
export function predictInLargerBatches(model: tf.LayersModel): void {
  const own = model.predict.bind(model);
  model.predict = (x, config = {}) => own(x, { ...config, batchSize: config.batchSize ?? PREDICT_BATCH_SIZE });
}
