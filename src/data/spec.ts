/**
 * What a data set is made of: its four IDX files, their checksums, where to download them.
 * The real tables (MNIST, Fashion-MNIST) are in datasets.ts; tests build small synthetic ones.
 */
import type { IdxKind } from './idx';

/** One file of a data set, as published (usually gzip-compressed). */
export interface FileSpec {
  /** File name on the mirrors and in the cache, e.g. "train-images-idx3-ubyte.gz". */
  name: string;
  /** What the file holds: images (IDX magic 0x00000803) or labels (0x00000801). */
  kind: IdxKind;
  /** Size in bytes of the DECOMPRESSED content (header included). */
  size: number;
  /** sha256 (lowercase hex) of the DECOMPRESSED content, so any gzip wrapper is accepted. */
  sha256: string;
}

/** The four files of an MNIST-like data set. */
export interface DatasetFiles {
  /** Training images, e.g. 60000x28x28. */
  trainImages: FileSpec;
  /** Training labels, one byte per image. */
  trainLabels: FileSpec;
  /** Test images, e.g. 10000x28x28. */
  testImages: FileSpec;
  /** Test labels, one byte per image. */
  testLabels: FileSpec;
}

/** Everything the loader needs to find, download and check a data set. */
export interface DatasetSpec {
  /** Short name, also the cache subfolder: "mnist", "fashion-mnist". */
  name: string;
  /** Name shown to people, in Portuguese. */
  displayName: string;
  /** The four files with their checksums. */
  files: DatasetFiles;
  /** Image height in pixels. */
  rows: number;
  /** Image width in pixels. */
  cols: number;
  /** Base URLs (ending in "/") tried in order; the file name is appended. */
  mirrors: string[];
  /** Read-only folders searched after the cache and before downloading (e.g. a Debian package's). */
  systemDirs: string[];
  /** Names of the classes 0..9, in Portuguese. */
  classNames: string[];
  /** Where the data set comes from (home page), shown in error messages. */
  homepage?: string;
  /** Extra hint for error messages, e.g. a system package that provides the files. */
  installHint?: string;
}

/** The files of a data set as a list, in a fixed order (train images, train labels, test images, test labels). */
export function fileList(spec: DatasetSpec): FileSpec[] {
  const f = spec.files;
  return [f.trainImages, f.trainLabels, f.testImages, f.testLabels];
}
