/** Our wasm-backend kernels, with one-line descriptions. */
import type * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterWasmConfig } from './conv2d_backprop_filter';
import { conv2DBackpropInputWasmConfig } from './conv2d_backprop_input';
import { leakyReluGradWasmConfig, leakyReluWasmConfig } from './leaky_relu';
import { sumWasmConfig } from './sum';
import { identityWasmConfig } from './identity';
import { adamStepWasmConfig } from './adam';
import { sliceWasmConfig } from './slice';
import { addWasmConfig } from './add';

export const wasmKernels: { config: tf.KernelConfig; description: string }[] = [
  { config: conv2DBackpropFilterWasmConfig, description: 'transposed im2col + XNNPACK matrix product, chunked over the batch' },
  { config: conv2DBackpropInputWasmConfig, description: 'one exact stride-1 XNNPACK convolution per stride phase, interleaved (≤ 2 dx channels: matrix product + col2im)' },
  { config: leakyReluWasmConfig, description: 'one SIMD pass y = x > 0 ? x : α·x' },
  { config: leakyReluGradWasmConfig, description: 'one SIMD pass dx = x > 0 ? dy : α·dy (used by our LeakyRelu gradient)' },
  { config: sumWasmConfig, description: 'SIMD column sums for reductions over all but the last axis (bias gradients)' },
  { config: identityWasmConfig, description: 'shares the data instead of copying it (the engine clones every tensor saved for a gradient)' },
  { config: addWasmConfig, description: 'bias adds ([..., C] + [C]) as one SIMD pass over the rows' },
  { config: sliceWasmConfig, description: 'contiguous slices (a range of images) as one copy inside the heap, without reading the whole input out first' },
  { config: adamStepWasmConfig, description: 'the Adam step of one variable in one pass over the heap (instead of ~14 element-wise kernels)' },
];
