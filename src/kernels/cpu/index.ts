/** Our cpu-backend kernels, with one-line descriptions. */
import type * as tf from '@tensorflow/tfjs';
import { conv2DCpuConfig, fusedConv2DCpuConfig } from './conv2d';
import { conv2DBackpropFilterCpuConfig } from './conv2d_backprop_filter';
import { conv2DBackpropInputCpuConfig } from './conv2d_backprop_input';
import { leakyReluCpuConfig, leakyReluGradCpuConfig, sumCpuConfig } from './elementwise';
import { addCpuConfig } from './add';
import { adamStepCpuConfig } from './adam';

export const cpuKernels: { config: tf.KernelConfig; description: string }[] = [
  { config: conv2DCpuConfig, description: 'im2col panels + 4×4 register-blocked JS matrix product' },
  { config: fusedConv2DCpuConfig, description: 'Conv2D as above with bias and linear/relu/leakyrelu fused' },
  { config: conv2DBackpropInputCpuConfig, description: 'stride phases as stride-1 convolutions through the blocked product (≤ 2 dx channels: product + col2im)' },
  { config: conv2DBackpropFilterCpuConfig, description: 'forward convolution of x^T with dy^T (batch as channels) through the blocked product' },
  { config: leakyReluCpuConfig, description: 'single branch-free pass y = x·(x > 0 ? 1 : α)' },
  { config: leakyReluGradCpuConfig, description: 'single pass dx = dy·(x > 0 ? 1 : α) (used by our LeakyRelu gradient)' },
  { config: sumCpuConfig, description: 'direct column sums for reductions over all but the last axis (bias gradients)' },
  { config: addCpuConfig, description: 'bias add [..., C] + [C] without per-element broadcast index maths' },
  { config: adamStepCpuConfig, description: 'the Adam step of one variable in one pass (instead of ~14 element-wise kernels)' },
];
