/**
 * Constructor options of the models, named like GDL's `VariationalAutoencoder(...)` arguments
 * (snake_case there, camelCase here), with validation that explains what is wrong.
 */
import { ConfigError } from '../errors';
import { formatPt } from '../text';

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

/**
 * Bounds that keep a model (or a hostile params.json) from asking for gigabytes before any error:
 * far above the book's models (MNIST VAE: ~100 thousand parameters) and any exercise.
 */
export const OPTION_LIMITS = { side: 1024, channels: 16, layers: 16, filters: 2048, kernelSize: 64, stride: 8, zDim: 4096, parameters: 50_000_000 } as const;

/** Parameters of the model described by (already shape-checked) options: convolutions, the dense layers, their biases. */
export function estimateParameters(o: AutoencoderOptions): number {
  const down = o.encoderConvStrides.reduce((a, s) => a * s, 1);
  const flat = (o.inputDim[0] / down) * (o.inputDim[1] / down) * o.encoderConvFilters[o.encoderConvFilters.length - 1];
  let total = 0;
  let cin = o.inputDim[2];
  o.encoderConvFilters.forEach((f, i) => ((total += o.encoderConvKernelSize[i] ** 2 * cin * f + f), (cin = f)));
  total += 2 * (flat * o.zDim + o.zDim); // mu and log_var (the AE has one head: an upper bound)
  total += o.zDim * flat + flat; // decoder_dense
  o.decoderConvTFilters.forEach((f, i) => ((total += o.decoderConvTKernelSize[i] ** 2 * cin * f + f), (cin = f)));
  return total;
}

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
  const L = OPTION_LIMITS;
  const over = (name: string, value: number, max: number) => {
    if (value > max) throw new ConfigError(`${name} = ${value} passa do limite de ${max} deste projeto (um modelo assim não cabe na memória de um laboratório).`);
  };
  over('A altura da imagem (inputDim[0])', o.inputDim[0], L.side);
  over('A largura da imagem (inputDim[1])', o.inputDim[1], L.side);
  over('O número de canais (inputDim[2])', o.inputDim[2], L.channels);
  over('zDim', o.zDim, L.zDim);
  for (const names of Object.values(lists)) {
    over(`O número de camadas (${names[0]})`, o[names[0]].length, L.layers);
    names.forEach((n) => {
      const max = /Filters/.test(n) ? L.filters : /Kernel/.test(n) ? L.kernelSize : L.stride;
      o[n].forEach((v, i) => over(`${n}[${i}]`, v, max));
    });
  }
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
  const parameters = estimateParameters(o);
  if (parameters > L.parameters) {
    throw new ConfigError(`Estas opções dão um modelo de ${formatPt(parameters)} parâmetros, mais que o limite de ${formatPt(L.parameters)}: reduza zDim ou os filtros.`);
  }
  if (o.seed !== undefined && !Number.isFinite(o.seed)) throw new ConfigError(`seed deve ser um número; recebido ${JSON.stringify(o.seed)}.`);
  return { useBatchNorm: false, useDropout: false, ...o };
}
