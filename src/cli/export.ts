#!/usr/bin/env node
/**
 * `npm run export -- --run-folder R --out D`: the standard exports of a run (encoder/ and decoder/
 * loadable by stock `tf.loadLayersModel`, latent.json, manifest.json). See src/explorer/export.ts.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend, parseBackendChoice } from '../backend';
import { ConfigError } from '../errors';
import { exportModels } from '../explorer/export';
import { reportError, runIfMain } from './run';

const HELP = `Uso: npm run export -- --run-folder run/vae/0002_digits --out run/export/0002_digits [--n 5000]
Grava encoder/ (x → [mu, log_var]; no autoencoder comum, x → z) e decoder/ (z → x̂), cada um com
model.json + weights.bin só com camadas padrão (o tf.loadLayersModel de qualquer TensorFlow.js os lê),
latent.json (μ de --n dígitos de teste com os rótulos) e manifest.json.`;

/** CLI entry: returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        'run-folder': { type: 'string' },
        out: { type: 'string' },
        n: { type: 'string' },
        backend: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (!values['run-folder'] || !values.out) throw new ConfigError('Informe --run-folder e --out (veja --help).');
    const n = values.n === undefined ? undefined : Number(values.n);
    await initBackend({ backend: parseBackendChoice(values.backend, '--backend'), quiet: true });
    const files = await exportModels(values['run-folder'], values.out, { n });
    for (const f of files) console.log(`gravado ${path.relative(process.cwd(), f)}`);
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

runIfMain(module, main);
