/**
 * The files of the explorer's exports and the page's configuration: plain data shared by the Node
 * side and the browser bundle (no imports, so both tsconfigs check it).
 */

/** Format tags, so a reader knows what it holds. */
export const LATENT_FORMAT = 'vae-didatico/latent@1';
export const EXPORT_FORMAT = 'vae-didatico/export@1';

/** `latent.json`: μ (VAE) or z (AE) of the first `n` test images, rounded, with their labels. */
export interface LatentFile {
  format: typeof LATENT_FORMAT;
  /** Where the points come from, e.g. "MNIST, conjunto de teste". */
  source: string;
  n: number;
  zDim: number;
  /** Decimals kept in `points`. */
  decimals: number;
  /** One [z0, z1, ...] per image: μ for the VAE, z for the AE. */
  points: number[][];
  labels: (number | string)[];
}

/** `manifest.json`: which run, which epoch and loss, the latent size, the kind and the backends. */
export interface ExportManifest {
  format: typeof EXPORT_FORMAT;
  /** The run folder as given (null for a model passed in memory). */
  run: string | null;
  kind: 'vae' | 'ae';
  zDim: number;
  inputDim: [number, number, number];
  /** Epoch of the exported weights and its training loss (null when unknown: a model in memory). */
  epoch: number | null;
  loss: number | null;
  /** Backend the run was trained on (params.json) and the one that computed latent.json. */
  backend: { training: string | null; export: string };
  /** What each output of the encoder is. */
  encoderOutputs: string[];
  tfjs: string;
}


/** Where the page gets a model: a URL (`tf.loadLayersModel` over http) or the model inlined in the page. */
export type ModelSource =
  | { url: string }
  | { modelTopology: object; weightSpecs: unknown[]; weightsBase64: string };

/** The page's configuration, as JSON in the page. */
export interface PageConfig {
  encoder: ModelSource;
  decoder: ModelSource;
  latent: LatentFile;
  manifest: ExportManifest;
  /** Images in the interpolation strip. */
  steps: number;
  /** Tiles per side of the decoded grid overlay. */
  gridSize: number;
  /** Force a backend ('webgl' or 'cpu'); default: webgl, else cpu. The page's `?backend=` wins. */
  backend?: 'webgl' | 'cpu';
  /** Title above the explorer. */
  title: string;
}
