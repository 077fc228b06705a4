/** Loading from the cache folder (no network): checksums, cache resolution, limits, the tables. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError, DataError } from '../src/errors';
import {
  DATASETS,
  findProjectRoot,
  fileList,
  loadDatasetArrays,
  pixelsToFloat32,
  resolveDataDir,
} from '../src/data';
import { encodeIdx } from '../src/data/idx';
import { makeSyntheticDataset, syntheticLabels, syntheticPixels } from '../src/data/synthetic';

/** A fresh temporary folder, removed when the process exits. */
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'vae-data-cache-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes the synthetic files into `dir` (gzip, or uncompressed names when `raw`). */
function seed(dir: string, files: Map<string, Uint8Array>, raw = false): void {
  for (const [name, bytes] of files) writeFileSync(path.join(dir, raw ? name.replace(/\.gz$/, '') : name), bytes);
}

test('loads a synthetic data set from the cache folder, with no network', async () => {
  const { spec, gz } = makeSyntheticDataset({ train: 12, test: 5 });
  const dir = tempDir();
  seed(dir, gz);
  const a = await loadDatasetArrays(spec, { dataDir: dir, download: false, quiet: true });
  assert.equal(a.train.count, 12);
  assert.equal(a.test.count, 5);
  assert.equal(a.train.images.length, 12 * 784);
  assert.deepEqual(Buffer.from(a.train.images), Buffer.from(syntheticPixels(12, 28, 28)));
  assert.deepEqual([...a.train.labels], [...syntheticLabels(12)]);
  assert.deepEqual(a.sources, fileList(spec).map((f) => path.join(dir, f.name)));
});

test('accepts uncompressed files (names without .gz)', async () => {
  const { spec, raw } = makeSyntheticDataset();
  const dir = tempDir();
  seed(dir, raw, true);
  const a = await loadDatasetArrays(spec, { dataDir: dir, download: false, quiet: true });
  assert.equal(a.train.count, 12);
  assert.ok(a.sources.every((s) => !s.endsWith('.gz')));
});

test('limit keeps the first N images; invalid limits are ConfigErrors', async () => {
  const { spec, gz } = makeSyntheticDataset();
  const dir = tempDir();
  seed(dir, gz);
  const a = await loadDatasetArrays(spec, { dataDir: dir, download: false, limit: { train: 3, test: 0 } });
  assert.equal(a.train.count, 3);
  assert.equal(a.train.images.length, 3 * 784);
  assert.deepEqual([...a.train.labels], [...syntheticLabels(3)]);
  assert.equal(a.test.count, 0);
  await assert.rejects(loadDatasetArrays(spec, { dataDir: dir, download: false, limit: { train: 13 } }), ConfigError);
  await assert.rejects(loadDatasetArrays(spec, { dataDir: dir, download: false, limit: { test: 1.5 } }), /limit\.test = 1\.5/);
});

test('a cached file with the wrong sha256 is rejected, naming the file and telling to delete it', async () => {
  const { spec, gz } = makeSyntheticDataset();
  const other = makeSyntheticDataset({ seed: 1 });
  const dir = tempDir();
  seed(dir, gz);
  const name = 'train-images-idx3-ubyte.gz';
  writeFileSync(path.join(dir, name), other.gz.get(name)!);
  await assert.rejects(loadDatasetArrays(spec, { dataDir: dir, download: false }), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.equal(err.file, path.join(dir, name));
    assert.match(err.message, new RegExp(`${name}: sha256 do conteúdo descomprimido é [0-9a-f]{64}, esperado ${spec.files.trainImages.sha256}`));
    assert.match(err.message, /apague .*train-images-idx3-ubyte\.gz/);
    return true;
  });
});

test('a cached labels file with the wrong count is rejected', async () => {
  const { spec, gz } = makeSyntheticDataset();
  const dir = tempDir();
  seed(dir, gz);
  writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), encodeIdx([4], syntheticLabels(4)));
  rmSync(path.join(dir, 't10k-labels-idx1-ubyte.gz'));
  await assert.rejects(loadDatasetArrays(spec, { dataDir: dir, download: false }), /t10k-labels-idx1-ubyte: 4 rótulos, mas .*t10k-images-idx3-ubyte\.gz tem 5 imagens/);
});

test('cached 32x32 images are rejected with the size in the message', async () => {
  const { spec, gz } = makeSyntheticDataset();
  const dir = tempDir();
  seed(dir, gz);
  rmSync(path.join(dir, 'train-images-idx3-ubyte.gz'));
  writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), encodeIdx([12, 32, 32], syntheticPixels(12, 32, 32)));
  await assert.rejects(loadDatasetArrays(spec, { dataDir: dir, download: false }), /train-images-idx3-ubyte: imagens de 32x32 pixels, esperado 28x28/);
});

