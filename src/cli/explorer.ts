#!/usr/bin/env node
/**
 * `npm run explorer`: the latent-space explorer (issue 9). Without --html, a local server on 127.0.0.1
 * that lists the runs under run/ and serves the page of each; with --run-folder R --html out.html, one
 * self-contained offline file (script, weights and data inlined) a teacher can send to students.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../backend';
import { explorer } from '../explorer/explorer';
import { startExplorerServer } from '../explorer/server';
import { formatPt } from '../text';
import { backendFlag, flag, parseFlags, usageLines, UsageError } from './flags';
import { reportError, runIfMain } from './run';

export const EXPLORER_FLAGS = {
  runFolder: flag.string({ value: 'DIR', default: undefined, help: 'a execução (com --html: a que vai no arquivo)' }),
  html: flag.string({ value: 'ARQUIVO', default: undefined, help: 'grava um único arquivo HTML que funciona offline, em vez de servir' }),
  port: flag.int({ min: 0, max: 65535, default: 8009, help: 'porta do servidor local (127.0.0.1)' }),
  runsDir: flag.string({ value: 'DIR', default: 'run', help: 'onde procurar as execuções (zDim 2)' }),
  n: flag.int({ min: 1, max: 10_000, default: undefined, defaultText: '5.000', help: 'dígitos de teste no plano' }),
  steps: flag.int({ min: 2, max: 50, default: undefined, defaultText: '10', help: 'imagens da interpolação' }),
  pageBackend: flag.choice(['webgl', 'cpu'] as const, { default: undefined, defaultText: 'o melhor da página', help: 'força o backend da página' }),
  backend: backendFlag(),
  help: flag.bool({ short: 'h', help: 'esta ajuda' }),
};

export const EXPLORER_USAGE = `Uso: npm run explorer -- [opções]
       npm run explorer -- --run-folder run/vae/0002_digits --html explorador.html

Sem --html: um servidor local em 127.0.0.1 que lista as execuções (zDim 2) de --runs-dir e serve o
explorador de cada uma (Ctrl-C para parar). Com --html: um único arquivo HTML que funciona offline.

${usageLines(EXPLORER_FLAGS)}`;

/** CLI entry: returns the exit code (the server keeps the process alive until Ctrl-C). */
export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseFlags(EXPLORER_FLAGS, argv);
    if (args.help) {
      console.log(EXPLORER_USAGE);
      return 0;
    }
    const options = { n: args.n, steps: args.steps, backend: args.pageBackend };
    await initBackend({ backend: args.backend, quiet: true });
    if (args.html) {
      if (!args.runFolder) throw new UsageError('--html precisa de --run-folder (qual execução vai no arquivo).');
      await fs.mkdir(path.dirname(path.resolve(args.html)), { recursive: true });
      const bytes = await explorer(args.runFolder, options).save(args.html);
      console.log(`gravado ${args.html} (${formatPt(bytes / 2 ** 20, 2)} MiB): abra no navegador, funciona sem internet.`);
      return 0;
    }
    const { url, runs } = await startExplorerServer({ ...options, runsDir: args.runsDir, port: args.port });
    console.log(`Explorador do espaço latente em ${url} (Ctrl-C para parar)`);
    for (const r of runs) console.log(`  ${url}run/${r.id}/`);
    if (!runs.length) console.log(`  (nenhuma execução com zDim 2 em ${args.runsDir})`);
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

runIfMain(module, main);
