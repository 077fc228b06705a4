/**
 * Gradient overrides. Gradients are registered globally (not per backend), so ours runs a
 * kernel of our own when the active backend has it and falls back to the stock gradient
 * otherwise — the result is the same function either way.
 *
 * LeakyRelu: stock dx = where(x > 0, dy, α·dy) costs three kernels and a bool tensor; ours is
 * one pass, dx = dy · (x > 0 ? 1 : α) (kernel LEAKY_RELU_GRAD, inputs {dy, x}, attr alpha).
 */
import * as tf from '@tensorflow/tfjs';

/** Our kernel for the LeakyRelu gradient. */
export const LEAKY_RELU_GRAD = 'VaeLeakyReluGrad';

let stockLeakyRelu: tf.GradConfig | undefined;
let installed = false;

function replaceGradient(config: tf.GradConfig): void {
  if (tf.getGradient(config.kernelName)) tf.unregisterGradient(config.kernelName);
  tf.registerGradient(config);
}

export function installGradients(): void {
  if (installed) return;
  stockLeakyRelu = tf.getGradient('LeakyRelu');
  replaceGradient({
    kernelName: 'LeakyRelu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const g = dy as tf.Tensor;
      if (x.dtype === 'float32' && g.dtype === 'float32' && tf.getKernel(LEAKY_RELU_GRAD, tf.getBackend())) {
        return { x: () => tf.engine().runKernel(LEAKY_RELU_GRAD, { dy: g, x }, { alpha: attrs.alpha as number }) as tf.Tensor };
      }
      if (stockLeakyRelu) return stockLeakyRelu.gradFunc(dy, saved, attrs);
      const alpha = attrs.alpha as number;
      return { x: () => tf.where(tf.greater(x, 0), g, tf.mul(g, alpha)) };
    },
  });
  installed = true;
}

/** Puts the stock gradients back (tests and benchmarks). */
export function uninstallGradients(): void {
  if (!installed) return;
  if (stockLeakyRelu) replaceGradient(stockLeakyRelu);
  installed = false;
}

export function gradientsInstalled(): boolean {
  return installed;
}
