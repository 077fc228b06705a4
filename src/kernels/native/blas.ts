/**
 * The system BLAS, called from JavaScript through koffi (an FFI package whose npm tarball carries
 * prebuilt binaries: nothing is compiled at install). One function is used, the row-major
 *     C ← α·op(A)·op(B) + β·C      cblas_sgemm,  op(X) = X or Xᵀ,
 * on Float32Array views of the wasm heap: koffi hands the C function a pointer to the view's
 * bytes, so nothing is copied.
 *
 * Libraries tried, in order: $VAE_BLAS_LIBRARY if set; OpenBLAS (Debian's libopenblas0-pthread:
 * libopenblas.so.0); on macOS Accelerate. VAE_NATIVE=0 turns the native path off.
 *
 * Two facts measured on the project's machine (Xeon, family 6 model 207, AVX-512) decide how
 * OpenBLAS is loaded; both are read by OpenBLAS once, when the library is loaded:
 *  - OpenBLAS 0.3.21 (Debian 12) does not know this CPU and falls back to its "Prescott" (SSE3)
 *    kernels: ~10 GFLOP/s on this network's GEMMs. With OPENBLAS_CORETYPE=SkylakeX (its AVX-512
 *    kernels) the same calls run at 100–150 GFLOP/s. So, unless the user set OPENBLAS_CORETYPE,
 *    we name the best family the CPU's flags allow (/proc/cpuinfo: AVX-512 F/BW/DQ/VL → SkylakeX,
 *    AVX2 + FMA → Haswell; otherwise OpenBLAS decides).
 *  - Threads (OpenBLAS's count is one per process): while worker threads compute in parallel
 *    (data-parallel training, EncoderPool) each BLAS call uses one thread — OpenBLAS has one
 *    thread pool per process, which calls from several threads would compete for; with one
 *    thread each, concurrent calls run side by side in their callers (their results are checked
 *    by the two-thread training test of test/kernels-native.test.ts). The pools ask for
 *    that with `holdSingleThreadedBlas()`. Otherwise (one thread computing: predict, a decoded
 *    grid) each call may use `soloThreads` (VAE_BLAS_THREADS, default: every core, at most 8).
 *    When the C convolutions load (./ckernels.ts) those threads are theirs instead: each kernel
 *    call spreads its chunks of images over OpenMP threads (im2col, GEMM, col2im all in
 *    parallel), and OpenBLAS runs on one thread inside each.
 * The variables are set only while the library loads, so child processes (PyTorch in the
 * benchmark) do not inherit them.
 *
 * Every thread (main and worker threads) has its own copy of this module; the library itself is
 * loaded once per process by the OS. Environment variables can only be set from the main thread,
 * which loads the library first (initBackend runs there before any worker starts).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { loadCKernels, type CKernels } from './ckernels';

/** What the native path does and why (for `npm run doctor` and the backend line). */
export interface NativeBlasStatus {
  /** True when a BLAS loaded and passed its self-check: the wasm backend uses it for convolutions and matrix products. */
  active: boolean;
  /** The library in use, e.g. "OpenBLAS 0.3.21 (libopenblas.so.0)", or null. */
  library: string | null;
  /** The kernel family the library runs (OpenBLAS: openblas_get_corename(), e.g. "SkylakeX"), or null. */
  core: string | null;
  /** Threads each native kernel call uses (per training thread). */
  threads: number;
  /** Why it is active or not (Portuguese). */
  reason: string;
  /** The C convolutions (./ckernels.ts) in use, e.g. "C + OpenMP", or null (then the TypeScript + SIMD loops run). */
  cKernels: string | null;
  /** Why the C convolutions are in use or not (Portuguese). */
  cKernelsReason: string;
}

/** Row-major single-precision GEMM: C[m×n] ← α·op(A)·op(B) + β·C (leading dimensions in floats). */
export type Sgemm = (
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
) => void;

interface Loaded {
  sgemm: Sgemm;
  setThreads: ((n: number) => void) | null;
  getThreads: (() => number) | null;
  /** The C convolutions, when they loaded: they then own the threads and OpenBLAS runs on one inside them. */
  c: CKernels | null;
}

const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

let loaded: Loaded | null = null;
let status: NativeBlasStatus | null = null;
/** Threads of each C kernel call (OpenMP), when the C kernels are loaded. */
let cThreads = 1;
/** Pools of worker threads currently computing in parallel (see holdSingleThreadedBlas). */
let holders = 0;

/** The CPU flags of /proc/cpuinfo (empty where there is none). */
function cpuFlags(): Set<string> {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    return new Set((line ?? '').split(':')[1]?.trim().split(/\s+/) ?? []);
  } catch {
    return new Set();
  }
}

