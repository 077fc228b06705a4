/**
 * The native path: the wasm backend's convolutions and matrix products on the system BLAS
 * (./blas.ts), registered over our wasm kernels when the library loads. Tensors stay in the wasm
 * heap; the GEMMs run in the BLAS, on views of the heap. Around them, im2col / col2im / bias rows
 * and activations run in C, one call per kernel with the batch's chunks on OpenMP threads
 * (./conv_c.ts, ./c/conv.c, built by `npm run build`), or else on our SIMD loops (./layout.ts).
 * Convolutions with one input channel skip both: they run on direct SIMD kernels
 * (./single_channel.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { conv2DNativeConfig, fusedConv2DNativeConfig } from './conv2d';
import { conv2DBackpropFilterNativeConfig } from './conv2d_backprop_filter';
import { conv2DBackpropInputNativeConfig } from './conv2d_backprop_input';
import { batchMatMulNativeConfig, fusedMatMulNativeConfig } from './matmul';

export { holdSingleThreadedBlas, loadNativeBlas, nativeBlasStatus, setCKernelsEnabled, setNativeBlasThreads, type NativeBlasStatus } from './blas';
export { setNativeChunkFloats } from './context';

export const nativeKernels: { config: tf.KernelConfig; description: string }[] = [
  { config: conv2DNativeConfig, description: 'im2col (C or SIMD) + BLAS sgemm, chunked over the batch; direct SIMD kernel when Cin = 1' },
  { config: fusedConv2DNativeConfig, description: 'im2col + BLAS sgemm onto the bias rows, then the activation; direct SIMD kernel when Cin = 1' },
  { config: conv2DBackpropFilterNativeConfig, description: 'im2col + BLAS sgemm colᵀ·dy, summed over batch chunks; direct SIMD kernel when Cin = 1' },
  { config: conv2DBackpropInputNativeConfig, description: 'BLAS sgemm dy·Wᵀ + col2im scatter-add (C or SIMD); direct SIMD gather when dx has 1 channel' },
  { config: batchMatMulNativeConfig, description: 'BLAS sgemm per matrix, transposes read in place' },
  { config: fusedMatMulNativeConfig, description: 'BLAS sgemm onto the bias rows, then the activation (Dense layers)' },
];
