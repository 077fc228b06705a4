/**
 * The page's TensorFlow.js: backend choice, loading the exported models, encode and decode.
 * Backends: webgl (the student's GPU), wasm (WebAssembly SIMD; its .wasm is inlined in the bundle, so
 * it works from file:// with no network) and cpu (plain JavaScript) as the last resort.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import simdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm';
import type { ModelSource } from '../types';

// Only the SIMD binary is inlined (every current browser has WebAssembly SIMD); no threads, which
// need a cross-origin-isolated page. A browser without SIMD fails here and falls back to cpu.
const SIMD_URL = `data:application/wasm;base64,${simdWasm}`;
setWasmPaths({ 'tfjs-backend-wasm.wasm': SIMD_URL, 'tfjs-backend-wasm-simd.wasm': SIMD_URL, 'tfjs-backend-wasm-threaded-simd.wasm': SIMD_URL }, true);
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

/** What the backend line says about each backend (Portuguese). */
export const BACKEND_NOTES: Record<string, string> = {
  webgl: 'webgl: usa a placa de vídeo (GPU) do computador',
  wasm: 'wasm: WebAssembly SIMD na CPU',
  cpu: 'cpu: JavaScript puro, sem GPU (o mais lento)',
};

/** The WebGL renderer's name, or null without WebGL. */
function webglRenderer(): string | null {
  const canvas = document.createElement('canvas');
  const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
  if (!gl) return null;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

/**
 * webgl on a real GPU, else wasm, else cpu; `wanted` forces one. WebGL emulated on the CPU (SwiftShader,
 * llvmpipe: no GPU, or a headless browser) is slower than wasm, so wasm goes first there.
 * Returns the backend in use and why (Portuguese).
 */
export async function chooseBackend(wanted?: string | null): Promise<{ name: string; why: string }> {
  const renderer = wanted ? null : webglRenderer();
  const software = renderer?.match(/swiftshader|llvmpipe|software|basic render/i)?.[0] ?? null;
  const order = wanted ? [wanted] : renderer === null || software !== null ? ['wasm', 'webgl', 'cpu'] : ['webgl', 'wasm', 'cpu'];
  const why = wanted ? 'pedido na página' : renderer === null ? 'sem WebGL neste navegador'
    : software !== null ? `o WebGL daqui é emulado na CPU (${software}), mais lento que o wasm` : 'GPU disponível';
  for (const name of order) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return { name: tf.getBackend(), why: tf.getBackend() === order[0] ? why : `${order[0]} não iniciou` };
      }
    } catch {
      // this backend cannot start here: try the next
    }
  }
  throw new Error(`nenhum backend do TensorFlow.js funcionou (${order.join(', ')})`);
}

function base64Bytes(b64: string): ArrayBuffer {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes.buffer;
}

/** Stock `tf.loadLayersModel`: over http for a URL, from memory for an inlined model. */
export function loadModel(source: ModelSource): Promise<tfl.LayersModel> {
  if ('url' in source) return tfl.loadLayersModel(source.url);
  return tfl.loadLayersModel(tf.io.fromMemory({
    modelTopology: source.modelTopology,
    weightSpecs: source.weightSpecs as tf.io.WeightsManifestEntry[],
    weightData: base64Bytes(source.weightsBase64),
  }));
}

/** The two halves with their sizes, and the maths the page needs from them. */
export class Models {
  constructor(readonly encoder: tfl.LayersModel, readonly decoder: tfl.LayersModel, readonly zDim: number) {}

  /** x̂ = decoder(z) for each row of `zs`: one Float32Array of rows × 28 × 28 values in [0, 1]. */
  async decode(zs: number[][]): Promise<Float32Array> {
    const out = tf.tidy(() => this.decoder.predict(tf.tensor2d(zs, [zs.length, this.zDim])) as tf.Tensor);
    try {
      return (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  }

  /** [mu, log_var] of one 28×28 image (the AE gives z, and log_var is null). */
  async encode(pixels: Float32Array): Promise<{ mu: number[]; logVar: number[] | null }> {
    const outs = tf.tidy(() => {
      const o = this.encoder.predict(tf.tensor4d(pixels, [1, 28, 28, 1]));
      return Array.isArray(o) ? o : [o];
    });
    try {
      const [mu, logVar] = await Promise.all(outs.map((t) => t.data()));
      return { mu: Array.from(mu), logVar: logVar ? Array.from(logVar) : null };
    } finally {
      tf.dispose(outs);
    }
  }
}

export const tfjsVersion = tf.version_core;

/** Tensors alive in the page (the tests check that decoding leaks none). */
export function tensorCount(): number {
  return tf.memory().numTensors;
}
