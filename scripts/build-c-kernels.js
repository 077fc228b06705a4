#!/usr/bin/env node
/*
 * Compiles the native path's C kernels (src/kernels/native/c/: conv.c, direct.c, elementwise.c) into
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
const folder = path.join(root, 'src', 'kernels', 'native', 'c');
const sources = ['conv.c', 'direct.c', 'elementwise.c'].map((name) => path.join(folder, name));
const inputs = [...sources, path.join(folder, 'conv.h'), __filename];
const output = path.join(root, 'dist', 'native', process.platform === 'darwin' ? 'libvaekernels.dylib' : 'libvaekernels.so');

function upToDate() {
  return existsSync(output) && inputs.every((file) => statSync(output).mtimeMs >= statSync(file).mtimeMs);
}

/**
 * Compiles the library into `target` with the first flag set the compiler accepts (`extraFlags`
 * added to each; tests build an AVX2-only copy with them); returns the flags used, or throws
 * with the last compiler error.
 */
function compile(target, extraFlags = []) {
  mkdirSync(path.dirname(target), { recursive: true });
  const compiler = process.env.CC || 'cc';
  // Compiled beside it, then renamed: a process that has the old library loaded keeps its copy
  // (writing over a loaded library in place can crash or hang it).
  const temporary = `${target}.${process.pid}.tmp`;
  // -ffp-contract=fast: a·b + c as one fused multiply-add in the direct kernels (ISO C modes
  // default to off).
  const common = ['-O3', '-std=c11', '-ffp-contract=fast', '-D_GNU_SOURCE', '-shared', '-fPIC', '-o', temporary, ...sources];
  // -z nodelete: the library (and with it libgomp) stays mapped when koffi unloads it as Node
  // exits; else an OpenMP worker still spinning after the last call runs into unmapped code
  // (a segfault at exit, measured with the direct kernels).
  const link = process.platform === 'linux' ? ['-ldl', '-Wl,-z,nodelete'] : [];
  // Fastest first; each later attempt drops what an older compiler or a non-x86 CPU may refuse.
  const attempts = [
    ['-march=native', '-fopenmp'],
    ['-fopenmp'],
    ['-march=native'],
    [],
  ];
  const errors = [];
  for (const flags of attempts) {
    const r = spawnSync(compiler, [...flags, ...extraFlags, ...common, ...link], { encoding: 'utf8' });
    if (r.status === 0) {
      renameSync(temporary, target);
      return `${compiler} ${[...flags, ...extraFlags].join(' ') || 'sem flags extras'}`;
    }
    errors.push(r.error ? r.error.message : (r.stderr || '').trim().split('\n')[0]);
  }
  rmSync(temporary, { force: true });
  throw new Error(errors[errors.length - 1]);
}

function main() {
  if (process.platform === 'win32') {
    console.log('kernels C: não compilados no Windows (os laços WebAssembly fazem o mesmo trabalho).');
    return;
  }
  if (upToDate()) return;
  try {
    const how = compile(output);
    console.log(`kernels C: ${path.relative(root, output)} (${how})`);
  } catch (err) {
    console.log(`kernels C: não compilados (${err.message}); as convoluções nativas usam os laços WebAssembly.`);
  }
}

if (require.main === module) main();
module.exports = { compile };
