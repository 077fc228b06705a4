/**
 * Constructor options of the models, named like GDL's `VariationalAutoencoder(...)` arguments
 * (snake_case there, camelCase here), with validation that explains what is wrong.
 */
import { ConfigError } from '../errors';

export interface AutoencoderOptions {
  /** Shape of one input image [height, width, channels], e.g. [28, 28, 1]. */
  inputDim: [number, number, number];
  /** Filters of each encoder Conv2D layer, e.g. [32, 64, 64, 64]. */
  encoderConvFilters: number[];
  /** Kernel size of each encoder Conv2D layer. */
  encoderConvKernelSize: number[];
  /** Stride of each encoder Conv2D layer. */
  encoderConvStrides: number[];
  /** Filters of each decoder Conv2DTranspose layer; the last one must equal the image channels. */
  decoderConvTFilters: number[];
  /** Kernel size of each decoder Conv2DTranspose layer. */
  decoderConvTKernelSize: number[];
  /** Stride of each decoder Conv2DTranspose layer. */
  decoderConvTStrides: number[];
  /** Dimension of the latent space (2 in the book, so it can be drawn). */
  zDim: number;
  /** Batch normalisation after each convolution (default false). */
  useBatchNorm?: boolean;
  /** Dropout(0.25) after each convolution (default false). */
  useDropout?: boolean;
  /** Seed for the weight initialisers (default: random). */
  seed?: number;
}

/** The configuration of the source notebook (and of GDL's 03_03_vae_digits_train). */
export const MNIST_VAE_OPTIONS: AutoencoderOptions = {
  inputDim: [28, 28, 1],
  encoderConvFilters: [32, 64, 64, 64],
  encoderConvKernelSize: [3, 3, 3, 3],
  encoderConvStrides: [1, 2, 2, 1],
  decoderConvTFilters: [64, 64, 32, 1],
  decoderConvTKernelSize: [3, 3, 3, 3],
  decoderConvTStrides: [1, 2, 2, 1],
  zDim: 2,
};

const isPositiveInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

/** Validates options (Portuguese errors naming the field) and fills defaults. */
export function validateOptions(o: AutoencoderOptions): Required<Omit<AutoencoderOptions, 'seed'>> & { seed?: number } {
  if (!o || typeof o !== 'object') throw new ConfigError('Opções do modelo ausentes: passe um objeto como { inputDim: [28, 28, 1], ... }.');
  if (!Array.isArray(o.inputDim) || o.inputDim.length !== 3 || !o.inputDim.every(isPositiveInt)) {
    throw new ConfigError(`inputDim deve ser [altura, largura, canais] com inteiros positivos; recebido ${JSON.stringify(o.inputDim)}.`);
  }
  const lists = {
    encoder: ['encoderConvFilters', 'encoderConvKernelSize', 'encoderConvStrides'],
    decoder: ['decoderConvTFilters', 'decoderConvTKernelSize', 'decoderConvTStrides'],
  } as const;
  for (const names of Object.values(lists)) {
    const lengths = names.map((n) => (Array.isArray(o[n]) ? o[n].length : -1));
    names.forEach((n) => {
      if (!Array.isArray(o[n]) || o[n].length === 0 || !o[n].every(isPositiveInt)) {
        throw new ConfigError(`${n} deve ser uma lista não vazia de inteiros positivos; recebido ${JSON.stringify(o[n])}.`);
      }
    });
    if (new Set(lengths).size !== 1) {
      throw new ConfigError(`${names.join(', ')} devem ter o mesmo tamanho (uma entrada por camada); recebidos ${lengths.join(', ')}.`);
    }
  }
  if (!isPositiveInt(o.zDim)) throw new ConfigError(`zDim deve ser um inteiro positivo; recebido ${JSON.stringify(o.zDim)}.`);
  const channels = o.inputDim[2];
  const lastFilters = o.decoderConvTFilters[o.decoderConvTFilters.length - 1];
  if (lastFilters !== channels) {
    throw new ConfigError(`A última camada do decoder tem ${lastFilters} filtros, mas a imagem tem ${channels} canal(is): devem ser iguais.`);
  }
  const down = o.encoderConvStrides.reduce((a, s) => a * s, 1);
  const up = o.decoderConvTStrides.reduce((a, s) => a * s, 1);
  if (down !== up || o.inputDim[0] % down !== 0 || o.inputDim[1] % down !== 0) {
    throw new ConfigError(
      `Os strides não reconstroem o tamanho da imagem: o encoder reduz por ${down}, o decoder amplia por ${up}, ` +
        `e a imagem é ${o.inputDim[0]}x${o.inputDim[1]} (precisa ser múltipla de ${down}).`,
    );
  }
  if (o.seed !== undefined && !Number.isFinite(o.seed)) throw new ConfigError(`seed deve ser um número; recebido ${JSON.stringify(o.seed)}.`);
  return { useBatchNorm: false, useDropout: false, ...o };
}
