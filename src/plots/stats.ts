/**
 * The normal-distribution maths the plots need (no dependency): pdf, erf/erfc, CDF Φ, its inverse
 * (ppf, like scipy's `norm.ppf`), linspace and the KL divergence of a VAE's latent term.
 */

/** n evenly spaced numbers from `start` to `stop` (both included), like `np.linspace`. */
export function linspace(start: number, stop: number, n: number): number[] {
  if (n === 1) return [start];
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? stop : start + ((stop - start) * i) / (n - 1)));
}

/** `steps` points z = (1 − t)·a + t·b on the segment from a to b, t = linspace(0, 1, steps): the path of an interpolation. */
export function interpolationPoints(a: readonly number[], b: readonly number[], steps: number): { t: number; z: number[] }[] {
  return linspace(0, 1, steps).map((t) => ({ t, z: a.map((ak, k) => (1 - t) * ak + t * b[k]) }));
}

/** Probability that N(0, I) in `dims` dimensions falls in the box [−half, half]^dims: (2Φ(half) − 1)^dims. */
export function normalBoxMass(half: number, dims: number): number {
  return (2 * normCdf(half) - 1) ** dims;
}

/** Density of N(mu, sigma²) at x. */
export function normPdf(x: number, mu = 0, sigma = 1): number {
  const u = (x - mu) / sigma;
  return Math.exp(-0.5 * u * u) / (sigma * Math.sqrt(2 * Math.PI));
}

/** Complementary error function erfc(x) = 1 − erf(x), accurate to ~1e-14 (series / continued fraction). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 3) return 1 - erfSeries(x);
  // erfc(x) = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated from the tail.
  let f = x;
  for (let k = 60; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Error function erf(x) = 2/√π ∫₀ˣ exp(−t²) dt. */
export function erf(x: number): number {
  return Math.abs(x) < 3 ? erfSeries(x) : 1 - erfc(x);
}

// erf(x) = 2/√π Σ (−1)ⁿ x^(2n+1) / (n! (2n+1)), fine for |x| < 3.
function erfSeries(x: number): number {
  let term = x; // (−1)ⁿ x^(2n+1) / n!
  let sum = x;
  for (let n = 1; n < 100; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** Normal CDF Φ(x) = P(X ≤ x) for X ~ N(mu, sigma²): ½ erfc(−(x − mu) / (sigma √2)). */
export function normCdf(x: number, mu = 0, sigma = 1): number {
  return 0.5 * erfc(-(x - mu) / (sigma * Math.SQRT2));
}

// Acklam's rational approximation of Φ⁻¹ (relative error 1.15e-9), then one Halley step.
const A = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

/** Inverse normal CDF Φ⁻¹(p) (scipy's `norm.ppf`): Acklam's algorithm refined by one Halley step. */
export function normPpf(p: number, mu = 0, sigma = 1): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const pLow = 0.02425;
  let x: number;
  if (p < pLow || p > 1 - pLow) {
    const q = Math.sqrt(-2 * Math.log(p < pLow ? p : 1 - p));
    x = (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
    if (p > 1 - pLow) x = -x;
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) /
      (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  }
  // Halley: x ← x − u / (1 + x u / 2), with u = (Φ(x) − p) / φ(x).
  const u = (normCdf(x) - p) * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  x -= u / (1 + (x * u) / 2);
  return mu + sigma * x;
}

/** KL(N(mu, sigma²) ‖ N(0, 1)) = ½ (mu² + sigma² − 1 − ln sigma²), the VAE's latent loss per dimension. */
export function klNormal(mu: number, sigma: number): number {
  return 0.5 * (mu * mu + sigma * sigma - 1 - Math.log(sigma * sigma));
}
