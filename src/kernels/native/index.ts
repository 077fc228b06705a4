/**
 * The native path: the wasm backend's convolutions and matrix products on the system BLAS
 * (./blas.ts), registered over our wasm kernels when the library loads. Tensors stay in the wasm
 * heap; im2col / col2im / bias rows run on our SIMD loops (./layout.ts); the GEMMs run in the
 * BLAS, on views of the heap.
 */
import type * as tf from '@tensorflow/tfjs';
import { conv2DNativeConfig, fusedConv2DNativeConfig } from './conv2d';
import { conv2DBackpropFilterNativeConfig } from './conv2d_backprop_filter';
import { conv2DBackpropInputNativeConfig } from './conv2d_backprop_input';
import { batchMatMulNativeConfig, fusedMatMulNativeConfig } from './matmul';

export { holdSingleThreadedBlas, loadNativeBlas, nativeBlasStatus, setNativeBlasThreads, type NativeBlasStatus } from './blas';
export { setNativeChunkFloats } from './context';

export const nativeKernels: { config: tf.KernelConfig; description: string }[] = [
  { config: conv2DNativeConfig, description: 'im2col (SIMD) + BLAS sgemm, chunked over the batch' },
  { config: fusedConv2DNativeConfig, description: 'im2col + BLAS sgemm onto the bias rows, then the activation' },
  { config: conv2DBackpropFilterNativeConfig, description: 'im2col + BLAS sgemm colᵀ·dy, accumulated over batch chunks' },
  { config: conv2DBackpropInputNativeConfig, description: 'BLAS sgemm dy·Wᵀ + col2im scatter-add (SIMD)' },
  { config: batchMatMulNativeConfig, description: 'BLAS sgemm per matrix, transposes read in place' },
  { config: fusedMatMulNativeConfig, description: 'BLAS sgemm onto the bias rows, then the activation (Dense layers)' },
];
