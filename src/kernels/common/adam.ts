/**
 * One Adam step for one variable in a single pass (Kingma & Ba, 2015; tfjs' AdamOptimizer):
 *
 *     m ← β1·m + (1 − β1)·g
 *     v ← β2·v + (1 − β2)·g²
 *     θ ← θ − lr · (m / c1) / (√(v / c2) + ε),     c1 = 1 − β1^t, c2 = 1 − β2^t
 *
 * tfjs runs this as ~14 element-wise kernels per variable (≈ 280 small kernels a step for the
 * VAE); here it is one loop. Every operation is rounded to float32 in the order tfjs does it
 * (its constants are float32 scalars), so the result matches the stock optimiser to float32
 * rounding of the square root.
 */
/** The kernel's name in tfjs' registry (wasm and cpu backends). */
export const ADAM_STEP = 'VaeAdamStep';

const f32 = Math.fround;

/** The step's constants, as tfjs computes them (1 − β1 in double, then used as a float32 scalar). */
export interface AdamStepConstants {
  beta1: number;
  beta2: number;
  /** 1 − β1^t (float32, from the optimiser's accBeta1). */
  c1: number;
  /** 1 − β2^t. */
  c2: number;
  learningRate: number;
  epsilon: number;
}

/** The Adam step on Float32Array views: new θ, m, v into the three outputs (they may not alias the inputs). */
export function adamStepLoop(
  value: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array,
  outValue: Float32Array, outM: Float32Array, outV: Float32Array, k: AdamStepConstants,
): void {
  const [b1, b2, ob1, ob2] = [f32(k.beta1), f32(k.beta2), f32(1 - k.beta1), f32(1 - k.beta2)];
  const [c1, c2, eps, negLr] = [f32(k.c1), f32(k.c2), f32(k.epsilon), f32(-k.learningRate)];
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const mi = f32(f32(m[i] * b1) + f32(gi * ob1));
    const vi = f32(f32(v[i] * b2) + f32(f32(gi * gi) * ob2));
    const step = f32(f32(mi / c1) / f32(f32(Math.sqrt(f32(vi / c2))) + eps));
    outM[i] = mi;
    outV[i] = vi;
    outValue[i] = f32(step * negLr) + value[i];
  }
}