/** The OpenBLAS kernel family to ask for on this CPU (x86-64), or null to let OpenBLAS decide. */
export function openblasCoreFor(flags: Set<string>): string | null {
  if (['avx512f', 'avx512bw', 'avx512dq', 'avx512vl'].every((f) => flags.has(f))) return 'SkylakeX';
  if (flags.has('avx2') && flags.has('fma')) return 'Haswell';
  return null;
}

/** Threads per GEMM call when a single thread computes (VAE_BLAS_THREADS, default: every core, at most 8). */
function soloThreads(): number {
  const v = Number(process.env.VAE_BLAS_THREADS);
  if (Number.isInteger(v) && v >= 1) return v;
  return Math.max(1, Math.min(8, availableParallelism()));
}

/** Runs `load` with `vars` set in the environment (main thread only), then restores it. */
function withEnv<T>(vars: Record<string, string>, load: () => T): T {
  if (!isMainThread) return load();
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (process.env[k] === undefined) process.env[k] = v;
  }
  try {
    return load();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
    }
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 200);
}

/** Libraries to try, each with how to load it. */
function candidates(): { file: string; kind: 'openblas' | 'accelerate' | 'other' }[] {
  const explicit = process.env.VAE_BLAS_LIBRARY;
  if (explicit) return [{ file: explicit, kind: /openblas/i.test(explicit) ? 'openblas' : 'other' }];
  if (process.platform === 'darwin') {
    return [
      { file: '/System/Library/Frameworks/Accelerate.framework/Accelerate', kind: 'accelerate' },
      { file: '/opt/homebrew/opt/openblas/lib/libopenblas.dylib', kind: 'openblas' },
      { file: '/usr/local/opt/openblas/lib/libopenblas.dylib', kind: 'openblas' },
    ];
  }
  if (process.platform === 'win32') return [{ file: 'libopenblas.dll', kind: 'openblas' }];
  return [
    { file: 'libopenblas.so.0', kind: 'openblas' },
    { file: 'libopenblas.so', kind: 'openblas' },
  ];
}

/** C = A·B and C = Aᵀ·Bᵀ on 2×3 and 3×2 matrices, against the exact answers. */
function selfCheck(sgemm: Sgemm): boolean {
  const a = Float32Array.of(1, 2, 3, 4, 5, 6); // [2×3]
  const b = Float32Array.of(7, 8, 9, 10, 11, 12); // [3×2]
  const c = new Float32Array(4);
  sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2);
  const ok1 = [58, 64, 139, 154].every((v, i) => c[i] === v);
  // Aᵀ with A stored [3×2] = b, Bᵀ with B stored [2×3] = a: C = bᵀ·aᵀ = (a·b)ᵀ.
  sgemm(true, true, 2, 2, 3, 1, b, 2, a, 3, 0, c, 2);
  const ok2 = [58, 139, 64, 154].every((v, i) => c[i] === v);
  return ok1 && ok2;
}

