import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { ConfigError, backendInfo, describeBackend, initBackend, parseBackendChoice } from '../src';
import { findSharedLibrary } from '../src/backend';
import { tempDir } from './helpers';

const entry = path.join(__dirname, '..', 'src', 'index.js');

/** Runs a snippet in a fresh process (the backend is chosen once per process). */
function inChild(code: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(process.execPath, ['-e', code], { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

test('parseBackendChoice accepts the four choices and rejects others in Portuguese', () => {
  assert.equal(parseBackendChoice(undefined), 'auto');
  assert.equal(parseBackendChoice('WASM'), 'wasm');
  assert.throws(() => parseBackendChoice('gpu'), (e: Error) => e instanceof ConfigError && /não é um backend válido/.test(e.message));
});

test('initBackend chooses once and explains the choice', async () => {
  const info = await initBackend({ quiet: true });
  assert.ok(['tensorflow', 'wasm', 'cpu'].includes(info.name));
  assert.equal(backendInfo(), info);
  assert.equal(typeof info.gpu, 'boolean');
  assert.ok(info.device.length > 0 && info.reason.length > 0);
  assert.match(describeBackend(info), /^Backend TensorFlow\.js: /);
  assert.equal(await initBackend({ quiet: true }), info, 'same answer on later calls');
});

test('auto mode reports why the libtensorflow packages were not used (child process)', () => {
  const out = inChild(`require(${JSON.stringify(entry)}).initBackend().then(b => console.log(JSON.stringify(b)))`, { VAE_BACKEND: '' });
  const info = JSON.parse(out.trim().split('\n').pop()!);
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    const tried = info.rejected.find((r: { package: string }) => r.package === pkg);
    if (info.name !== 'tensorflow') assert.ok(tried, `${pkg} appears among the rejected, with a reason`);
  }
  assert.equal(info.gpu, false, 'no GPU in this environment: never claim one');
});

test('VAE_BACKEND=cpu and wasm are honoured; an unavailable choice is a clear error (child processes)', () => {
  for (const name of ['cpu', 'wasm']) {
    const out = inChild(`require(${JSON.stringify(entry)}).initBackend({quiet:true}).then(b => console.log(b.name))`, { VAE_BACKEND: name });
    assert.equal(out.trim(), name);
  }
  let tensorflowAvailable = true;
  try {
    require.resolve('@tensorflow/tfjs-node');
  } catch {
    tensorflowAvailable = false;
  }
  if (!tensorflowAvailable) {
    const out = inChild(
      `require(${JSON.stringify(entry)}).initBackend({quiet:true}).then(() => console.log('ok'), e => console.log(e.constructor.name + ': ' + e.message))`,
      { VAE_BACKEND: 'tensorflow' },
    );
    assert.match(out, /ConfigError: Nenhum backend disponível para "tensorflow"/);
    assert.match(out, /tfjs-node-gpu: não instalado/);
  }
});

test('findSharedLibrary finds libc and not a missing CUDA library', () => {
  assert.equal(findSharedLibrary('libcudart.so.0.0-does-not-exist'), null);
  assert.ok(findSharedLibrary('libc.so.6'), 'libc.so.6 is in the ldconfig cache');
});

/**
 * The tfjs-node-gpu path, without libtensorflow: a stand-in package registers a "tensorflow"
 * backend (the cpu kernels) and says whether TensorFlow found a GPU, as the real binding does.
 */
function fakeGpuPackage(usingGpu: boolean): string {
  const dir = tempDir('fake-tfjs-node-gpu-');
  const pkg = path.join(dir, '@tensorflow', 'tfjs-node-gpu');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node-gpu', version: '4.22.0', main: 'index.js' }));
  writeFileSync(
    path.join(pkg, 'index.js'),
    `const tf = require('@tensorflow/tfjs');
     const { MathBackendCPU } = require('@tensorflow/tfjs-backend-cpu');
     tf.registerBackend('tensorflow', () => Object.assign(new MathBackendCPU(), { isGPUPackage: true, isUsingGpuDevice: ${usingGpu} }), 3);
     for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: 'tensorflow' });`,
  );
  return dir;
}

test('tfjs-node-gpu without a usable GPU: says so plainly, names the missing CUDA libraries, never claims a GPU', () => {
  const fake = fakeGpuPackage(false);
  const out = inChild(`require(${JSON.stringify(entry)}).initBackend({quiet:true}).then(b => console.log(JSON.stringify(b)))`, {
    VAE_BACKEND: 'tensorflow',
    NODE_PATH: [fake, path.join(__dirname, '..', '..', 'node_modules')].join(path.delimiter),
  });
  const info = JSON.parse(out.trim().split('\n').pop()!);
  assert.equal(info.name, 'tensorflow');
  assert.equal(info.package, '@tensorflow/tfjs-node-gpu');
  assert.equal(info.gpu, false);
  assert.match(info.device, /^CPU/);
  assert.match(info.warnings[0], /NÃO encontrou uma GPU/);
  // Without CUDA 11 (here, CI) it names the missing libraries; with them, it points at the driver.
  assert.match(info.warnings[0], /libcudart\.so\.11\.0|driver NVIDIA/);
});

test('tfjs-node-gpu with a GPU: reported as GPU, with the first-use JIT warning', () => {
  const fake = fakeGpuPackage(true);
  const out = inChild(`require(${JSON.stringify(entry)}).initBackend({quiet:true}).then(b => console.log(JSON.stringify(b)))`, {
    VAE_BACKEND: 'tensorflow',
    NODE_PATH: [fake, path.join(__dirname, '..', '..', 'node_modules')].join(path.delimiter),
  });
  const info = JSON.parse(out.trim().split('\n').pop()!);
  assert.equal(info.gpu, true);
  assert.match(info.device, /^GPU \(CUDA/);
  assert.ok(info.warnings.some((w: string) => /JIT/.test(w)));
});

test('the backend line says "wasm + OpenBLAS (nativo)", or why the native BLAS is not used (child processes)', () => {
  const describe = `const v = require(${JSON.stringify(entry)}); v.initBackend({quiet:true}).then(b => console.log(JSON.stringify({ line: v.describeBackend(b), native: b.native, status: v.nativeBlasStatus() })))`;
  const run = (env: NodeJS.ProcessEnv) => JSON.parse(inChild(describe, { VAE_BACKEND: 'wasm', ...env }).trim().split('\n').pop()!);
  // On CI (and wherever scripts/install-system-deps.sh ran) OpenBLAS is installed: it must load.
  const on = run({});
  assert.equal(on.native.active, true, `o BLAS nativo deveria carregar: ${on.native.reason}`);
  assert.match(on.line, /^Backend TensorFlow\.js: wasm \+ OpenBLAS \(nativo\) — CPU \(OpenBLAS [\d.]+ \w+, \d+ threads? por chamada; convoluções em C( \+ OpenMP)?\)/);
  assert.deepEqual(on.status, on.native, 'nativeBlasStatus() is what BackendInfo reports');
  const noC = run({ VAE_C_KERNELS: '0' });
  assert.equal(noC.native.active, true);
  assert.equal(noC.native.cKernels, null);
  assert.match(noC.line, /^Backend TensorFlow\.js: wasm \+ OpenBLAS \(nativo\) — CPU \(OpenBLAS [\d.]+ \w+, \d+ threads? por chamada; WebAssembly SIMD\)/);
  const off = run({ VAE_NATIVE: '0' });
  assert.equal(off.native.active, false);
  assert.match(off.line, /^Backend TensorFlow\.js: wasm — CPU \(WebAssembly SIMD, XNNPACK\)/);
  assert.match(off.line, /\n {2}BLAS nativo não usado: desligado por VAE_NATIVE=0/);
  const missing = run({ VAE_BLAS_LIBRARY: '/nao/existe/libblas-de-mentira.so' });
  assert.equal(missing.native.active, false);
  assert.match(missing.line, /BLAS nativo não usado: nenhuma BLAS carregou \(\/nao\/existe\/libblas-de-mentira\.so: /);
  const cpu = JSON.parse(inChild(describe, { VAE_BACKEND: 'cpu' }).trim().split('\n').pop()!);
  assert.equal(cpu.native, null, 'no native BLAS on the cpu backend');
});
