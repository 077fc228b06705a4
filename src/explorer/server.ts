/**
 * `npm run explorer`: a local http server on 127.0.0.1 that lists the runs with zDim 2 under run/ and
 * serves the explorer of each (`/run/vae/0002_digits/`), with the standard exports beside the page
 * (`encoder/model.json`, `decoder/model.json` + weights, `latent.json`, `manifest.json`), loaded by the
 * page with stock `tf.loadLayersModel`. Exports are computed on the first request and kept.
 */
import { promises as fs } from 'node:fs';
import { createServer, type Server } from 'node:http';
import * as path from 'node:path';
import { MODEL_JSON, WEIGHTS_BIN, weightBytes } from '../io/model-files';
import { readParams } from '../model';
import { formatPt } from '../text';
import { BUNDLE_FILE } from './bundle';
import { explorerArtifacts, modelJson, type ExplorerArtifacts, type ExportOptions } from './export';
import { explorerDocument, explorerFragment, pageConfig, type PageOptions } from './page';

/** A run the server can show. */
export interface ServedRun {
  /** Path under the runs folder, e.g. "vae/0002_digits" (the page is /run/<id>/). */
  id: string;
  folder: string;
  kind: 'vae' | 'ae';
}

/** Runs with a params.json and zDim 2, two levels under `runsDir` (run/<kind>/<name>). */
export async function listRuns(runsDir: string): Promise<ServedRun[]> {
  const runs: ServedRun[] = [];
  for (const group of (await fs.readdir(runsDir, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    for (const entry of (await fs.readdir(path.join(runsDir, group.name), { withFileTypes: true })).filter((d) => d.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
      const folder = path.join(runsDir, group.name, entry.name);
      const params = await readParams(folder).catch(() => null);
      if (params?.options.zDim === 2) runs.push({ id: `${group.name}/${entry.name}`, folder, kind: params.kind });
    }
  }
  return runs;
}

/** Options of `startExplorerServer`. */
export interface ServerOptions extends ExportOptions, PageOptions {
  /** Folder of the runs. Default "run". */
  runsDir?: string;
  /** Port on 127.0.0.1; 0 picks a free one. Default 8009. */
  port?: number;
}

const TYPES: Record<string, string> = { '.json': 'application/json', '.bin': 'application/octet-stream', '.js': 'text/javascript; charset=utf-8', '.html': 'text/html; charset=utf-8' };

/** Starts the server; resolves when it listens. */
export async function startExplorerServer(options: ServerOptions = {}): Promise<{ server: Server; url: string; runs: ServedRun[]; close(): Promise<void> }> {
  const runsDir = options.runsDir ?? 'run';
  const runs = await listRuns(runsDir);
  const cache = new Map<string, Promise<ExplorerArtifacts>>();
  const exportsOf = (run: ServedRun) => {
    if (!cache.has(run.id)) cache.set(run.id, explorerArtifacts(run.folder, options));
    return cache.get(run.id)!;
  };
  const send = (res: import('node:http').ServerResponse, status: number, type: string, body: string | Uint8Array) => {
    res.writeHead(status, { 'content-type': TYPES[type] ?? type, 'cache-control': 'no-cache' }).end(body);
  };
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/') return send(res, 200, '.html', indexPage(runs, runsDir));
      if (url.pathname === '/explorer.js') return send(res, 200, '.js', await fs.readFile(BUNDLE_FILE));
      const run = runs.find((r) => url.pathname.startsWith(`/run/${r.id}/`));
      if (!run) return send(res, 404, 'text/plain; charset=utf-8', `Não encontrado: ${url.pathname}`);
      const rest = url.pathname.slice(`/run/${run.id}/`.length);
      const artifacts = await exportsOf(run);
      if (rest === '') {
        const config = pageConfig(artifacts, options, { encoder: `encoder/${MODEL_JSON}`, decoder: `decoder/${MODEL_JSON}` });
        return send(res, 200, '.html', explorerDocument(await explorerFragment(config, { scriptUrl: '/explorer.js' }), `${config.title} — ${run.id}`));
      }
      const [part, file] = rest.split('/');
      if ((part === 'encoder' || part === 'decoder') && file === MODEL_JSON) return send(res, 200, '.json', JSON.stringify(modelJson(artifacts[part])));
      if ((part === 'encoder' || part === 'decoder') && file === WEIGHTS_BIN) return send(res, 200, '.bin', weightBytes(artifacts[part].weightData ?? new ArrayBuffer(0)));
      if (rest === 'latent.json') return send(res, 200, '.json', JSON.stringify(artifacts.latent));
      if (rest === 'manifest.json') return send(res, 200, '.json', JSON.stringify(artifacts.manifest));
      return send(res, 404, 'text/plain; charset=utf-8', `Não encontrado: ${url.pathname}`);
    } catch (err) {
      send(res, 500, 'text/plain; charset=utf-8', `Erro: ${(err as Error).message}`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8009, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return { server, url: `http://127.0.0.1:${port}/`, runs, close: () => new Promise((r) => server.close(() => r())) };
}

function indexPage(runs: ServedRun[], runsDir: string): string {
  const items = runs.map((r) => `<li><a href="run/${r.id}/">${r.id}</a> (${r.kind === 'vae' ? 'VAE' : 'autoencoder comum'})</li>`).join('\n');
  const body = `<h1 style="font-family:sans-serif;font-size:18px">Explorador do espaço latente</h1>\n` +
    `<p style="font-family:sans-serif">${formatPt(runs.length)} execução(ões) com espaço latente de 2 dimensões em <code>${runsDir}</code>:</p>\n<ul data-role="runs" style="font-family:sans-serif">${items}</ul>\n`;
  return explorerDocument(body, 'Explorador do espaço latente');
}
