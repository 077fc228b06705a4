/**
 * Training kernels that make the pure-JS/WASM backends fast enough to train the VAE
 * (see the fast-training issue). Registered by `initBackend()` for the chosen backend.
 */

/** Registers our training kernels for `backendName`; returns true if it registered any. */
export function registerTrainingKernels(backendName: string): boolean {
  void backendName;
  return false;
}