function tryLoad(): { lib: Loaded; status: NativeBlasStatus } | { reason: string } {
  if (process.env.VAE_NATIVE === '0') return { reason: 'desligado por VAE_NATIVE=0' };
  let koffi: typeof import('koffi');
  try {
    koffi = require('koffi') as typeof import('koffi');
  } catch (err) {
    return { reason: `o pacote koffi não carregou (${firstLine(err)}); reinstale com npm ci` };
  }
  const threads = soloThreads();
  const tried: string[] = [];
  for (const { file, kind } of candidates()) {
    const env: Record<string, string> = {};
    if (kind === 'openblas') {
      env.OPENBLAS_NUM_THREADS = String(threads);
      const core = process.arch === 'x64' ? openblasCoreFor(cpuFlags()) : null;
      if (core) env.OPENBLAS_CORETYPE = core;
    } else if (kind === 'accelerate') {
      env.VECLIB_MAXIMUM_THREADS = String(threads);
    }
    let handle: ReturnType<typeof koffi.load>;
    try {
      handle = withEnv(env, () => koffi.load(file));
    } catch (err) {
      tried.push(`${file}: ${firstLine(err)}`);
      continue;
    }
    let raw: (...args: unknown[]) => void;
    try {
      raw = handle.func('void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc)');
    } catch (err) {
      tried.push(`${file}: sem cblas_sgemm (${firstLine(err)})`);
      continue;
    }
    const sgemm: Sgemm = (ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) =>
      raw(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    const optional = <T>(decl: string): T | null => {
      try {
        return handle.func(decl) as unknown as T;
      } catch {
        return null;
      }
    };
    const setThreads = optional<(n: number) => void>('void openblas_set_num_threads(int n)');
    const getThreads = optional<() => number>('int openblas_get_num_threads()');
    const config = optional<() => string>('const char *openblas_get_config()');
    const corename = optional<() => string>('const char *openblas_get_corename()');
    if (!selfCheck(sgemm)) {
      tried.push(`${file}: cblas_sgemm deu um resultado errado no teste inicial`);
      continue;
    }
    const c = loadCKernels(koffi, file);
    const cLoaded = 'reason' in c ? null : c;
    // Only the main thread sets the count (one per process); worker threads find it set. With
    // the C kernels, OpenBLAS runs on one thread inside each of their threads.
    const mine = holders > 0 || !isMainThread ? 1 : threads;
    if (isMainThread) setThreads?.(cLoaded ? 1 : mine);
    cThreads = cLoaded ? Math.min(mine, cLoaded.maxThreads) : 1;
    const version = config ? /OpenBLAS\s+[\d.]+/.exec(config())?.[0] ?? 'OpenBLAS' : kind === 'accelerate' ? 'Accelerate' : 'BLAS';
    const core = corename ? corename().trim() : null;
    const lib: Loaded = { sgemm, setThreads, getThreads, c: cLoaded };
    return {
      lib,
      status: {
        active: true,
        library: `${version} (${file.split('/').pop()})`,
        core,
        threads: cLoaded ? cThreads : getThreads ? getThreads() : mine,
        reason: 'BLAS do sistema carregado pelo koffi',
        cKernels: cLoaded ? (cLoaded.maxThreads > 1 ? 'C + OpenMP' : 'C') : null,
        cKernelsReason: cLoaded ? `convoluções em C (${cLoaded.file.split('/').pop()})` : (c as { reason: string }).reason,
      },
    };
  }
  const hint = process.platform === 'linux' ? ' Instale libopenblas0-pthread (scripts/install-system-deps.sh).' : '';
  return { reason: `nenhuma BLAS carregou (${tried.join('; ')}).${hint}` };
}

/** Loads the BLAS once per thread; null when the native path is off or unavailable. */
export function loadNativeBlas(): Loaded | null {
  if (!status) {
    const r = tryLoad();
    if ('reason' in r) status = { active: false, library: null, core: null, threads: 0, reason: r.reason, cKernels: null, cKernelsReason: r.reason };
    else {
      loaded = r.lib;
      status = r.status;
    }
  }
  return loaded;
}

/** Whether the native BLAS is in use, which one, with how many threads, and why (loads it if needed). */
export function nativeBlasStatus(): NativeBlasStatus {
  loadNativeBlas();
  return { ...status! };
}

/** The GEMM of the loaded BLAS (throws if none: callers check `loadNativeBlas()` first). */
export function sgemm(): Sgemm {
  if (!loaded) throw new Error('native BLAS not loaded');
  return loaded.sgemm;
}

/**
 * Sets the threads of each native kernel call (the C kernels' OpenMP threads, or OpenBLAS's,
 * process-wide) and returns the number in effect. For benchmarks and experiments; the pools and
 * the default choose by themselves.
 */
export function setNativeBlasThreads(n: number): number {
  const lib = loadNativeBlas();
  const wanted = Math.max(1, Math.floor(n));
  if (lib?.c) {
    cThreads = Math.min(wanted, lib.c.maxThreads);
    status!.threads = cThreads;
    return cThreads;
  }
  if (!lib || !lib.setThreads) return status!.threads;
  lib.setThreads(wanted);
  status!.threads = lib.getThreads ? lib.getThreads() : wanted;
  return status!.threads;
}

let cEnabled = true;

/** Turns the C convolutions off or on (off: the TypeScript path; for tests and benchmarks); returns the previous setting. */
export function setCKernelsEnabled(on: boolean): boolean {
  const previous = cEnabled;
  cEnabled = on;
  return previous;
}

/** The C convolutions and the threads each call may use, or null (then the TypeScript path runs). */
export function cKernels(): { kernels: CKernels; threads: number } | null {
  return cEnabled && loaded?.c ? { kernels: loaded.c, threads: cThreads } : null;
}

/**
 * For a pool of worker threads that will call the BLAS concurrently (main thread only): one
 * BLAS thread per call until the returned function is called (then back to the single-thread
 * default, once no pool holds it). A no-op without the native BLAS or in a worker thread.
 */
export function holdSingleThreadedBlas(): () => void {
  if (!isMainThread || !loadNativeBlas()) return () => {};
  if (holders++ === 0) setNativeBlasThreads(1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0) setNativeBlasThreads(soloThreads());
  };
}
