#!/usr/bin/env node
/**
 * Bundles the explorer's browser code (src/explorer/browser/, DOM TypeScript) with esbuild into one
 * minified script, tfjs included from node_modules (core, layers, webgl and cpu backends only).
 * `npm run build` runs it after tsc, so `npm ci` (prepare → build) produces the bundle.
 */
import * as path from 'node:path';

/** Where the bundle is written, next to this file in dist/. */
export const BUNDLE_FILE = path.join(__dirname, 'browser', 'explorer.js');

/** Builds the bundle; returns its size in bytes. */
export async function bundleExplorer(): Promise<number> {
  // esbuild is a build-time (dev) dependency: loaded only here.
  const esbuild = require('esbuild') as typeof import('esbuild');
  const root = path.join(__dirname, '..', '..', '..');
  const result = await esbuild.build({
    entryPoints: [path.join(root, 'src', 'explorer', 'browser', 'main.ts')],
    outfile: BUNDLE_FILE,
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    legalComments: 'none',
    // Evaluated once per page even when several outputs inline it (a notebook re-run, two explorers).
    banner: { js: 'if(!globalThis.vaeExplorer){' },
    footer: { js: '}' },
    loader: { '.wasm': 'base64' },
    logLevel: 'warning',
    metafile: true,
  });
  return Object.values(result.metafile!.outputs)[0].bytes;
}

if (require.main === module) {
  bundleExplorer().then(
    (bytes) => console.log(`explorer: ${path.relative(process.cwd(), BUNDLE_FILE)} (${(bytes / 1024).toFixed(0)} KiB)`),
    (err) => {
      console.error('Erro ao empacotar o explorador:', err);
      process.exitCode = 1;
    },
  );
}
