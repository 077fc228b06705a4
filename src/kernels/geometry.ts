/**
 * Convolution geometry shared by the training kernels (NHWC only).
 *
 * A 2-D convolution with stride s, dilation d and top/left padding p reads, for output row `o`
 * and filter row `k`, the input row
 *     i = o·s + k·d − p                                                     (1)
 * (rows outside [0, inHeight) read zero). The same holds for columns. TensorFlow's 'same'
 * padding uses out = ceil(in / s) and a total pad of max((out − 1)·s + k_eff − in, 0), of which
 * floor(total / 2) goes on top/left and the rest on bottom/right; 'valid' pads nothing and has
 * out = ceil((in − k_eff + 1) / s). We take these numbers from tfjs' own `computeConv2DInfo`,
 * so that our kernels agree with every other kernel about them.
 */
import * as tf from '@tensorflow/tfjs';

/** The `pad` attribute of tfjs' convolution kernels. */
export type PadAttr = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

export interface Conv2DGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  /** Rows of zeros virtually added above the input (equation (1)'s p). */
  padTop: number;
  padLeft: number;
  /** Padding below/right as tfjs defines it (informative; our kernels derive what they need). */
  padBottom: number;
  padRight: number;
}

/** True when `dataFormat` (a kernel attribute) means channels-last. */
export function isChannelsLast(dataFormat: string | undefined): boolean {
  return dataFormat === undefined || dataFormat === 'NHWC' || dataFormat === 'channelsLast';
}

/**
 * Geometry of the forward convolution x ⋆ w → y with x of shape `xShape` [B, H, W, Cin] and a
 * filter of shape [KH, KW, Cin, Cout], as tfjs computes it.
 */
export function conv2dGeometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: number | [number, number],
  pad: PadAttr,
  dilations: number | [number, number] = 1,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): Conv2DGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    padBottom: info.padInfo.bottom,
    padRight: info.padInfo.right,
  };
}

/** The 'same' padding of TensorFlow along one axis: [before, after, out]. */
export function samePadding(inSize: number, filterSize: number, stride: number, dilation = 1): [number, number, number] {
  const eff = (filterSize - 1) * dilation + 1;
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + eff - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before, out];
}

/**
 * One output phase of a transposed convolution along one axis.
 *
 * The input gradient of (1) (dilation 1) is dx[i] = Σ_{o,k : o·s + k − p = i} dy[o]·w[k].
 * For the rows i = ph + s·t of phase ph ∈ [0, s), only the taps k ≡ (ph + p) (mod s) contribute:
 * k = k0 + j·s for j = 0 … J−1, with o = c + t − j and c = (ph + p − k0) / s. Renaming j' = J−1−j,
 *     dx[ph + s·t] = Σ_{j'} dy[t − padBefore + j'] · w[k0 + (J−1−j')·s],   padBefore = J−1−c,   (2)
 * an ordinary stride-1 convolution of dy with the flipped sub-filter. Its `count` outputs
 * t = 0 … T−1 (T = ceil((in − ph)/s)) read dy rows −padBefore … T−1−padBefore+J−1, hence
 * padAfter = T + J − 1 − padBefore − outSize. Either pad may be negative (then dy is cropped).
 */
export interface TransposedPhase {
  /** ph: the first dx row of this phase. */
  phase: number;
  /** k0: the first filter tap used. */
  firstTap: number;
  /** J: taps used (k0, k0+s, …); 0 means the phase receives no contribution (zeros). */
  taps: number;
  /** T: dx rows in this phase (ph, ph+s, …). */
  count: number;
  padBefore: number;
  padAfter: number;
}

/**
 * Splits a transposed convolution along one axis into `stride` stride-1 phases, equation (2).
 * `inSize` is the size of dx (the forward conv's input), `outSize` the size of dy.
 */
export function transposedPhases(inSize: number, outSize: number, filterSize: number, stride: number, padBefore: number): TransposedPhase[] {
  const phases: TransposedPhase[] = [];
  for (let ph = 0; ph < stride; ph++) {
    const count = ph < inSize ? Math.ceil((inSize - ph) / stride) : 0;
    const k0 = (((ph + padBefore) % stride) + stride) % stride;
    const taps = k0 < filterSize ? Math.ceil((filterSize - k0) / stride) : 0;
    const c = (ph + padBefore - k0) / stride;
    const before = taps - 1 - c;
    const after = count + taps - 1 - before - outSize;
    phases.push({ phase: ph, firstTap: k0, taps, count, padBefore: before, padAfter: after });
  }
  return phases;
}

/**
 * The sub-filter of phase (ph, pw) for equation (2), laid out as a forward-conv filter
 * [J_h, J_w, Cout, Cin] (dy's channels in, dx's channels out):
 *     sub[j', i', co, ci] = w[k0h + (J_h−1−j')·sh, k0w + (J_w−1−i')·sw, ci, co].
 * `w` is the forward filter [KH, KW, Cin, Cout].
 */
export function phaseFilter(
  w: ArrayLike<number>,
  filterShape: readonly number[],
  rows: TransposedPhase,
  cols: TransposedPhase,
  strideHeight: number,
  strideWidth: number,
  out: Float32Array,
): Float32Array {
  const [, kw, cin, cout] = filterShape;
  const jh = rows.taps;
  const jw = cols.taps;
  let o = 0;
  for (let a = 0; a < jh; a++) {
    const kh = rows.firstTap + (jh - 1 - a) * strideHeight;
    for (let b = 0; b < jw; b++) {
      const kc = cols.firstTap + (jw - 1 - b) * strideWidth;
      const base = (kh * kw + kc) * cin * cout;
      for (let co = 0; co < cout; co++) {
        for (let ci = 0; ci < cin; ci++) out[o++] = w[base + ci * cout + co];
      }
    }
  }
  return out;
}

/** Conv2D / FusedConv2D's attributes (the fused one adds the activation). */
export interface Conv2DAttrs {
  strides: number | [number, number];
  pad: PadAttr;
  dataFormat?: string;
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
  leakyreluAlpha?: number;
}

/** The attributes tfjs passes to both convolution gradients (Conv2DBackpropFilter / Conv2DBackpropInput). */
interface ConvBackpropAttrs {
  strides: number | [number, number];
  pad: PadAttr;
  dataFormat?: string;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Conv2DBackpropFilter's attributes: the filter's shape is what the gradient must have. */
export interface BackpropFilterAttrs extends ConvBackpropAttrs {
  filterShape: [number, number, number, number];
}

/** Conv2DBackpropInput's attributes: the input's shape is what the gradient must have. */
export interface BackpropInputAttrs extends ConvBackpropAttrs {
  inputShape: [number, number, number, number];
}

/** The attributes of a convolution kernel call, typed (tfjs gives them as a NamedAttrMap). */
export function convAttrs<A extends Conv2DAttrs | BackpropFilterAttrs | BackpropInputAttrs>(attrs: unknown): A {
  return (attrs ?? {}) as A;
}
