/**
 * The native path: the wasm backend's convolutions and matrix products on the system BLAS
 * (./blas.ts), registered over our wasm kernels when the library loads. Tensors stay in the wasm
 * heap; the GEMMs run in the BLAS, on views of the heap. Around them, im2col / col2im / bias rows
 * and activations run in C, one call per kernel with the batch's chunks on OpenMP threads
 * (./conv_c.ts, ./c/conv.c, built by `npm run build`), or else on our SIMD loops (./layout.ts).
 * In C, convolutions whose channels fill whole vectors run as direct kernels (./c/direct.c), and
 * LeakyRelu, its gradient and the bias Add run on every core (./elementwise.ts), and a
 * convolution layer with the LeakyReLU layer after it runs as one kernel (./fused.ts, ../fused.ts).
 * Without the C library, convolutions with one input channel run on direct SIMD kernels
 * (./single_channel.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { conv2DNativeConfig, fusedConv2DNativeConfig } from './conv2d';
import { conv2DBackpropFilterNativeConfig } from './conv2d_backprop_filter';
import { conv2DBackpropInputNativeConfig } from './conv2d_backprop_input';
import { addNativeConfig, leakyReluGradNativeConfig, leakyReluNativeConfig } from './elementwise';
import { conv2DLeakyReluNativeConfig, conv2DTransposeLeakyReluNativeConfig, passThroughNativeConfig } from './fused';
import { batchMatMulNativeConfig, fusedMatMulNativeConfig } from './matmul';

export { cKernels, holdSingleThreadedBlas, loadNativeBlas, nativeBlasStatus, setCKernelsEnabled, setNativeBlasThreads, type NativeBlasStatus } from './blas';
export { setNativeChunkFloats } from './context';

export const nativeKernels: { config: tf.KernelConfig; description: string }[] = [
  { config: conv2DNativeConfig, description: 'direct C kernel when Cout fills vectors; else im2col (C or SIMD) + BLAS sgemm, chunked over the batch (direct SIMD kernel when Cin = 1)' },
  { config: fusedConv2DNativeConfig, description: 'direct C kernel with bias and activation when Cout fills vectors; else im2col + BLAS sgemm onto the bias rows, then the activation' },
  { config: conv2DBackpropFilterNativeConfig, description: 'direct C kernel when Cout fills vectors; else im2col + BLAS sgemm colᵀ·dy, summed over batch chunks' },
  { config: conv2DBackpropInputNativeConfig, description: 'direct C gather when dx channels fill vectors (or are ≤ 4); else BLAS sgemm dy·Wᵀ + col2im scatter-add' },
  { config: batchMatMulNativeConfig, description: 'BLAS sgemm per matrix, transposes read in place' },
  { config: fusedMatMulNativeConfig, description: 'BLAS sgemm onto the bias rows, then the activation (Dense layers)' },
  { config: leakyReluNativeConfig, description: 'one C pass on every core for large tensors (else the SIMD kernel)' },
  { config: leakyReluGradNativeConfig, description: 'one C pass on every core for large tensors (else the SIMD kernel)' },
  { config: addNativeConfig, description: 'bias add: one C pass on every core for large tensors (else the SIMD kernel)' },
  { config: conv2DLeakyReluNativeConfig, description: 'Conv2D + bias + LeakyReLU layers in one kernel: the forward convolution with both applied to its output tiles' },
  { config: conv2DTransposeLeakyReluNativeConfig, description: 'Conv2DTranspose + bias + LeakyReLU layers in one kernel: the input-gradient convolution with both applied to its output tiles' },
  { config: passThroughNativeConfig, description: 'the LeakyReLU layer after a fused convolution: shares its input, no copy' },
];
