/**
 * The notebook API (notebooks 01 and 05): `await explorer(vaeOrRunFolder, options).show()` puts the live
 * explorer in one cell output — script, weights and data inlined, the static scatter PNG beside it —
 * and `await explorer(...).save('explorador.html')` writes the same page as a self-contained file.
 */
import { inspect } from 'node:util';
import { writeFileAtomic } from '../io/files';
import { displayBundle, inNotebook } from '../notebook';
import { explorerArtifacts, type ExplorableModel, type ExplorerArtifacts, type ExportOptions } from './export';
import { explorerDocument, explorerFragment, fallbackPng, pageConfig, type PageOptions } from './page';

/** Options of `explorer()`: which points fill the plane, and the page's settings. */
export type ExplorerOptions = ExportOptions & PageOptions;

/** A latent-space explorer, built on first use. */
export class Explorer {
  private artifacts: Promise<ExplorerArtifacts> | null = null;

  constructor(private readonly source: string | ExplorableModel, private readonly options: ExplorerOptions = {}) {}

  /** The exports behind the page (computed once). */
  exports(): Promise<ExplorerArtifacts> {
    this.artifacts ??= explorerArtifacts(this.source, this.options);
    return this.artifacts;
  }

  /** The self-contained HTML document (works from file:// with no network). */
  async html(): Promise<string> {
    const config = pageConfig(await this.exports(), this.options);
    return explorerDocument(await explorerFragment(config), config.title);
  }

  /** Writes the self-contained page to `file`; returns its size in bytes. */
  async save(file: string): Promise<number> {
    const html = await this.html();
    await writeFileAtomic(file, html);
    return Buffer.byteLength(html);
  }

  /**
   * Shows the explorer as one notebook output: text/html (the live page, with the scatter PNG inside
   * as the no-JavaScript fallback), image/png and text/plain. Does nothing outside a notebook.
   */
  async show(): Promise<void> {
    if (!inNotebook()) return;
    const artifacts = await this.exports();
    const png = await fallbackPng(artifacts);
    const config = pageConfig(artifacts, this.options);
    displayBundle({
      'text/html': await explorerFragment(config, { png }),
      'image/png': png.base64,
      'text/plain': `Explorador do espaço latente (${artifacts.manifest.kind}, zDim ${artifacts.manifest.zDim}): ${png.description}`,
    }, { 'image/png': { width: png.width, height: png.height } });
  }

  [inspect.custom](): string {
    return 'Explorador do espaço latente (await explorador.show() para ver)';
  }
}

/** `await explorer(vae, { n: 5000 }).show()`: the live latent-space explorer of a VAE or AE with zDim 2. */
export function explorer(vaeOrRunFolder: string | ExplorableModel, options: ExplorerOptions = {}): Explorer {
  return new Explorer(vaeOrRunFolder, options);
}
