/**
 * Installs our kernels in tfjs' kernel registry, remembering the stock ones they replace, so
 * that our kernels can still call them (e.g. the stock XNNPACK Conv2D) and so that tests and
 * benchmarks can put the stock ones back.
 */
import * as tf from '@tensorflow/tfjs';

/** What a kernel function receives from the engine (or from another kernel). */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

export interface InstalledKernel {
  backendName: string;
  kernelName: string;
  /** Whether a stock kernel existed (and was replaced). */
  replacesStock: boolean;
  description: string;
}

const key = (backendName: string, kernelName: string) => `${backendName}/${kernelName}`;
/** Stock configs we replaced (null: there was none). */
const stock = new Map<string, tf.KernelConfig | null>();
/** Our configs currently installed. */
const ours = new Map<string, { config: tf.KernelConfig; description: string }>();

/**
 * Registers `config` in place of whatever is registered for that kernel and backend (the stock
 * kernel, or another of ours: the native kernels replace some wasm ones). The stock one is
 * remembered once, so uninstalling always brings the stock kernel back.
 */
export function installKernel(config: tf.KernelConfig, description: string): void {
  const k = key(config.backendName, config.kernelName);
  const current = tf.getKernel(config.kernelName, config.backendName);
  const mine = ours.get(k);
  if (mine && mine.config === config && current === config) return;
  if (!stock.has(k)) stock.set(k, current ?? null);
  if (current) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
  ours.set(k, { config, description });
}

/** Removes our kernels for `backendName` and re-registers the stock ones. */
export function uninstallKernels(backendName: string): void {
  for (const [k, { config }] of [...ours]) {
    if (config.backendName !== backendName) continue;
    if (tf.getKernel(config.kernelName, backendName) === config) tf.unregisterKernel(config.kernelName, backendName);
    const original = stock.get(k);
    if (original) tf.registerKernel(original);
    ours.delete(k);
  }
}

/** Our kernels installed for `backendName` (all backends when omitted). */
export function installedKernels(backendName?: string): InstalledKernel[] {
  const out: InstalledKernel[] = [];
  for (const [k, { config, description }] of ours) {
    if (backendName && config.backendName !== backendName) continue;
    out.push({ backendName: config.backendName, kernelName: config.kernelName, replacesStock: stock.get(k) != null, description });
  }
  return out;
}

/** The stock kernel function (the one registered before ours), or null if there is none. */
export function stockKernel(kernelName: string, backendName: string): tf.KernelFunc | null {
  const k = key(backendName, kernelName);
  if (stock.has(k)) return stock.get(k)?.kernelFunc ?? null;
  return tf.getKernel(kernelName, backendName)?.kernelFunc ?? null;
}

/** Runs the stock kernel `kernelName` of `backendName` (throws if there is none). */
export function runStock(kernelName: string, backendName: string, args: KernelArgs): tf.TensorInfo {
  const fn = stockKernel(kernelName, backendName);
  if (!fn) throw new Error(`No stock ${kernelName} kernel for backend ${backendName}`);
  return fn(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}
