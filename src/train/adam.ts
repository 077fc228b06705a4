/**
 * Adam with Keras' defaults whose step runs as one kernel per variable (VaeAdamStep, registered
 * with our training kernels for wasm and cpu) instead of tfjs' ~14 element-wise kernels: on the
 * VAE that is ~20 kernels a step instead of ~280 (~10 ms of an ~80 ms step on one thread).
 *
 * It *is* a tf.AdamOptimizer: the same state (accBeta1/2 and the m, v variables, named
 * `<variable>/m` and `/v`), so getWeights/setWeights, checkpoints and `--resume` are unchanged,
 * and the same maths rounded the same way (kernels/common/adam.ts). Where the kernel is not
 * registered for the current backend (tensorflow, webgl) the stock step runs.
 */
import * as tf from '@tensorflow/tfjs';
import { ADAM_STEP } from '../kernels';

/** The parts of tf.AdamOptimizer's state that tfjs keeps private. */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  incrementIterations(): void;
}

/** What applyGradients receives: a map name → gradient, or a list of { name, tensor }. */
type Gradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Gradients): void {
    if (!tf.getKernel(ADAM_STEP, tf.getBackend())) {
      super.applyGradients(variableGradients);
      return;
    }
    const s = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    tf.tidy(() => {
      // c1 = 1 − β1^t and c2 = 1 − β2^t as float32, as tfjs computes them (sub(1, accBeta)).
      const [c1, c2] = tf.tidy(() => [tf.sub(1, s.accBeta1), tf.sub(1, s.accBeta2)].map((t) => t.dataSync()[0]));
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        s.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        s.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const grad = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
        if (grad == null) return;
        const m = s.accumulatedFirstMoment[i].variable;
        const v = s.accumulatedSecondMoment[i].variable;
        const attrs = { beta1: s.beta1, beta2: s.beta2, c1, c2, learningRate: s.learningRate, epsilon: s.epsilon };
        const [newValue, newM, newV] = tf.engine().runKernel(ADAM_STEP, { value, m, v, grad }, attrs) as tf.Tensor[];
        m.assign(newM);
        v.assign(newV);
        value.assign(newValue);
      });
      s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
      s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
    });
    s.incrementIterations();
  }
}

/** Adam with Keras' defaults (β1 0.9, β2 0.999, ε 1e-7), stepped by FusedAdamOptimizer. */
export function kerasAdam(learningRate: number): FusedAdamOptimizer {
  return new FusedAdamOptimizer(learningRate, 0.9, 0.999, 1e-7);
}
