/**
 * Chooses the TensorFlow.js engine once per process and says what was chosen and why.
 *
 * Order (unless VAE_BACKEND says otherwise): tfjs-node-gpu → tfjs-node → wasm → cpu.
 * The libtensorflow packages are optional dependencies: their install downloads a native library,
 * which fails offline. Every module of this package uses the same `@tensorflow/tfjs` instance.
 */
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from './errors';
import { nativeBlasStatus, registerTrainingKernels, type NativeBlasStatus } from './kernels';

/** What `VAE_BACKEND` / `--backend` accept. */
export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

export interface BackendInfo {
  /** tfjs backend name: 'tensorflow', 'wasm' or 'cpu'. */
  name: 'tensorflow' | 'wasm' | 'cpu';
  /** npm package providing it. */
  package: string;
  /** Human description of the device, e.g. "GPU (CUDA)" or "CPU (WebAssembly SIMD)". */
  device: string;
  /** True only when TensorFlow really placed work on a GPU. */
  gpu: boolean;
  /** Why this one (Portuguese). */
  reason: string;
  /** Engines tried before and why each was not used (Portuguese). */
  rejected: { package: string; reason: string }[];
  /** Warnings worth showing (e.g. GPU package loaded but no GPU found). */
  warnings: string[];
  /** Whether this package's fast training kernels are registered on this backend. */
  trainingKernels: boolean;
  /**
   * The system BLAS under the wasm kernels (convolutions and matrix products): whether it is in
   * use, which library, and why not. Null on the other backends.
   */
  native: NativeBlasStatus | null;
}

/** The engine's short name, as the CSV log shows it: "wasm + OpenBLAS", "wasm", "cpu", "tensorflow". */
export function engineName(b: BackendInfo): string {
  if (!b.native?.active) return b.name;
  // "OpenBLAS" from "OpenBLAS 0.3.21 (libopenblas.so.0)".
  return `${b.name} + ${(b.native.library ?? 'BLAS').split(/[\s(]/)[0] || 'BLAS'}`;
}

let chosen: Promise<BackendInfo> | null = null;
let info: BackendInfo | null = null;

/** Parses a backend name from a flag or env var, with a clear error. */
export function parseBackendChoice(value: string | undefined, source = 'VAE_BACKEND'): BackendChoice {
  if (value === undefined || value === '') return 'auto';
  const v = value.trim().toLowerCase();
  if ((BACKEND_CHOICES as readonly string[]).includes(v)) return v as BackendChoice;
  throw new ConfigError(`${source}="${value}" não é um backend válido; use um de: ${BACKEND_CHOICES.join(', ')}.`);
}

/** Where a shared library can be found (LD_LIBRARY_PATH of `env`, then the ldconfig cache), or null. */
export function findSharedLibrary(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)) {
    if (existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  try {
    const cache = execFileSync('ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const line = cache.split('\n').find((l) => l.trim().startsWith(name + ' '));
    if (line) return line.split('=>').pop()!.trim();
  } catch {
    // No ldconfig (not Linux): nothing to report.
  }
  return null;
}

/** The CUDA libraries libtensorflow 2.9.1 (tfjs-node-gpu 4.22) loads at run time. */
export const CUDA_LIBRARIES = ['libcudart.so.11.0', 'libcublas.so.11', 'libcufft.so.10', 'libcudnn.so.8'];

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].slice(0, 200);
}

/** Loads tfjs-node(-gpu) and checks that it registered into our tfjs instance. */
function loadTensorflowPackage(pkg: string): void {
  const ours = require.resolve('@tensorflow/tfjs');
  let theirs: string;
  try {
    theirs = require.resolve('@tensorflow/tfjs', { paths: [path.dirname(require.resolve(pkg))] });
  } catch (err) {
    throw new Error(`não instalado (${firstLine(err)})`);
  }
  if (theirs !== ours) throw new Error(`usa outra cópia de @tensorflow/tfjs (${theirs}); reinstale com npm ci`);
  require(pkg);
  if (!tf.findBackend('tensorflow')) throw new Error('carregou, mas não registrou o backend "tensorflow"');
}

async function tryTensorflow(pkg: string, rejected: BackendInfo['rejected']): Promise<BackendInfo | null> {
  try {
    loadTensorflowPackage(pkg);
    if (!(await tf.setBackend('tensorflow'))) throw new Error('tf.setBackend("tensorflow") falhou');
  } catch (err) {
    rejected.push({ package: pkg, reason: firstLine(err) });
    return null;
  }
  const backend = tf.backend() as unknown as { isGPUPackage?: boolean; isUsingGpuDevice?: boolean };
  const gpu = pkg.endsWith('-gpu') && backend.isUsingGpuDevice === true;
  const warnings: string[] = [];
  if (pkg.endsWith('-gpu') && !gpu) {
    const missing = CUDA_LIBRARIES.filter((lib) => findSharedLibrary(lib) === null);
    warnings.push(
      'tfjs-node-gpu carregou, mas o TensorFlow NÃO encontrou uma GPU utilizável e roda na CPU. ' +
        (missing.length
          ? `Bibliotecas CUDA não encontradas: ${missing.join(', ')} (libtensorflow 2.9.1 precisa de CUDA 11.2 e cuDNN 8.1).`
          : 'As bibliotecas CUDA 11/cuDNN 8 foram encontradas: verifique o driver NVIDIA (> 450) com nvidia-smi.'),
    );
  }
  if (gpu) {
    warnings.push(
      'GPUs mais novas que o CUDA 11.2 (por exemplo sm_90) compilam os kernels na primeira execução (JIT do PTX): ' +
        'o primeiro lote pode levar minutos; os seguintes são rápidos.',
    );
  }
  return {
    name: 'tensorflow',
    package: pkg,
    device: gpu ? 'GPU (CUDA, libtensorflow 2.9.1)' : 'CPU (libtensorflow 2.9.1)',
    gpu,
    reason: gpu ? 'GPU CUDA disponível' : 'libtensorflow nativo disponível',
    rejected,
    warnings,
    trainingKernels: false,
    native: null,
  };
}

