#!/usr/bin/env node
/*
 * Compiles the native path's C convolutions (src/kernels/native/c/conv.c) into
 * dist/native/libvaekernels.so, the way `canvas` compiles at install: with the system C compiler
 * (Debian's build-essential, installed by scripts/install-system-deps.sh), for this machine's CPU
 * (-march=native) with OpenMP threads. Run by `npm run build` (and so by `npm ci`).
 *
 * Without a compiler, or if every attempt fails, it says so and exits 0: the library then runs
 * the same convolutions with its TypeScript + WebAssembly SIMD loops, and `npm run doctor` shows
 * which path is in use. The library is compiled for the CPU it is built on: build again
 * (`npm run build`) after moving node_modules/dist to another machine.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const { mkdirSync, statSync, existsSync, renameSync, rmSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const source = path.join(root, 'src', 'kernels', 'native', 'c', 'conv.c');
const output = path.join(root, 'dist', 'native', process.platform === 'darwin' ? 'libvaekernels.dylib' : 'libvaekernels.so');

function upToDate() {
  return existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs && statSync(output).mtimeMs >= statSync(__filename).mtimeMs;
}

function main() {
  if (process.platform === 'win32') {
    console.log('kernels C: não compilados no Windows (os laços WebAssembly fazem o mesmo trabalho).');
    return;
  }
  if (upToDate()) return;
  mkdirSync(path.dirname(output), { recursive: true });
  const compiler = process.env.CC || 'cc';
  // Compiled beside it, then renamed: a process that has the old library loaded keeps its copy
  // (writing over a loaded library in place can crash or hang it).
  const temporary = `${output}.${process.pid}.tmp`;
  const common = ['-O3', '-std=c11', '-D_GNU_SOURCE', '-shared', '-fPIC', '-o', temporary, source];
  const link = process.platform === 'linux' ? ['-ldl'] : [];
  // Fastest first; each later attempt drops what an older compiler or a non-x86 CPU may refuse.
  const attempts = [
    ['-march=native', '-fopenmp'],
    ['-fopenmp'],
    ['-march=native'],
    [],
  ];
  const errors = [];
  for (const flags of attempts) {
    const r = spawnSync(compiler, [...flags, ...common, ...link], { encoding: 'utf8' });
    if (r.status === 0) {
      renameSync(temporary, output);
      console.log(`kernels C: ${path.relative(root, output)} (${compiler} ${flags.join(' ') || 'sem flags extras'})`);
      return;
    }
    errors.push(r.error ? r.error.message : (r.stderr || '').trim().split('\n')[0]);
  }
  rmSync(temporary, { force: true });
  console.log(`kernels C: não compilados (${errors[errors.length - 1]}); as convoluções nativas usam os laços WebAssembly.`);
}

main();
