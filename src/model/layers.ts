/**
 * The custom layer of the VAE, registered so that `tf.loadLayersModel` can rebuild saved models.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * The reparameterisation trick: z = mu + exp(log_var / 2) * eps, eps ~ N(0, I).
 * (GDL: `Lambda(sampling, name='encoder_output')`.) Training draws eps outside the layer, seeded;
 * this layer is what `encoder.predict(x)` uses.
 */
export class Sampling extends tf.layers.Layer {
  static readonly className = 'Sampling';

  override computeOutputShape(inputShape: tf.Shape[]): tf.Shape {
    return inputShape[0];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [mu, logVar] = inputs as tf.Tensor[];
      const eps = tf.randomNormal(mu.shape);
      return sample(mu, logVar, eps);
    });
  }
}
tf.serialization.registerClass(Sampling);

/** z = mu + exp(log_var / 2) * eps. */
export function sample(mu: tf.Tensor, logVar: tf.Tensor, eps: tf.Tensor): tf.Tensor {
  return tf.tidy(() => mu.add(logVar.div(2).exp().mul(eps)));
}
