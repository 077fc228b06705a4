#!/usr/bin/env node
/**
 * `npm run export -- --run-folder R --out D`: the standard exports of a run (encoder/ and decoder/
 * loadable by stock `tf.loadLayersModel`, latent.json, manifest.json). See src/explorer/export.ts.
 */
import * as path from 'node:path';
import { initBackend } from '../backend';
import { exportModels } from '../explorer/export';
import { backendFlag, flag, parseFlags, usageLines } from './flags';
import { reportError, runIfMain } from './run';

export const EXPORT_FLAGS = {
  runFolder: flag.string({ value: 'DIR', default: undefined, required: true, help: 'a execução a exportar (ex.: run/vae/0002_digits)' }),
  out: flag.string({ value: 'DIR', default: undefined, required: true, help: 'pasta de saída (ex.: run/export/0002_digits)' }),
  n: flag.int({ min: 1, max: 10_000, default: 5000, help: 'dígitos de teste em latent.json' }),
  backend: backendFlag(),
  help: flag.bool({ short: 'h', help: 'esta ajuda' }),
};

export const EXPORT_USAGE = `Uso: npm run export -- --run-folder run/vae/0002_digits --out run/export/0002_digits [opções]

Grava encoder/ (x → [mu, log_var]; no autoencoder comum, x → z) e decoder/ (z → x̂), cada um com
model.json + weights.bin só com camadas padrão (o tf.loadLayersModel de qualquer TensorFlow.js os lê),
latent.json (μ de --n dígitos de teste com os rótulos) e manifest.json.

${usageLines(EXPORT_FLAGS)}`;

/** CLI entry: returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseFlags(EXPORT_FLAGS, argv);
    if (args.help) {
      console.log(EXPORT_USAGE);
      return 0;
    }
    await initBackend({ backend: args.backend, quiet: true });
    const files = await exportModels(args.runFolder!, args.out!, { n: args.n });
    for (const f of files) console.log(`gravado ${path.relative(process.cwd(), f)}`);
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

runIfMain(module, main);
