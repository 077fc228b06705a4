/** IDX reader: good files and every kind of broken file, built in memory. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { DataError } from '../src/errors';
import { checkCountsAgree, checkImageSize, encodeIdx, isGzip, parseIdx } from '../src/data/idx';

const IMAGES = 'train-images-idx3-ubyte.gz';
const LABELS = 'train-labels-idx1-ubyte.gz';

/** A valid images file: `n` images of rows x cols with pixel k = k mod 256. */
function imagesFile(n = 3, rows = 28, cols = 28): Uint8Array {
  return encodeIdx([n, rows, cols], Uint8Array.from({ length: n * rows * cols }, (_, k) => k & 0xff));
}

/** Asserts that `fn` throws a DataError about `file` whose message matches every pattern. */
function assertDataError(fn: () => unknown, file: string, ...patterns: RegExp[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DataError, `esperado DataError, veio ${String(err)}`);
    assert.equal(err.file, file);
    assert.ok(err.message.startsWith(file + ':'), `a mensagem deve começar pelo arquivo: ${err.message}`);
    for (const p of patterns) assert.match(err.message, p);
    return true;
  });
}

test('parseIdx reads a raw images file: dims and pixels', () => {
  const { dims, data } = parseIdx(imagesFile(), IMAGES, { kind: 'images' });
  assert.deepEqual(dims, [3, 28, 28]);
  assert.equal(data.length, 3 * 784);
  assert.equal(data[0], 0);
  assert.equal(data[300], 300 & 0xff);
});

test('parseIdx reads gzip input the same as raw input', () => {
  const raw = imagesFile(2);
  const gz = gzipSync(raw);
  assert.ok(isGzip(gz) && !isGzip(raw));
  const a = parseIdx(raw, IMAGES);
  const b = parseIdx(gz, IMAGES, { kind: 'images' });
  assert.deepEqual(b.dims, a.dims);
  assert.deepEqual(Buffer.from(b.data), Buffer.from(a.data));
});

test('parseIdx reads a labels file', () => {
  const { dims, data } = parseIdx(encodeIdx([4], Uint8Array.of(5, 0, 4, 1)), LABELS, { kind: 'labels' });
  assert.deepEqual(dims, [4]);
  assert.deepEqual([...data], [5, 0, 4, 1]);
});

test('wrong magic: a labels file where images are expected', () => {
  const labels = encodeIdx([4], Uint8Array.of(1, 2, 3, 4));
  assertDataError(() => parseIdx(labels, IMAGES, { kind: 'images' }), IMAGES, /número mágico 0x00000801, esperado 0x00000803 \(imagens IDX\)/);
  assertDataError(() => parseIdx(imagesFile(1), LABELS, { kind: 'labels' }), LABELS, /0x00000803, esperado 0x00000801 \(rótulos IDX\)/);
});

test('wrong magic: not IDX at all, or a non-byte element type', () => {
  const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0);
  assertDataError(() => parseIdx(png, IMAGES), IMAGES, /0x89504e47/, /não é de um arquivo IDX/);
  const floats = imagesFile(1);
  floats[2] = 0x0d; // float32 element type
  assertDataError(() => parseIdx(floats, IMAGES), IMAGES, /tipo de dado 0x0d/, /esperado 0x08/);
});

test('truncated: shorter than the magic, than the header, than the data', () => {
  assertDataError(() => parseIdx(Uint8Array.of(0, 0), IMAGES), IMAGES, /truncado: 2 bytes/);
  assertDataError(() => parseIdx(imagesFile(1).subarray(0, 10), IMAGES, { kind: 'images' }), IMAGES, /truncado: 10 bytes, menor que o cabeçalho IDX de 16 bytes/);
  const file = imagesFile(3);
  assertDataError(() => parseIdx(file.subarray(0, file.length - 1), IMAGES), IMAGES, /truncado: 2367 bytes, esperado 2368/, /3x28x28/);
});

test('trailing bytes after the data are rejected', () => {
  const file = imagesFile(1);
  const longer = new Uint8Array(file.length + 5);
  longer.set(file);
  assertDataError(() => parseIdx(longer, IMAGES), IMAGES, /5 bytes sobrando no fim/, /esperado 800/);
  assertDataError(() => parseIdx(gzipSync(longer), IMAGES), IMAGES, /5 bytes sobrando/);
});

test('corrupt and truncated gzip are DataErrors naming the file', () => {
  const gz = gzipSync(imagesFile(3));
  const corrupt = Uint8Array.from(gz);
  corrupt[Math.floor(corrupt.length / 2)] ^= 0xff;
  corrupt[corrupt.length - 6] ^= 0xff; // also break the CRC so the damage cannot go unnoticed
  assertDataError(() => parseIdx(corrupt, IMAGES), IMAGES, /gzip corrompido/);
  assertDataError(() => parseIdx(gz.subarray(0, gz.length - 20), IMAGES), IMAGES, /gzip truncado/);
});

test('maxBytes bounds the decompressed size', () => {
  const gz = gzipSync(imagesFile(3));
  assertDataError(() => parseIdx(gz, IMAGES, { maxBytes: 1000 }), IMAGES, /maior que 1000 bytes/);
});

test('image/label count mismatch names both files', () => {
  const images = parseIdx(imagesFile(3), IMAGES);
  const labels = parseIdx(encodeIdx([2], Uint8Array.of(1, 2)), LABELS);
  assertDataError(() => checkCountsAgree(images, IMAGES, labels, LABELS), LABELS, /2 rótulos/, /train-images-idx3-ubyte\.gz tem 3 imagens/);
});

test('wrong image size (32x32 instead of 28x28)', () => {
  const images = parseIdx(imagesFile(2, 32, 32), IMAGES, { kind: 'images' });
  assertDataError(() => checkImageSize(images, IMAGES, 28, 28), IMAGES, /imagens de 32x32 pixels, esperado 28x28/);
  assert.doesNotThrow(() => checkImageSize(parseIdx(imagesFile(1), IMAGES), IMAGES, 28, 28));
});