test('a truncated cached file is rejected and never replaced silently', async () => {
  const { spec, gz } = makeSyntheticDataset();
  const dir = tempDir();
  seed(dir, gz);
  const file = path.join(dir, 't10k-images-idx3-ubyte.gz');
  const cut = gz.get('t10k-images-idx3-ubyte.gz')!.subarray(0, 100);
  writeFileSync(file, cut);
  await assert.rejects(loadDatasetArrays(spec, { dataDir: dir, mirrors: ['http://127.0.0.1:9/'], quiet: true }), /t10k-images-idx3-ubyte\.gz: arquivo gzip truncado/);
  assert.deepEqual(readFileSync(file), Buffer.from(cut));
});

test('download: false with missing files says which files go in which folder', async () => {
  const { spec, gz } = makeSyntheticDataset();
  const dir = tempDir();
  writeFileSync(path.join(dir, 'train-labels-idx1-ubyte.gz'), gz.get('train-labels-idx1-ubyte.gz')!);
  const withMirror = { ...spec, mirrors: ['https://exemplo.invalid/dados/'] };
  await assert.rejects(loadDatasetArrays(withMirror, { dataDir: dir, download: false }), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.match(err.message, /download está desativado/);
    assert.ok(err.message.includes(`Coloque estes arquivos na pasta ${dir}${path.sep}`), err.message);
    for (const f of ['train-images-idx3-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
      assert.ok(err.message.includes(`  - ${f}`), `falta ${f} na mensagem`);
      assert.ok(err.message.includes(`https://exemplo.invalid/dados/${f}`), `falta a URL de ${f}`);
    }
    assert.ok(!err.message.includes('  - train-labels-idx1-ubyte.gz'), 'o arquivo presente não deve ser listado');
    return true;
  });
  assert.deepEqual(readdirSync(dir), ['train-labels-idx1-ubyte.gz']);
});

test('cache folder: dataDir, then $VAE_DATA_DIR/<name>, then <project root>/data/<name>', () => {
  const saved = process.env.VAE_DATA_DIR;
  try {
    delete process.env.VAE_DATA_DIR;
    const root = findProjectRoot();
    assert.ok(root, 'a raiz do projeto (package.json "vae-didatico") deve ser encontrada a partir de dist/src/data');
    assert.equal(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).name, 'vae-didatico');
    assert.equal(resolveDataDir(DATASETS.mnist), path.join(root, 'data', 'mnist'));
    assert.equal(resolveDataDir(DATASETS['fashion-mnist']), path.join(root, 'data', 'fashion-mnist'));
    process.env.VAE_DATA_DIR = '/tmp/dados-vae';
    assert.equal(resolveDataDir(DATASETS.mnist), path.join('/tmp/dados-vae', 'mnist'));
    assert.equal(resolveDataDir(DATASETS.mnist, { dataDir: 'relativo/x' }), path.resolve('relativo/x'));
  } finally {
    if (saved === undefined) delete process.env.VAE_DATA_DIR;
    else process.env.VAE_DATA_DIR = saved;
  }
});

test('DATASETS table: four files each, sizes, sha256, mirrors, Debian folder for Fashion-MNIST', () => {
  for (const spec of Object.values(DATASETS)) {
    const files = fileList(spec);
    assert.deepEqual(files.map((f) => f.name), ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']);
    assert.deepEqual(files.map((f) => f.size), [47040016, 60008, 7840016, 10008]);
    for (const f of files) assert.match(f.sha256, /^[0-9a-f]{64}$/);
    assert.ok(spec.mirrors.length >= 2 && spec.mirrors.every((m) => /^https?:\/\/.+\/$/.test(m)));
    assert.equal(spec.classNames.length, 10);
  }
  assert.deepEqual(DATASETS['fashion-mnist'].systemDirs, ['/usr/share/datasets/fashion-mnist']);
});

test('the data module never names the shared seeding folder', () => {
  const dir = path.join(__dirname, '..', 'src', 'data');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    assert.ok(!/\/work\/shared|\.\.\/shared/.test(text), `${file} cita a pasta compartilhada`);
  }
});

test('pixelsToFloat32 gives v/255 in float32 for every byte value', () => {
  const all = Uint8Array.from({ length: 256 }, (_, v) => v);
  const f = pixelsToFloat32(all);
  assert.ok(f instanceof Float32Array);
  for (let v = 0; v < 256; v++) assert.equal(f[v], Math.fround(v / 255));
  assert.equal(f[0], 0);
  assert.equal(f[255], 1);
});
