/**
 * Identity for the wasm backend without a copy. The engine clones (Identity) every tensor that
 * a kernel saves for its gradient; the stock wasm kernel copies the data each time (63 copies,
 * ~4 ms per VAE training step at batch 32). Tensors are immutable, so — as the cpu and webgl
 * backends do — the output can share the input's data, with one more reference to it.
 */
import * as tf from '@tensorflow/tfjs';
import { stock, WASM, type BackendWasmLike } from './context';
import type { KernelArgs } from '../registry';

export function identityWasm(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasmLike & { incRef(dataId: tf.DataId): void };
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string' || x.dtype === 'complex64' || typeof backend.incRef !== 'function') {
    return stock('Identity', backend, args.inputs, args.attrs);
  }
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export const identityWasmConfig: tf.KernelConfig = {
  kernelName: 'Identity',
  backendName: WASM,
  kernelFunc: identityWasm as unknown as tf.KernelFunc,
};
