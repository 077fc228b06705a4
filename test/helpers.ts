/** Shared test fixtures: a tiny model configuration, temporary folders, a backend for tests. */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';
import { initBackend, type AutoencoderOptions, type BackendInfo } from '../src';

/** An 8x8 model with the same structure as the book's (conv stride 1 and 2, convT 2 and 1). */
export const TINY_OPTIONS: AutoencoderOptions = {
  inputDim: [8, 8, 1],
  encoderConvFilters: [4, 4],
  encoderConvKernelSize: [3, 3],
  encoderConvStrides: [1, 2],
  decoderConvTFilters: [4, 1],
  decoderConvTKernelSize: [3, 3],
  decoderConvTStrides: [2, 1],
  zDim: 2,
  seed: 7,
};

/** A fresh temporary folder, removed when the test file ends. */
export function tempDir(prefix = 'vae-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Deterministic images in [0, 1] for the tiny model. */
export function tinyImages(n: number, seed = 3): tf.Tensor4D {
  return tf.randomUniform([n, 8, 8, 1], 0, 1, 'float32', seed) as tf.Tensor4D;
}

/** The backend tests run on: VAE_BACKEND if set, else the default choice. */
export function testBackend(): Promise<BackendInfo> {
  return initBackend({ quiet: true });
}
