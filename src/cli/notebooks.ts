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
import { flag, parseFlags, usageLines, UsageError } from './flags';
import { reportError, runIfMain } from './run';
import { ConfigError, VaeError } from '../errors';
import { compactNotebookJson, findJupyterPython, numberExecutedCells } from '../jupyter';
import { addLiveCharts, finishLiveHtml, type NotebookOutputs } from '../plots/live-charts';

interface NotebookJson {
  cells: { cell_type: string; source: string | string[]; execution_count?: number | null; outputs?: { output_type: string; name?: string; text?: string | string[]; data?: Record<string, unknown>; ename?: string; evalue?: string }[] }[];
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
    numberExecutedCells(nb);
    await fs.writeFile(executed, JSON.stringify(nb));
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
    if (options.inPlace) await fs.writeFile(file, compactNotebookJson(await fs.readFile(executed, 'utf8')));
    return { html, figures, seconds: (Date.now() - start) / 1000 };
  } finally {
    await fs.rm(executed, { force: true });
    await fs.rm(live, { force: true });
  }
}

export const NOTEBOOKS_FLAGS = {
  quick: flag.bool({ help: 'menos dados e épocas, como no CI (o mesmo que VAE_QUICK=1)' }),
  inPlace: flag.bool({ help: 'também grava as saídas dentro dos .ipynb' }),
  outDir: flag.string({ value: 'DIR', default: undefined, defaultText: 'run/html', help: 'pasta do HTML estático' }),
  timeout: flag.int({ min: 1, default: 3600, help: 'segundos por célula antes de desistir' }),
  help: flag.bool({ short: 'h', help: 'esta ajuda' }),
};

export const NOTEBOOKS_USAGE = `Uso: npm run notebooks -- [opções] [notebooks/01_....ipynb ...]

Executa os notebooks (kernel tslab) e grava HTML estático com as figuras embutidas.

${usageLines(NOTEBOOKS_FLAGS)}`;

/** CLI entry: returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseFlags(NOTEBOOKS_FLAGS, argv, { positionals: true });
    if (args.help) {
      console.log(NOTEBOOKS_USAGE);
      return 0;
    }
    if (args.quick) process.env.VAE_QUICK = '1';
    const root = path.resolve(__dirname, '..', '..', '..');
    const files = args.positionals.length
      ? args.positionals
      : (await fs.readdir(path.join(root, 'notebooks'))).filter((f) => /^\d\d_.*\.ipynb$/.test(f)).sort().map((f) => path.join(root, 'notebooks', f));
    if (!files.length) throw new ConfigError('Nenhum notebook encontrado em notebooks/.');
    for (const file of files) {
      if (!file.endsWith('.ipynb') || !(await fs.stat(file).then((st) => st.isFile(), () => false))) {
        throw new UsageError(`${file}: não é um notebook (.ipynb) existente.`);
      }
    }
    const python = findJupyterPython();
    const outDir = args.outDir ?? path.join(root, 'run', 'html');
    console.log(`Executando ${files.length} notebook(s)${process.env.VAE_QUICK === '1' ? ' em modo rápido (VAE_QUICK=1)' : ''}; HTML em ${path.relative(process.cwd(), outDir) || '.'}`);
    for (const file of files) {
      const r = await runNotebook(file, { outDir, python, inPlace: args.inPlace, timeout: args.timeout });
      console.log(`ok ${path.basename(file)}: ${r.figures} figura(s), ${r.seconds.toFixed(0)} s → ${path.relative(process.cwd(), r.html)}`);
    }
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

runIfMain(module, main);
