/**
 * Which python runs Jupyter for this project: `npm run notebooks`, the notebook tests and
 * `npm run doctor` all ask here, so they agree on the answer.
 */
import { spawnSync } from 'node:child_process';
import { ConfigError } from './errors';

/** The python code that must succeed: nbconvert executes notebooks through nbclient. */
export const JUPYTER_PYTHON_PROBE = 'import nbconvert, nbclient; print(nbconvert.__version__)';

/** Pythons tried in order: $VAE_JUPYTER_PYTHON, Debian's /usr/bin/python3, then python3 on PATH. */
export function jupyterPythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  return [env.VAE_JUPYTER_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => Boolean(p));
}

/** A python3 that can run `jupyter nbconvert` (Debian's, usually /usr/bin/python3). */
export function findJupyterPython(env: NodeJS.ProcessEnv = process.env): string {
  for (const candidate of jupyterPythonCandidates(env)) {
    const r = spawnSync(candidate, ['-c', JUPYTER_PYTHON_PROBE], { stdio: 'ignore', env });
    if (r.status === 0) return candidate;
  }
  throw new ConfigError('Não encontrei um python3 com nbconvert. Instale jupyter-nbconvert (scripts/install-system-deps.sh) e registre o kernel com scripts/install-kernel.sh.');
}

/** MIME types whose payload is stored on one line when the project writes a notebook. */
const COMPACT_MIME = /^application\/(vnd\..*\+)?json$/;

/**
 * A notebook's JSON as nbformat writes it (indent 1, keys as read, a final newline), except that JSON
 * payloads of outputs (vega-lite specs) take one line each: a 2,000-point spec pretty-printed one value
 * per line costs three times the bytes. Jupyter reads it the same; saving from Jupyter re-indents it.
 */
export function compactNotebookJson(text: string): string {
  const nb = JSON.parse(text) as { cells?: { outputs?: { data?: Record<string, unknown> }[] }[] };
  const payloads: string[] = [];
  for (const cell of nb.cells ?? []) {
    for (const out of cell.outputs ?? []) {
      for (const [mime, value] of Object.entries(out.data ?? {})) {
        if (COMPACT_MIME.test(mime) && typeof value === 'object' && value !== null) {
          out.data![mime] = `\u0000compact${payloads.length}\u0000`;
          payloads.push(JSON.stringify(value));
        }
      }
    }
  }
  return JSON.stringify(nb, null, 1).replace(/"\\u0000compact(\d+)\\u0000"/g, (_, i) => payloads[Number(i)]) + '\n';
}

/**
 * Numbers the code cells In [1], In [2]… in order, as a Jupyter front end shows them after "Run all".
 * nbconvert takes the count from the kernel's broadcast messages, which tslab does not send, so an
 * executed notebook would otherwise show empty prompts. Empty cells are skipped, as nbclient does.
 */
export function numberExecutedCells(nb: { cells: { cell_type: string; source: string | string[]; execution_count?: number | null }[] }): void {
  let count = 0;
  for (const cell of nb.cells) {
    if (cell.cell_type !== 'code') continue;
    const source = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
    cell.execution_count = source.trim() === '' ? null : ++count;
  }
}
