#!/usr/bin/env node
/**
 * `npm run explorer`: the latent-space explorer (issue 9). Without --html, a local server on 127.0.0.1
 * that lists the runs under run/ and serves the page of each; with --run-folder R --html out.html, one
 * self-contained offline file (script, weights and data inlined) a teacher can send to students.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend, parseBackendChoice } from '../backend';
import { ConfigError } from '../errors';
import { explorer } from '../explorer/explorer';
import { startExplorerServer } from '../explorer/server';
import { formatPt } from '../text';
import { reportError, runIfMain } from './run';

const HELP = `Uso: npm run explorer -- [--port 8009] [--runs-dir run] [--n 5000]
       npm run explorer -- --run-folder run/vae/0002_digits --html explorador.html
Sem --html: um servidor local em 127.0.0.1 que lista as execuções (zDim 2) de --runs-dir e serve o
explorador de cada uma (Ctrl-C para parar). Com --html: um único arquivo HTML que funciona offline.
--n: quantos dígitos de teste aparecem no plano; --steps: imagens da interpolação; --page-backend
webgl|cpu força o backend da página.`;

/** CLI entry: returns the exit code (the server keeps the process alive until Ctrl-C). */
export async function main(argv: string[]): Promise<number> {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        'run-folder': { type: 'string' },
        html: { type: 'string' },
        port: { type: 'string' },
        'runs-dir': { type: 'string' },
        n: { type: 'string' },
        steps: { type: 'string' },
        'page-backend': { type: 'string' },
        backend: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const pageBackend = values['page-backend'];
    if (pageBackend !== undefined && pageBackend !== 'webgl' && pageBackend !== 'cpu') {
      throw new ConfigError(`--page-backend="${pageBackend}" não é válido; use webgl ou cpu.`);
    }
    const num = (flag: 'n' | 'steps' | 'port') => (values[flag] === undefined ? undefined : Number(values[flag]));
    const options = { n: num('n'), steps: num('steps'), backend: pageBackend as 'webgl' | 'cpu' | undefined };
    await initBackend({ backend: parseBackendChoice(values.backend, '--backend'), quiet: true });
    if (values.html) {
      if (!values['run-folder']) throw new ConfigError('--html precisa de --run-folder (qual execução vai no arquivo).');
      await fs.mkdir(path.dirname(path.resolve(values.html)), { recursive: true });
      const bytes = await explorer(values['run-folder'], options).save(values.html);
      console.log(`gravado ${values.html} (${formatPt(bytes / 2 ** 20, 2)} MiB): abra no navegador, funciona sem internet.`);
      return 0;
    }
    const port = num('port') ?? 8009;
    if (!(Number.isInteger(port) && port >= 0 && port < 65536)) throw new ConfigError(`--port deve ser um inteiro entre 0 e 65535; recebido ${values.port}.`);
    const { url, runs } = await startExplorerServer({ ...options, runsDir: values['runs-dir'] ?? 'run', port });
    console.log(`Explorador do espaço latente em ${url} (Ctrl-C para parar)`);
    for (const r of runs) console.log(`  ${url}run/${r.id}/`);
    if (!runs.length) console.log(`  (nenhuma execução com zDim 2 em ${values['runs-dir'] ?? 'run'})`);
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

runIfMain(module, main);
