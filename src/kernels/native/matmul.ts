/**
 * BatchMatMul and _FusedMatMul (bias + linear / relu / leakyrelu) on the native GEMM: the Dense
 * layers and their gradients. For each matrix i of the batch
 *     out[i] = op(a[i]) · op(b[i]) (+ bias),   op = identity or transpose (attrs transposeA/B),
 * with a batch of one broadcast against the other. The transposed forms, which the gradients of
 * a Dense layer use (dA = dy·Bᵀ, dB = Aᵀ·dy), are read in place by the BLAS: the stock wasm kernel
 * takes a much slower path for them. Other broadcasts and dtypes go to the stock kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs } from '../registry';
import { alloc, free, sizeOf, stock, WASM, type BackendWasmLike } from '../wasm/context';
import { sgemm } from './blas';
import { allocZeros, applyActivation, at, heap, nativeActivation, runsFor, type NativeActivation } from './context';

interface MatMulPlan {
  batchA: number;
  batchB: number;
  batch: number;
  m: number;
  n: number;
  k: number;
  outShape: number[];
}

/** The product's dimensions, or null when the shapes need a broadcast we leave to the stock kernel. */
export function planMatMul(aShape: readonly number[], bShape: readonly number[], transposeA: boolean, transposeB: boolean): MatMulPlan | null {
  if (aShape.length < 2 || bShape.length < 2) return null;
  const ra = aShape.length;
  const rb = bShape.length;
  const m = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const k = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  const kb = transposeB ? bShape[rb - 1] : bShape[rb - 2];
  const n = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  if (k !== kb) return null;
  const outerA = aShape.slice(0, -2);
  const outerB = bShape.slice(0, -2);
  const batchA = sizeOf(outerA);
  const batchB = sizeOf(outerB);
  const batch = Math.max(batchA, batchB);
  let outer: number[];
  try {
    outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return null;
  }
  // Matrix i of the output is a[i or 0] · b[i or 0]: only one side may broadcast, all at once.
  if ((batchA !== 1 && batchB !== 1 && batchA !== batchB) || sizeOf(outer) !== batch) return null;
  return { batchA, batchB, batch, m, n, k, outShape: [...outer, m, n] };
}

function matMulInto(
  backend: BackendWasmLike,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  p: MatMulPlan,
  transposeA: boolean,
  transposeB: boolean,
  bias: tf.TensorInfo | null,
  activation: NativeActivation,
  alpha: number,
): tf.TensorInfo {
  const out = alloc(backend, p.outShape);
  const total = p.batch * p.m * p.n;
  if (total === 0) return out;
  const zeros = allocZeros(backend, p.n);
  const runs = runsFor(backend, zeros);
  const h = heap(backend);
  const ao = at(backend, a);
  const bo = at(backend, b);
  const oo = at(backend, out);
  if (bias) runs.copy(at(backend, bias), oo, p.batch * p.m, p.n, 0, p.n);
  else if (p.k === 0) runs.zero(oo, p.batch * p.m, p.n, p.n);
  if (p.k > 0) {
    const gemm = sgemm();
    const lda = transposeA ? p.m : p.k;
    const ldb = transposeB ? p.k : p.n;
    for (let i = 0; i < p.batch; i++) {
      const ai = ao + (p.batchA === 1 ? 0 : i) * p.m * p.k;
      const bi = bo + (p.batchB === 1 ? 0 : i) * p.k * p.n;
      gemm(transposeA, transposeB, p.m, p.n, p.k, 1, h.subarray(ai), lda, h.subarray(bi), ldb, bias ? 1 : 0, h.subarray(oo + i * p.m * p.n), p.n);
    }
  }
  applyActivation(backend, oo, total, activation, alpha);
  free(backend, zeros);
  return out;
}

export function batchMatMulNative(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasmLike;
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA = false, transposeB = false } = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
  const plan = a.dtype === 'float32' && b.dtype === 'float32' ? planMatMul(a.shape, b.shape, transposeA, transposeB) : null;
  if (!plan) return stock('BatchMatMul', backend, args.inputs, args.attrs);
  return matMulInto(backend, a, b, plan, transposeA, transposeB, null, 'linear', 0);
}

export function fusedMatMulNative(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasmLike;
  const { a, b, bias, preluActivationWeights } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
  const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean; activation?: string; leakyreluAlpha?: number };
  const transposeA = attrs.transposeA ?? false;
  const transposeB = attrs.transposeB ?? false;
  const activation = nativeActivation(attrs.activation);
  const plan = a.dtype === 'float32' && b.dtype === 'float32' ? planMatMul(a.shape, b.shape, transposeA, transposeB) : null;
  // The bias must be one row of n values (shape [n] or [1, …, 1, n]).
  const biasOk = !bias || (bias.dtype === 'float32' && plan !== null && sizeOf(bias.shape) === plan.n && bias.shape[bias.shape.length - 1] === plan.n);
  if (!plan || !activation || preluActivationWeights || !biasOk) return stock('_FusedMatMul', backend, args.inputs, args.attrs);
  return matMulInto(backend, a, b, plan, transposeA, transposeB, bias ?? null, activation, attrs.leakyreluAlpha ?? 0.2);
}

export const batchMatMulNativeConfig: tf.KernelConfig = {
  kernelName: 'BatchMatMul',
  backendName: WASM,
  kernelFunc: batchMatMulNative as unknown as tf.KernelFunc,
};

export const fusedMatMulNativeConfig: tf.KernelConfig = {
  kernelName: '_FusedMatMul',
  backendName: WASM,
  kernelFunc: fusedMatMulNative as unknown as tf.KernelFunc,
};