async function tryJsBackend(name: 'wasm' | 'cpu', rejected: BackendInfo['rejected'], requireTraining: boolean): Promise<BackendInfo | null> {
  const pkg = name === 'wasm' ? '@tensorflow/tfjs-backend-wasm' : '@tensorflow/tfjs-backend-cpu';
  try {
    if (name === 'wasm') require('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend("${name}") falhou`);
    await tf.ready();
    // The cpu backend prints an "install our node backend" banner at its first tensor;
    // describeBackend() already says which engine runs and why, so skip it.
    if (name === 'cpu') (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  } catch (err) {
    rejected.push({ package: pkg, reason: firstLine(err) });
    return null;
  }
  const trainingKernels = registerTrainingKernels(name);
  if (requireTraining && !tf.getKernel('Conv2DBackpropFilter', name)) {
    rejected.push({ package: pkg, reason: 'sem kernel Conv2DBackpropFilter: não treina redes convolucionais' });
    return null;
  }
  const native = name === 'wasm' ? nativeBlasStatus() : null;
  let device = name === 'wasm' ? 'CPU (WebAssembly SIMD, XNNPACK)' : 'CPU (JavaScript puro)';
  if (native?.active) {
    const threads = native.threads === 1 ? '1 thread por chamada' : `${native.threads} threads por chamada`;
    const library = (native.library ?? 'BLAS').replace(/\s*\(.*\)$/, '');
    device = `CPU (${library}${native.core ? ` ${native.core}` : ''}, ${threads}; ${native.cKernels ? `convoluções em ${native.cKernels}` : 'WebAssembly SIMD'})`;
  }
  return {
    name,
    package: pkg,
    device,
    gpu: false,
    reason: rejected.length ? 'primeira opção disponível' : 'escolhido',
    rejected,
    warnings: [],
    trainingKernels,
    native,
  };
}

async function choose(choice: BackendChoice): Promise<BackendInfo> {
  const rejected: BackendInfo['rejected'] = [];
  const explicit = choice !== 'auto';
  const attempts: (() => Promise<BackendInfo | null>)[] = [];
  if (choice === 'auto' || choice === 'tensorflow') {
    attempts.push(() => tryTensorflow('@tensorflow/tfjs-node-gpu', rejected));
    attempts.push(() => tryTensorflow('@tensorflow/tfjs-node', rejected));
  }
  if (choice === 'auto' || choice === 'wasm') attempts.push(() => tryJsBackend('wasm', rejected, !explicit));
  if (choice === 'auto' || choice === 'cpu') attempts.push(() => tryJsBackend('cpu', rejected, false));
  for (const attempt of attempts) {
    const result = await attempt();
    if (result) {
      if (explicit) result.reason = `pedido explicitamente (${choice})`;
      return result;
    }
  }
  throw new ConfigError(
    `Nenhum backend disponível para "${choice}":\n` + rejected.map((r) => `  - ${r.package}: ${r.reason}`).join('\n'),
  );
}

/**
 * One line (plus warnings) describing the backend, in Portuguese. On wasm it says whether the
 * native BLAS runs ("wasm + OpenBLAS (nativo)") or why not.
 */
export function describeBackend(b: BackendInfo): string {
  const name = b.native?.active ? `${engineName(b)} (nativo)` : b.name;
  const lines = [`Backend TensorFlow.js: ${name} — ${b.device}${b.trainingKernels ? ', kernels de treino próprios' : ''} (${b.reason})`];
  if (b.native && !b.native.active) lines.push(`  BLAS nativo não usado: ${b.native.reason}`);
  for (const r of b.rejected) lines.push(`  não usado: ${r.package} — ${r.reason}`);
  for (const w of b.warnings) lines.push(`  AVISO: ${w}`);
  return lines.join('\n');
}

/**
 * Chooses and initialises the backend (once; later calls return the same answer).
 * `backend` overrides VAE_BACKEND; `quiet` skips the one-time printout.
 */
export function initBackend(options: { backend?: BackendChoice; quiet?: boolean } = {}): Promise<BackendInfo> {
  if (!chosen) {
    const choice = options.backend ?? parseBackendChoice(process.env.VAE_BACKEND);
    chosen = choose(choice).then((result) => {
      info = result;
      if (!options.quiet) console.log(describeBackend(result));
      return result;
    });
  } else if (options.backend && options.backend !== 'auto') {
    const wanted = options.backend;
    return chosen.then((b) => {
      if (wanted === 'tensorflow' ? b.name !== 'tensorflow' : b.name !== wanted) {
        throw new ConfigError(`O backend já foi escolhido (${b.name}); não é possível trocar para "${wanted}" no mesmo processo.`);
      }
      return b;
    });
  }
  return chosen;
}

/** The backend chosen by `initBackend()`; throws if it was not called yet. */
export function backendInfo(): BackendInfo {
  if (!info) throw new ConfigError('Backend ainda não inicializado: chame `await initBackend()` primeiro.');
  return info;
}

export { tf };
