/**
 * The real data sets, read from disk only (never downloaded here). These tests FAIL, with
 * instructions, when the files are missing: they are never skipped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DATASETS, DatasetSpec, fileList, loadFashionMnist, loadFashionMnistArrays, loadMnist, resolveDataDir } from '../src/data';
import { tf } from '../src/backend';

/** The files of `spec` missing from `dir` (either name, with or without .gz, is accepted). */
function missingFiles(spec: DatasetSpec, dir: string): string[] {
  return fileList(spec)
    .map((f) => f.name)
    .filter((name) => !existsSync(path.join(dir, name)) && !existsSync(path.join(dir, name.replace(/\.gz$/, ''))));
}

/** Min and max of a tensor, as numbers. */
async function range(t: tf.Tensor): Promise<[number, number]> {
  const [min, max] = await Promise.all([t.min().data(), t.max().data()]);
  return [min[0], max[0]];
}

test('real MNIST from the project cache: shapes, range, first labels', async () => {
  const dir = resolveDataDir(DATASETS.mnist);
  const missing = missingFiles(DATASETS.mnist, dir);
  if (missing.length) {
    assert.fail(
      `MNIST real ausente em ${dir} (faltam: ${missing.join(', ')}). Para semear o cache, copie os quatro ` +
        `arquivos .gz do MNIST para essa pasta (ou defina VAE_DATA_DIR=<pasta> com eles em <pasta>/mnist/), ` +
        `ou, com internet, rode uma vez: node -e "require('./dist/src/data').loadMnist()"`,
    );
  }
  const started = performance.now();
  const ds = await loadMnist({ download: false, quiet: true });
  const seconds = (performance.now() - started) / 1000;
  try {
    assert.deepEqual(ds.xTrain.shape, [60000, 28, 28, 1]);
    assert.deepEqual(ds.xTest.shape, [10000, 28, 28, 1]);
    assert.deepEqual(ds.yTrain.shape, [60000]);
    assert.deepEqual(ds.yTest.shape, [10000]);
    assert.equal(ds.xTrain.dtype, 'float32');
    assert.equal(ds.yTrain.dtype, 'int32');
    assert.deepEqual(await range(ds.xTrain), [0, 1]);
    assert.deepEqual(await range(ds.xTest), [0, 1]);
    assert.deepEqual(await range(ds.yTest), [0, 9]);
    assert.deepEqual([...(await ds.yTrain.slice(0, 10).data())], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  } finally {
    for (const t of Object.values(ds)) t.dispose();
  }
  console.log(`MNIST real carregado em ${seconds.toFixed(2)} s (com a inicialização do backend)`);
});

test('real Fashion-MNIST from Debian\'s folder', async () => {
  const debian = DATASETS['fashion-mnist'].systemDirs[0];
  const missing = missingFiles(DATASETS['fashion-mnist'], debian);
  if (missing.length) {
    assert.fail(`Fashion-MNIST ausente em ${debian} (faltam: ${missing.join(', ')}). Instale com: sudo apt-get install dataset-fashion-mnist`);
  }
  // An empty cache folder, so the files must come from Debian's folder.
  const empty = mkdtempSync(path.join(tmpdir(), 'vae-fashion-'));
  try {
    const a = await loadFashionMnistArrays({ dataDir: empty, download: false, quiet: true });
    assert.ok(a.sources.every((s) => s.startsWith(debian + path.sep)), `lidos de: ${a.sources}`);
    assert.equal(a.train.count, 60000);
    assert.equal(a.test.count, 10000);
    assert.equal(a.train.images.length, 60000 * 784);
    assert.deepEqual([...a.train.labels.subarray(0, 10)], [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    const ds = await loadFashionMnist({ dataDir: empty, download: false, quiet: true, limit: { train: 1000, test: 100 } });
    try {
      assert.deepEqual(ds.xTrain.shape, [1000, 28, 28, 1]);
      assert.deepEqual(ds.xTest.shape, [100, 28, 28, 1]);
      const [min, max] = await range(ds.xTrain);
      assert.ok(min === 0 && max === 1, `intervalo [${min}, ${max}]`);
    } finally {
      for (const t of Object.values(ds)) t.dispose();
    }
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
