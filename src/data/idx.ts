/**
 * A strict reader for the IDX format of MNIST-like data sets (LeCun's format).
 *
 * Layout: 4-byte big-endian magic `0x0000TTDD` (TT = element type, DD = number of dimensions),
 * then one big-endian uint32 per dimension, then the elements in row-major order.
 * Only unsigned bytes (TT = 0x08) are supported: that is what MNIST and Fashion-MNIST use.
 * Every problem is a DataError in Portuguese naming the file, with expected vs actual values.
 */
import { gunzip as gunzipCallback, gunzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { DataError } from '../errors';

/** Magic number of an IDX file of unsigned-byte images (3 dimensions: count, rows, cols). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of an IDX file of unsigned-byte labels (1 dimension: count). */
export const IDX_LABELS_MAGIC = 0x00000801;
/** IDX element type byte for unsigned bytes. */
export const IDX_UBYTE = 0x08;

/** What an IDX file is expected to hold: images (3 dims) or labels (1 dim). */
export type IdxKind = 'images' | 'labels';

/** A parsed IDX file: its dimensions and its elements (a view into the decompressed bytes). */
export interface IdxArray {
  /** Sizes of each dimension, e.g. [60000, 28, 28] for images or [60000] for labels. */
  dims: number[];
  /** The elements, row-major, one byte each. */
  data: Uint8Array;
}

/** Options for `parseIdx`. */
export interface ParseIdxOptions {
  /** Require this kind (checks the magic number); default: any unsigned-byte IDX file. */
  kind?: IdxKind;
  /** Largest decompressed size accepted, in bytes (protects against huge or wrong files). */
  maxBytes?: number;
}

const gunzipAsync = promisify(gunzipCallback);

/** Formats a number as 0x followed by 8 hex digits. */
export function hex32(value: number): string {
  return '0x' + (value >>> 0).toString(16).padStart(8, '0');
}

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The expected magic number and its Portuguese description for a kind. */
function expectedMagic(kind: IdxKind): { magic: number; what: string } {
  return kind === 'images'
    ? { magic: IDX_IMAGES_MAGIC, what: 'imagens IDX' }
    : { magic: IDX_LABELS_MAGIC, what: 'rótulos IDX' };
}

/** Turns a zlib failure into a DataError that names the file. */
function gzipError(err: unknown, file: string, maxBytes?: number): DataError {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger/i.test(String(e?.message))) {
    return new DataError(`${file}: conteúdo descomprimido maior que ${maxBytes} bytes, o máximo esperado.`, file, { cause: err });
  }
  const detail = e?.message ?? String(err);
  const truncated = /unexpected end of file/i.test(detail);
  return new DataError(
    `${file}: arquivo gzip ${truncated ? 'truncado (terminou antes do fim dos dados comprimidos)' : 'corrompido'} (${detail}).`,
    file,
    { cause: err },
  );
}

/** Decompresses gzip bytes synchronously; raw (non-gzip) bytes are returned unchanged. */
export function decompressSync(bytes: Uint8Array, file: string, maxBytes?: number): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes, maxBytes ? { maxOutputLength: maxBytes } : {});
  } catch (err) {
    throw gzipError(err, file, maxBytes);
  }
}

/** Decompresses gzip bytes on libuv's thread pool; raw (non-gzip) bytes are returned unchanged. */
export async function decompress(bytes: Uint8Array, file: string, maxBytes?: number): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    return await gunzipAsync(bytes, maxBytes ? { maxOutputLength: maxBytes } : {});
  } catch (err) {
    throw gzipError(err, file, maxBytes);
  }
}

/** Checks the 4-byte magic number and returns the number of dimensions it announces. */
function checkMagic(view: DataView, file: string, kind?: IdxKind): number {
  const magic = view.getUint32(0, false);
  if (kind) {
    const { magic: want, what } = expectedMagic(kind);
    if (magic !== want) throw new DataError(`${file}: número mágico ${hex32(magic)}, esperado ${hex32(want)} (${what}).`, file);
  }
  if (magic >>> 16 !== 0) {
    throw new DataError(`${file}: número mágico ${hex32(magic)} não é de um arquivo IDX (os dois primeiros bytes deveriam ser 0).`, file);
  }
  const type = (magic >>> 8) & 0xff;
  if (type !== IDX_UBYTE) {
    throw new DataError(`${file}: tipo de dado 0x${type.toString(16).padStart(2, '0')} no número mágico ${hex32(magic)}, esperado 0x08 (unsigned byte).`, file);
  }
  const ndims = magic & 0xff;
  if (ndims < 1) throw new DataError(`${file}: número mágico ${hex32(magic)} declara 0 dimensões.`, file);
  return ndims;
}

/**
 * Parses an IDX file (gzip or raw bytes). Checks the magic number, the header, and that the
 * byte length is exactly header + product of dimensions (no truncation, no trailing bytes).
 * Image size (e.g. 28x28) is the caller's check: see `checkImageSize`.
 */
export function parseIdx(buffer: Uint8Array, file: string, options: ParseIdxOptions = {}): IdxArray {
  const bytes = decompressSync(buffer, file, options.maxBytes);
  if (bytes.length < 4) {
    throw new DataError(`${file}: arquivo truncado: ${bytes.length} bytes, menor que o cabeçalho IDX (4 bytes do número mágico).`, file);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ndims = checkMagic(view, file, options.kind);
  const wantDims = options.kind === 'images' ? 3 : options.kind === 'labels' ? 1 : ndims;
  if (ndims !== wantDims) {
    throw new DataError(`${file}: ${ndims} dimensões, esperado ${wantDims} (${expectedMagic(options.kind!).what}).`, file);
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DataError(`${file}: arquivo truncado: ${bytes.length} bytes, menor que o cabeçalho IDX de ${headerBytes} bytes.`, file);
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count;
  if (bytes.length < expected) {
    throw new DataError(
      `${file}: arquivo truncado: ${bytes.length} bytes, esperado ${expected} (cabeçalho de ${headerBytes} + ${dims.join('x')} elementos).`,
      file,
    );
  }
  if (bytes.length > expected) {
    throw new DataError(
      `${file}: ${bytes.length - expected} bytes sobrando no fim: ${bytes.length} bytes, esperado ${expected} (cabeçalho de ${headerBytes} + ${dims.join('x')} elementos).`,
      file,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Throws a DataError unless the images are `rows`x`cols` (dims = [count, rows, cols]). */
export function checkImageSize(images: IdxArray, file: string, rows: number, cols: number): void {
  const [, r, c] = images.dims;
  if (r !== rows || c !== cols) {
    throw new DataError(`${file}: imagens de ${r}x${c} pixels, esperado ${rows}x${cols}.`, file);
  }
}

/** Throws a DataError unless there are as many labels as images. */
export function checkCountsAgree(images: IdxArray, imagesFile: string, labels: IdxArray, labelsFile: string): void {
  if (images.dims[0] !== labels.dims[0]) {
    throw new DataError(
      `${labelsFile}: ${labels.dims[0]} rótulos, mas ${imagesFile} tem ${images.dims[0]} imagens (deveriam ser iguais).`,
      labelsFile,
    );
  }
}

/** Builds the bytes of an uncompressed unsigned-byte IDX file (used by tests and tools). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`encodeIdx: ${data.length} elementos para dimensões ${dims.join('x')}`);
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, (IDX_UBYTE << 8) | dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
