/**
 * What our cpu kernels use of tfjs-backend-cpu: tensors are plain typed arrays
 * (`backend.data.get(dataId).values`), outputs are made with `makeTensorInfo`.
 */
import * as tf from '@tensorflow/tfjs';
import { runStock } from '../registry';
import type { ConvGemmSpec } from '../common/conv_gemm';
import type { Conv2DGeometry } from '../geometry';

export interface BackendCpuLike {
  data: { get(dataId: tf.DataId): { values?: tf.backend_util.BackendValues } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
  disposeIntermediateTensorInfo(info: tf.TensorInfo): void;
}

export const CPU = 'cpu';

/** The float32 values of a cpu tensor. */
export function valuesF32(backend: BackendCpuLike, info: tf.TensorInfo): Float32Array {
  const values = backend.data.get(info.dataId)?.values;
  if (!(values instanceof Float32Array)) throw new Error(`expected float32 values, got ${info.dtype}`);
  return values;
}

export function output(backend: BackendCpuLike, shape: number[], values: Float32Array): tf.TensorInfo {
  return backend.makeTensorInfo(shape, 'float32', values);
}

export function stock(kernelName: string, backend: BackendCpuLike, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
  return runStock(kernelName, CPU, { inputs, backend, attrs });
}

/** The convolution x ⋆ w of geometry g as a ConvGemmSpec. */
export function gemmSpec(g: Conv2DGeometry): ConvGemmSpec {
  return {
    batch: g.batch,
    inHeight: g.inHeight,
    inWidth: g.inWidth,
    inChannels: g.inChannels,
    filterHeight: g.filterHeight,
    filterWidth: g.filterWidth,
    outChannels: g.outChannels,
    strideHeight: g.strideHeight,
    strideWidth: g.strideWidth,
    dilationHeight: g.dilationHeight,
    dilationWidth: g.dilationWidth,
    padTop: g.padTop,
    padLeft: g.padLeft,
    outHeight: g.outHeight,
    outWidth: g.outWidth,
  };
}
