/**
 * Tiny synthetic MNIST-like data sets with their own checksum table, for tests and demos that
 * must not depend on the real files or the network. Not re-exported by the package index:
 * import it from "vae-didatico/dist/src/data/synthetic" (or relatively) when needed.
 */
import { gzipSync } from 'node:zlib';
import { encodeIdx } from './idx';
import { sha256Hex } from './datasets';
import { DatasetSpec, FileSpec } from './spec';

/** Sizes of a synthetic data set. */
export interface SyntheticOptions {
  /** Number of training images (default 12). */
  train?: number;
  /** Number of test images (default 5). */
  test?: number;
  /** Image height (default 28). */
  rows?: number;
  /** Image width (default 28). */
  cols?: number;
  /** Data set name, also its cache subfolder (default "sintetico"). */
  name?: string;
  /** Changes every pixel value, to get files with other checksums (default 0). */
  seed?: number;
}

/** A synthetic data set: its spec and the bytes of its four files, by published name. */
export interface SyntheticDataset {
  /** Spec with sha256 and sizes of the files below; no mirrors and no system folders. */
  spec: DatasetSpec;
  /** File name (".gz") → gzip bytes, as a mirror would serve them. */
  gz: Map<string, Uint8Array>;
  /** File name (".gz") → decompressed IDX bytes. */
  raw: Map<string, Uint8Array>;
}

/** Deterministic pixels: image i, pixel j → (i * 31 + j * 7 + seed) mod 256. */
export function syntheticPixels(count: number, rows: number, cols: number, seed = 0): Uint8Array {
  const perImage = rows * cols;
  const out = new Uint8Array(count * perImage);
  for (let i = 0; i < count; i++) for (let j = 0; j < perImage; j++) out[i * perImage + j] = (i * 31 + j * 7 + seed) & 0xff;
  return out;
}

/** Deterministic labels: image i → (i * 3 + seed) mod 10. */
export function syntheticLabels(count: number, seed = 0): Uint8Array {
  return Uint8Array.from({ length: count }, (_, i) => (i * 3 + seed) % 10);
}

/** Builds a small data set in memory with the standard file names and a matching spec. */
export function makeSyntheticDataset(options: SyntheticOptions = {}): SyntheticDataset {
  const { train = 12, test = 5, rows = 28, cols = 28, name = 'sintetico', seed = 0 } = options;
  const raw = new Map<string, Uint8Array>();
  const contents: [keyof DatasetSpec['files'], string, Uint8Array][] = [
    ['trainImages', 'train-images-idx3-ubyte.gz', encodeIdx([train, rows, cols], syntheticPixels(train, rows, cols, seed))],
    ['trainLabels', 'train-labels-idx1-ubyte.gz', encodeIdx([train], syntheticLabels(train, seed))],
    ['testImages', 't10k-images-idx3-ubyte.gz', encodeIdx([test, rows, cols], syntheticPixels(test, rows, cols, seed + 101))],
    ['testLabels', 't10k-labels-idx1-ubyte.gz', encodeIdx([test], syntheticLabels(test, seed + 1))],
  ];
  const files = {} as DatasetSpec['files'];
  for (const [key, file, bytes] of contents) {
    raw.set(file, bytes);
    const spec: FileSpec = { name: file, kind: key.endsWith('Images') ? 'images' : 'labels', size: bytes.length, sha256: sha256Hex(bytes) };
    files[key] = spec;
  }
  const gz = new Map([...raw].map(([file, bytes]) => [file, new Uint8Array(gzipSync(bytes))] as const));
  const spec: DatasetSpec = {
    name,
    displayName: `Conjunto sintético ${name}`,
    files,
    rows,
    cols,
    mirrors: [],
    systemDirs: [],
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  };
  return { spec, gz, raw };
}
