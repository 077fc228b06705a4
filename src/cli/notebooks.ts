#!/usr/bin/env node
/**
 * `npm run notebooks`: executes every notebook with nbconvert and the tslab kernel and writes
 * static HTML to run/html/ (figures embedded; vega-lite figures become live charts, with the PNG shown
 * when JavaScript is off: src/plots/live-charts.ts). Fails on any error or stderr output,
 * on a picture that could not be embedded, or on a notebook without figures.
 * `--in-place` also stores the executed outputs back into notebooks/ (for committing them).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { reportError, runIfMain } from './run';
import { ConfigError, VaeError } from '../errors';
import { addLiveCharts, finishLiveHtml, type NotebookOutputs } from '../plots/live-charts';

interface NotebookJson {
  cells: { cell_type: string; outputs?: { output_type: string; name?: string; text?: string | string[]; data?: Record<string, unknown>; ename?: string; evalue?: string }[] }[];
}

/** A python3 that can run `jupyter nbconvert` (Debian's, usually /usr/bin/python3). */
export function findJupyterPython(): string {
  for (const candidate of [process.env.VAE_JUPYTER_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean) as string[]) {
    const r = spawnSync(candidate, ['-c', 'import nbconvert, nbclient'], { stdio: 'ignore' });
    if (r.status === 0) return candidate;
  }
  throw new ConfigError('Não encontrei um python3 com nbconvert. Instale jupyter-nbconvert (scripts/install-system-deps.sh) e registre o kernel com scripts/install-kernel.sh.');
}

/** What an executed notebook shows: error outputs and the number of figures. */
export function inspectNotebook(nb: NotebookJson): { errors: string[]; figures: number } {
  const errors: string[] = [];
  let figures = 0;
  for (const cell of nb.cells) {
    for (const out of cell.outputs ?? []) {
      if (out.output_type === 'error') errors.push(`${out.ename}: ${out.evalue}`);
      const text = Array.isArray(out.text) ? out.text.join('') : (out.text ?? '');
      // Any stderr output counts: tslab prints failures there, and a notebook should not warn.
      if (out.output_type === 'stream' && out.name === 'stderr' && text.trim()) errors.push(`stderr: ${text.trim().split('\n')[0]}`);
      if (out.data && ('image/png' in out.data || 'image/svg+xml' in out.data || 'image/jpeg' in out.data)) figures++;
    }
  }
  return { errors, figures };
}

/** Images of an HTML page whose source is not embedded (a data: URI); text inside <script> is not an image. */
export function unembeddedImages(html: string): string[] {
  return [...html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '').matchAll(/<img\b[^>]*\bsrc="([^"]*)"/g)].map((m) => m[1]).filter((src) => !src.startsWith('data:'));
}

/** Executes one notebook (in its own folder, so relative paths work) and exports HTML. */
export async function runNotebook(file: string, options: { outDir: string; python: string; inPlace: boolean; timeout: number }): Promise<{ html: string; figures: number; seconds: number }> {
  const dir = path.dirname(path.resolve(file));
  const base = path.basename(file, '.ipynb');
  const executed = path.join(dir, `.${base}.executed.ipynb`);
  const live = path.join(dir, `.${base}.live.ipynb`);
  const start = Date.now();
  await fs.copyFile(file, executed);
  try {
    const run = spawnSync(
      options.python,
      ['-m', 'jupyter', 'nbconvert', '--to', 'notebook', '--execute', '--inplace', `--ExecutePreprocessor.timeout=${options.timeout}`, '--ExecutePreprocessor.kernel_name=tslab', executed],
      { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    if (run.status !== 0) {
      const tail = (run.stderr || '').trim().split('\n').slice(-25).join('\n');
      throw new VaeError(`${file}: a execução falhou (nbconvert saiu com ${run.status}).\n${tail}`);
    }
    const nb = JSON.parse(await fs.readFile(executed, 'utf8')) as NotebookJson & NotebookOutputs;
    const { errors, figures } = inspectNotebook(nb);
    if (errors.length) throw new VaeError(`${file}: saídas com erro:\n  ${errors.join('\n  ')}`);
    if (figures === 0) throw new VaeError(`${file}: nenhuma figura nas saídas.`);
    await fs.mkdir(options.outDir, { recursive: true });
    // The HTML is exported from a copy whose vega-lite outputs become live charts (PNG kept inside).
    const liveCharts = addLiveCharts(nb);
    await fs.writeFile(live, JSON.stringify(nb));
    execFileSync(
      options.python,
      ['-m', 'jupyter', 'nbconvert', '--to', 'html', '--HTMLExporter.embed_images=True', '--output-dir', path.resolve(options.outDir), '--output', base, live],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const html = path.join(options.outDir, `${base}.html`);
    await fs.writeFile(html, finishLiveHtml(await fs.readFile(html, 'utf8'), liveCharts));
    const missing = unembeddedImages(await fs.readFile(html, 'utf8'));
    if (missing.length) throw new VaeError(`${html}: figuras não embutidas (arquivo ausente?): ${missing.join(', ')}`);
    if (options.inPlace) await fs.copyFile(executed, file);
    return { html, figures, seconds: (Date.now() - start) / 1000 };
  } finally {
    await fs.rm(executed, { force: true });
    await fs.rm(live, { force: true });
  }
}

/** CLI entry: returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'out-dir': { type: 'string' },
        'in-place': { type: 'boolean' },
        quick: { type: 'boolean' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log('Uso: npm run notebooks -- [--quick] [--in-place] [--out-dir run/html] [notebooks/01_....ipynb ...]\n' +
        'Executa os notebooks (kernel tslab) e grava HTML estático com as figuras embutidas.\n' +
        '--quick (ou VAE_QUICK=1): menos dados e épocas, como no CI. --in-place: guarda as saídas nos notebooks.');
      return 0;
    }
    if (values.quick) process.env.VAE_QUICK = '1';
    const root = path.resolve(__dirname, '..', '..', '..');
    const files = positionals.length
      ? positionals
      : (await fs.readdir(path.join(root, 'notebooks'))).filter((f) => /^\d\d_.*\.ipynb$/.test(f)).sort().map((f) => path.join(root, 'notebooks', f));
    if (!files.length) throw new ConfigError('Nenhum notebook encontrado em notebooks/.');
    const python = findJupyterPython();
    const outDir = values['out-dir'] ?? path.join(root, 'run', 'html');
    const timeout = Number(values.timeout ?? 3600);
    console.log(`Executando ${files.length} notebook(s)${process.env.VAE_QUICK === '1' ? ' em modo rápido (VAE_QUICK=1)' : ''}; HTML em ${path.relative(process.cwd(), outDir) || '.'}`);
    for (const file of files) {
      const r = await runNotebook(file, { outDir, python, inPlace: values['in-place'] ?? false, timeout });
      console.log(`ok ${path.basename(file)}: ${r.figures} figura(s), ${r.seconds.toFixed(0)} s → ${path.relative(process.cwd(), r.html)}`);
    }
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

runIfMain(module, main);
