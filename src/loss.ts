/**
 * The VAE loss of the book (GDL models/VAE.py `compile`), as pure functions of tensors, with GDL's names:
 *
 *   r_loss      = mean_{h,w,c} (x − x̂)²                          (per image: the mean squared error per pixel)
 *   vae_r_loss  = r_loss_factor · r_loss                           (per image)
 *   vae_kl_loss = −½ · Σ_z (1 + log σ² − μ² − σ²)                  (per image; KL(N(μ,σ²) ‖ N(0,I)))
 *   loss        = mean over the batch of (vae_r_loss + vae_kl_loss)
 */
import * as tf from '@tensorflow/tfjs';

export interface VaeLossTerms {
  /** Batch mean of r_loss + kl_loss. */
  loss: tf.Scalar;
  /** Batch mean of r_loss_factor · r_loss (the Keras metric `vae_r_loss`). */
  vaeRLoss: tf.Scalar;
  /** Batch mean of the KL term (the Keras metric `vae_kl_loss`). */
  vaeKlLoss: tf.Scalar;
}

/** GDL's r_loss: the mean squared error of each image (mean over all axes but the first). */
export function reconstructionError(x: tf.Tensor, xHat: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const axes = x.shape.map((_, i) => i).slice(1);
    return tf.squaredDifference(x, xHat).mean(axes) as tf.Tensor1D;
  });
}

/** KL(N(μ_d, σ_d²) ‖ N(0, 1)) of each image and latent dimension: −½ (1 + log_var − μ² − exp(log_var)), shape [n, zDim]. */
export function klDivergenceTerms(mu: tf.Tensor2D, logVar: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.onesLike(logVar).add(logVar).sub(mu.square()).sub(logVar.exp()).mul(-0.5) as tf.Tensor2D);
}

/** KL(N(μ, σ²) ‖ N(0, I)) per image: the sum of `klDivergenceTerms` over the latent dimensions. */
export function klDivergence(mu: tf.Tensor2D, logVar: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => klDivergenceTerms(mu, logVar).sum(1) as tf.Tensor1D);
}

/**
 * The three numbers Keras reports while training the VAE. `klWeight` (default 1) scales the KL
 * term in `loss` only — 0 trains without regularisation while still reporting the KL.
 */
export function vaeLoss(
  x: tf.Tensor,
  xHat: tf.Tensor,
  mu: tf.Tensor2D,
  logVar: tf.Tensor2D,
  rLossFactor: number,
  klWeight = 1,
): VaeLossTerms {
  return tf.tidy(() => {
    const r = reconstructionError(x, xHat).mul(rLossFactor);
    const kl = klDivergence(mu, logVar);
    const total = klWeight === 1 ? r.add(kl) : klWeight === 0 ? r : r.add(kl.mul(klWeight));
    return { loss: total.mean() as tf.Scalar, vaeRLoss: r.mean() as tf.Scalar, vaeKlLoss: kl.mean() as tf.Scalar };
  });
}

/**
 * The binary cross-entropy reconstruction term that keras.io's VAE example and the book's 2nd edition
 * use instead of r_loss_factor · MSE: per image, the sum over pixels of
 *   −[x log x̂ + (1 − x) log(1 − x̂)]       (x̂ clipped to [ε, 1 − ε], ε = 1e-7, as Keras does),
 * i.e. −log p(x | z) for a decoder that gives each pixel a Bernoulli probability x̂.
 */
export function binaryCrossEntropyPerImage(x: tf.Tensor, xHat: tf.Tensor, epsilon = 1e-7): tf.Tensor1D {
  return tf.tidy(() => {
    const p = xHat.clipByValue(epsilon, 1 - epsilon);
    const perPixel = x.mul(p.log()).add(tf.scalar(1).sub(x).mul(tf.scalar(1).sub(p).log())).neg();
    return perPixel.sum(x.shape.map((_, i) => i).slice(1)) as tf.Tensor1D;
  });
}

/** The plain autoencoder's loss (GDL models/AE.py): batch mean of the per-image MSE. */
export function autoencoderLoss(x: tf.Tensor, xHat: tf.Tensor): tf.Scalar {
  return tf.tidy(() => reconstructionError(x, xHat).mean() as tf.Scalar);
}
