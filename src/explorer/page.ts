/**
 * The explorer page, assembled in Node: the bundled browser script (src/explorer/bundle.ts), the page's
 * configuration as JSON and, when inlined, the model weights as base64 — one self-contained HTML
 * fragment (a notebook output) or document (`npm run explorer -- --html`), or a page whose models are
 * fetched over http (the local server).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { ConfigError } from '../errors';
import { weightBytes } from '../io/model-files';
import { latentScatter } from '../plots';
import { escapeXml, formatPt } from '../text';
import { BUNDLE_FILE } from './bundle';
import type { ExplorerArtifacts } from './export';
import type { ModelSource, PageConfig } from './types';

/** Options of the page (all have defaults). */
export interface PageOptions {
  /** Title above the explorer. Default "Explorador do espaço latente". */
  title?: string;
  /** Images in the interpolation strip. Default 10. */
  steps?: number;
  /** Tiles per side of the decoded grid overlay. Default 15. */
  gridSize?: number;
  /** Force the page's backend ('webgl' or 'cpu'). Default: webgl, else cpu. */
  backend?: 'webgl' | 'cpu';
}

/** The bundled browser script (built by `npm run build`). */
export async function readBundle(): Promise<string> {
  try {
    return await fs.readFile(BUNDLE_FILE, 'utf8');
  } catch (err) {
    throw new ConfigError(`Falta o script do explorador (${BUNDLE_FILE}): rode \`npm run build\`.`, { cause: err });
  }
}

/** A model inlined in the page: topology, weight specs and the weights as base64. */
export function inlineModel(artifacts: ExplorerArtifacts['encoder']): ModelSource {
  return {
    modelTopology: artifacts.modelTopology as object,
    weightSpecs: artifacts.weightSpecs ?? [],
    weightsBase64: Buffer.from(weightBytes(artifacts.weightData ?? new ArrayBuffer(0))).toString('base64'),
  };
}

/** The page's configuration: models inlined, or fetched from `urls` (relative to the page). */
export function pageConfig(artifacts: ExplorerArtifacts, options: PageOptions = {}, urls?: { encoder: string; decoder: string }): PageConfig {
  const steps = options.steps ?? 10;
  const gridSize = options.gridSize ?? 15;
  if (!(Number.isInteger(steps) && steps >= 2)) throw new ConfigError(`steps deve ser um inteiro ≥ 2; recebido ${JSON.stringify(steps)}.`);
  if (!(Number.isInteger(gridSize) && gridSize >= 2 && gridSize <= 40)) throw new ConfigError(`gridSize deve ser um inteiro entre 2 e 40; recebido ${JSON.stringify(gridSize)}.`);
  const { zDim, inputDim } = artifacts.manifest;
  if (zDim !== 2) throw new ConfigError(`O explorador desenha um plano: precisa de zDim 2; o modelo tem zDim ${zDim}.`);
  if (inputDim.join('×') !== '28×28×1') throw new ConfigError(`O explorador mostra imagens 28×28×1 (MNIST); o modelo recebe ${inputDim.join('×')}.`);
  return {
    encoder: urls ? { url: urls.encoder } : inlineModel(artifacts.encoder),
    decoder: urls ? { url: urls.decoder } : inlineModel(artifacts.decoder),
    latent: artifacts.latent,
    manifest: artifacts.manifest,
    steps,
    gridSize,
    ...(options.backend ? { backend: options.backend } : {}),
    title: options.title ?? 'Explorador do espaço latente',
  };
}

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** JavaScript safe inside a <script> element. */
function scriptText(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

/** The static scatter of latent.json as PNG (base64): what shows without JavaScript. */
export async function fallbackPng(artifacts: ExplorerArtifacts, scale = 1.5): Promise<{ base64: string; width: number; height: number; description: string }> {
  const { points, labels, n } = artifacts.latent;
  const fig = latentScatter(points, labels as number[], { title: `Espaço latente de ${formatPt(n)} imagens (sem JavaScript, só a figura)`, width: 460, height: 420 });
  return { base64: (await fig.toPNG(scale)).toString('base64'), width: fig.width, height: fig.height, description: fig.description };
}

/** Explorers built in this process: part of each root's id (two explorers of one run in one page stay apart). */
let fragmentsMade = 0;

/**
 * The explorer as an HTML fragment: the root element (with the PNG inside as a fallback, when given),
 * the bundle (inlined, or `scriptUrl`) and the mount call with the configuration.
 */
export async function explorerFragment(config: PageConfig, options: { png?: { base64: string; width: number; height: number }; scriptUrl?: string } = {}): Promise<string> {
  // Derived from the content (and the count of explorers so far), so a re-executed notebook stores the same output.
  const id = `vae-explorer-${createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 8)}-${++fragmentsMade}`;
  const img = options.png
    ? `<img data-role="fallback" alt="espaço latente" width="${options.png.width}" height="${options.png.height}" src="data:image/png;base64,${options.png.base64}">`
    : '';
  const script = options.scriptUrl ? `<script src="${options.scriptUrl}"></script>` : `<script>${scriptText(await readBundle())}</script>`;
  return `<div id="${id}" data-role="explorer" data-state="static">${img}</div>\n${script}\n` +
    `<script>vaeExplorer.mount(${JSON.stringify(id)}, ${scriptJson(config)}).catch(function (e) { console.error(e); });</script>\n`;
}

/** A whole HTML document around `fragment`. */
export function explorerDocument(fragment: string, title: string): string {
  const esc = escapeXml(title);
  return `<!DOCTYPE html>\n<html lang="pt-BR">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n` +
    `<title>${esc}</title>\n<style>body{margin:16px;background:#fff}</style>\n</head>\n<body>\n${fragment}</body>\n</html>\n`;
}
