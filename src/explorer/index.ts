/** The latent-space explorer (issue 9): standard exports, the page, the notebook API and the local server. Re-exports only. */
export { explorer, Explorer, type ExplorerOptions } from './explorer';
export { exportModels, explorerArtifacts, type ExplorableModel, type ExplorerArtifacts, type ExportOptions } from './export';
export type { ExportManifest, LatentFile, PageConfig } from './types';
export { startExplorerServer, listRuns, type ServerOptions } from './server';
