/**
 * vae-didatico: the one entry point that notebooks, the CLI and tests import. Re-exports only.
 * What a notebook uses is exported by name, grouped by topic; the rest of each module stays
 * reachable through its namespace (`plots`, `data`, `files`, `training`).
 */

// The engine (every notebook starts with `await initBackend()`).
export { initBackend, backendInfo, describeBackend, engineName, parseBackendChoice, tf, type BackendChoice, type BackendInfo } from './backend';
export { nativeBlasStatus, type NativeBlasStatus } from './kernels';
export * from './errors';

// The models (notebooks 01, 02, 04), GDL's `VariationalAutoencoder` / `AE`, and their saved runs.
export {
  VariationalAutoencoder,
  Autoencoder,
  MNIST_VAE_OPTIONS,
  createModel,
  EncoderPool,
  Sampling,
  sample,
  summary,
  countParams,
  readParams,
  type AutoencoderOptions,
  type AnyAutoencoder,
  type ModelKind,
  type ModelSpec,
  type CompileSettings,
  type ParamsFile,
  type RunManifest,
  type LoadRunOptions,
  type TrainOptions,
} from './model';
export * from './io/run-folder';
export * from './loss';

// The data (GDL's `load_mnist`).
export { loadMnist, loadFashionMnist, type Dataset, type LoadOptions } from './data';

// Training: the loop, its events and callbacks, checkpoints (notebook 04).
export {
  trainLoop,
  LocalEngine,
  ProgressCallback,
  SampleImageCallback,
  CheckpointCallback,
  CsvLoggerCallback,
  StepDecayCallback,
  findLatestCheckpoint,
  listCheckpoints,
  readCheckpointInfo,
  Rng,
  type Callback,
  type TrainContext,
  type TrainParams,
  type TrainResult,
  type BatchLogs,
  type EpochLogs,
  type StopReason,
  type CheckpointInfo,
} from './train';
// The run's sample images read back as pixels, for the classifier (notebook 04).
export { readGreyImages, type ReadGreyImagesOptions } from './io/images';
export { formatDuration } from './progress';
export { formatPt, formatPtSignificant } from './text';

// Figures: one chart per function, `await fig.show()` / `await fig.save(file)`.
export {
  Figure,
  ChartFigure,
  CanvasFigure,
  show,
  latentScatter,
  sharedLatentDomain,
  pSpaceScatter,
  latentPoints,
  latentDistributions,
  imageGrid,
  reconstructions,
  generatedGrid,
  interpolation,
  normalDensity1d,
  normalDensity2d,
  klSurface,
  lossCurves,
  parseCsv,
  histogramVsNormal,
  composeFigures,
  samplingFrames,
  sampleCategory,
  CAR_COLORS,
  trainingSamples,
  listSampleImages,
  imageFiles,
  writeGif,
  LiveLossChart,
  formatPoint,
  linspace,
  interpolationPoints,
  normalBoxMass,
  normPdf,
  normCdf,
  normPpf,
  klNormal,
  type SaveOptions,
  type LatentScatterOptions,
  type LatentPointsOptions,
  type LatentDistributionsOptions,
  type ImageGridOptions,
  type GeneratedGridOptions,
  type LossCurvesOptions,
  type HistogramVsNormalOptions,
  type NormalDensity1dOptions,
  type NormalDensity2dOptions,
  type KlSurfaceOptions,
  type ComposeOptions,
  type TrainingSamplesOptions,
  type LogRow,
} from './plots';
// The seven figures of the source notebook (npm run figures).
export * from './book-figures';

// Measures of a latent space (notebooks 01, 03) and diagnostics of a trained VAE (notebook 05).
export * from './analysis';
export * from './latent-geometry';
export * from './diagnostics';

// The measuring instrument of notebooks 01, 03–05: a small MNIST classifier with shipped weights.
export {
  classifyDigits, loadClassifier, labelDistribution, confidentShare, totalVariation, labelChanges, formatReading, CLASSIFIER_RUN, type DigitReading, type ClassifyOptions, type LabelChange,
} from './classifier';

// The live explorer of the latent space and the standard exports (notebooks 01 and 05, npm run explorer).
export * from './explorer';

// Everything else, by module.
export * as plots from './plots';
export * as data from './data';
export * as training from './train';
export * as classifier from './classifier';
export * as files from './io/files';
export * as modelFiles from './io/model-files';
