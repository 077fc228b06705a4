#!/usr/bin/env node
/**
 * `npm run figures`: rebuilds the seven pictures of the source notebook in img/ from the saved runs
 * (plain AE, VAE, VAE without KL) and from the maths — see src/book-figures.ts.
 */
import * as path from 'node:path';
import { flag, parseFlags, usageLines, UsageError } from './flags';
import { reportError, runIfMain } from './run';
import { initBackend } from '../backend';
import { buildFigures, FIGURES } from '../book-figures';
import { loadMnist } from '../data';

export const FIGURES_FLAGS = {
  out: flag.string({ value: 'DIR', default: 'img', help: 'pasta de saída' }),
  only: flag.string({ value: 'A,B', default: undefined, defaultText: 'todas', help: `só estas figuras (${FIGURES.join(', ')})` }),
  help: flag.bool({ short: 'h', help: 'esta ajuda' }),
};

export const FIGURES_USAGE = `Uso: npm run figures -- [opções]

Regera as figuras do notebook (img/) a partir das execuções em run/.

${usageLines(FIGURES_FLAGS)}`;

/** CLI entry: returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseFlags(FIGURES_FLAGS, argv);
    if (args.help) {
      console.log(FIGURES_USAGE);
      return 0;
    }
    const only = args.only?.split(',').map((s) => s.trim());
    const unknown = only?.filter((o) => !(FIGURES as readonly string[]).includes(o));
    if (unknown?.length) throw new UsageError(`--only: figura(s) desconhecida(s): ${unknown.join(', ')}. Opções: ${FIGURES.join(', ')}.`);
    await initBackend();
    const data = await loadMnist({ quiet: true });
    const files = await buildFigures(args.out, data, only);
    for (const f of files) console.log(`figura gravada: ${path.relative(process.cwd(), f)}`);
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

runIfMain(module, main);
