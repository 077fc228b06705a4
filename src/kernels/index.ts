/**
 * Training kernels that make the pure-JS/WASM backends fast enough to train the VAE
 * (see the fast-training issue). Registered by `initBackend()` for the chosen backend.
 *
 * wasm: Conv2DBackpropFilter (missing from the stock backend), a fast Conv2DBackpropInput, and
 * cheaper LeakyRelu / LeakyRelu-gradient / bias-gradient Sum. cpu: Conv2D, FusedConv2D and both
 * convolution gradients as blocked JS matrix products, plus the same cheap element-wise kernels.
 * Every kernel keeps the stock kernel's maths exactly (same padding rules, same gradient at
 * LeakyRelu's kink) and falls back to the stock kernel outside the cases it handles.
 *
 * Layout: geometry.ts (padding and the stride-phase split, with the maths), common/ (plain-JS
 * loops and the blocked JS matrix product), wasm/ (one file per kernel; wasm/simd/ builds a small
 * WebAssembly SIMD module at run time that works in place on the backend's heap — set
 * VAE_KERNELS_SIMD=0 to use the JS loops instead), cpu/ (one file per kernel family).
 * native/ puts the wasm backend's convolutions and matrix products on the system BLAS (OpenBLAS
 * through koffi) when it loads; VAE_NATIVE=0 keeps the wasm ones. fused.ts: a convolution and
 * the LeakyReLU after it as one kernel there (with their gradients), used by ../model/fusion.ts.
 * Tests: test/kernels.test.ts, test/kernels-native.test.ts. Benchmark: `node dist/bench/kernels.js`
 * (bench/kernels.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { cpuKernels } from './cpu';
import { installGradients, uninstallGradients } from './gradients';
import { installedKernels, installKernel, uninstallKernels, type InstalledKernel } from './registry';
import { CONV2D_LEAKY_RELU, installFusedGradients } from './fused';
import { cKernels, loadNativeBlas, nativeBlasStatus, nativeKernels } from './native';
import { wasmKernels } from './wasm';

export type { InstalledKernel } from './registry';
export { LEAKY_RELU_GRAD } from './gradients';
export { ADAM_STEP } from './common/adam';
export { conv2dLeakyRelu, conv2dTransposeLeakyRelu, passThrough } from './fused';
export { holdSingleThreadedBlas, nativeBlasStatus, setNativeBlasThreads, type NativeBlasStatus } from './native';

const kernelsByBackend: Record<string, { config: import('@tensorflow/tfjs').KernelConfig; description: string }[]> = {
  wasm: wasmKernels,
  cpu: cpuKernels,
};

/** Backends for which this package has training kernels. */
export const TRAINING_KERNEL_BACKENDS: readonly string[] = Object.keys(kernelsByBackend);

/**
 * Registers our training kernels for `backendName`; returns true if it registered any. On wasm,
 * `native` (default: unless VAE_NATIVE=0) also registers the native-BLAS kernels when the library
 * loads (see nativeBlasStatus()); `native: false` keeps the pure wasm kernels (tests, benchmarks).
 */
export function registerTrainingKernels(backendName: string, options: { native?: boolean } = {}): boolean {
  const kernels = kernelsByBackend[backendName];
  if (!kernels) return false;
  for (const { config, description } of kernels) installKernel(config, description);
  if (backendName === 'wasm') {
    if ((options.native ?? true) && loadNativeBlas()) {
      for (const { config, description } of nativeKernels) installKernel(config, description);
    } else {
      uninstallNativeKernels();
    }
  }
  installGradients();
  installFusedGradients();
  return true;
}

/** Whether the native-BLAS kernels are the ones registered on wasm now. */
export function nativeKernelsRegistered(): boolean {
  return nativeKernels.every(({ config }) => tf.getKernel(config.kernelName, config.backendName) === config);
}

/**
 * True when `backendName`'s kernels already spread each convolution and each large element-wise
 * pass over the cores (the native path's C kernels with OpenMP): then one training or encoding
 * thread beats data-parallel workers (measured on this 2-core machine, see threads/sizing.ts).
 */
export function kernelsUseEveryCore(backendName: string): boolean {
  if (backendName !== 'wasm' || !nativeKernelsRegistered()) return false;
  const status = nativeBlasStatus();
  return status.cKernels === 'C + OpenMP' && status.threads > 1;
}

/**
 * True when the convolution layers followed by a LeakyReLU should run fused with it (../model/
 * fusion.ts, kernels ./fused.ts): on the native path with the C library, where the bias and the
 * activation are applied in the convolution's output tiles. Elsewhere the layers run apart (the
 * fused kernels exist only on the native path, and there without the C library they would add
 * the bias in a JavaScript loop).
 */
export function fusedConvolutionsActive(): boolean {
  const backend = tf.getBackend();
  return fusionEnabled && backend === 'wasm' && cKernels() !== null && tf.getKernel(CONV2D_LEAKY_RELU, backend) !== undefined;
}

let fusionEnabled = process.env.VAE_FUSED !== '0';

/** Turns the fused layers off or on (tests and benchmarks compare them; VAE_FUSED=0 starts off); returns the previous state. */
export function setConvolutionFusion(enabled: boolean): boolean {
  const previous = fusionEnabled;
  fusionEnabled = enabled;
  return previous;
}

/** Puts back, for each native kernel, our wasm kernel or the stock one it replaced. */
function uninstallNativeKernels(): void {
  if (!nativeKernels.some(({ config }) => tf.getKernel(config.kernelName, config.backendName) === config)) return;
  uninstallKernels('wasm');
  for (const { config, description } of wasmKernels) installKernel(config, description);
}

/**
 * Puts the stock kernels of `backendName` back (for comparisons in tests and benchmarks). The
 * LeakyRelu gradient override stays while any backend still has our kernels; it falls back to
 * the stock formula on backends without them anyway.
 */
export function unregisterTrainingKernels(backendName: string): void {
  uninstallKernels(backendName);
  if (installedKernels().length === 0) uninstallGradients();
}

/** Our kernels currently registered (for one backend, or all). */
export function listTrainingKernels(backendName?: string): InstalledKernel[] {
  return installedKernels(backendName);
}
