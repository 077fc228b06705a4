/** The download path against a loopback HTTP server serving small synthetic IDX files. */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DataError } from '../src/errors';
import { DownloadFailedError, downloadFile, fileList, loadDataset, loadDatasetArrays } from '../src/data';
import { writeFileExclusive } from '../src/io/files';
import { makeSyntheticDataset, syntheticLabels } from '../src/data/synthetic';

const good = makeSyntheticDataset({ train: 12, test: 5 });
const wrong = makeSyntheticDataset({ train: 12, test: 5, seed: 7 }); // valid IDX, other checksums
const spec = good.spec;
const requests: string[] = [];
const endlessBytes = { sent: 0, closed: false };
let server: Server;
let base = '';

/**
 * Routes: /missing/ → 404; /good/ → the synthetic files; /wrong/ → valid IDX with other content;
 * /cut/ → announces the full length but closes the connection halfway; /raw/ → uncompressed bytes;
 * /hang/ → never answers.
 */
function handle(url: string, res: import('node:http').ServerResponse): void {
  const [, route, file] = url.split('/');
  const serve = (bytes: Uint8Array | undefined) => {
    if (!bytes) return void res.writeHead(404).end('não encontrado');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
    res.end(bytes);
  };
  if (route === 'good') return serve(good.gz.get(file));
  if (route === 'wrong') return serve(wrong.gz.get(file));
  if (route === 'raw') return serve(good.raw.get(file));
  if (route === 'cut') {
    const bytes = good.gz.get(file)!;
    res.writeHead(200, { 'content-length': bytes.length });
    res.write(bytes.subarray(0, bytes.length >> 1), () => res.destroy());
    return;
  }
  if (route === 'hang') return; // never answers
  if (route === 'endless') {
    // A body without end (no content-length), bounded here to 64 MiB so the test always stops.
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(1 << 16, 7);
    let sent = 0;
    const pump = () => {
      while (sent < 64 << 20 && !res.destroyed) {
        sent += chunk.length;
        endlessBytes.sent = sent;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('close', () => (endlessBytes.closed = true));
    return pump();
  }
  if (route === 'huge') {
    res.writeHead(200, { 'content-length': String(10 ** 12) });
    return void res.write(Buffer.alloc(1024), () => res.destroy());
  }
  res.writeHead(404).end('não encontrado');
}

before(async () => {
  server = createServer((req, res) => {
    requests.push(req.url!);
    handle(req.url!, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

/** A fresh temporary folder, removed when the process exits. */
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'vae-data-dl-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The mirror base URL of a route of the loopback server. */
const mirror = (route: string) => `${base}/${route}/`;

test('first mirror 404, second works: files downloaded, verified and cached', async () => {
  const dir = tempDir();
  requests.length = 0;
  const a = await loadDatasetArrays(spec, { dataDir: dir, mirrors: [mirror('missing'), mirror('good')], quiet: false });
  assert.equal(a.train.count, 12);
  assert.deepEqual([...a.train.labels], [...syntheticLabels(12)]);
  for (const f of fileList(spec)) {
    assert.ok(requests.includes(`/missing/${f.name}`) && requests.includes(`/good/${f.name}`), `pedidos: ${requests}`);
    assert.deepEqual(readFileSync(path.join(dir, f.name)), Buffer.from(good.gz.get(f.name)!));
  }
  assert.deepEqual(readdirSync(dir).sort(), fileList(spec).map((f) => f.name).sort(), 'nenhum arquivo temporário deve sobrar');

  requests.length = 0;
  await loadDatasetArrays(spec, { dataDir: dir, mirrors: [mirror('good')], quiet: true });
  assert.deepEqual(requests, [], 'arquivos já no cache não são baixados de novo');
});

test('wrong checksum is rejected and nothing is written', async () => {
  const dir = tempDir();
  await assert.rejects(loadDatasetArrays(spec, { dataDir: dir, mirrors: [mirror('wrong')], quiet: true }), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.match(err.message, /servidor enviou conteúdo inválido/);
    assert.match(err.message, new RegExp(`/wrong/train-images-idx3-ubyte\\.gz: sha256 do conteúdo descomprimido é [0-9a-f]{64}, esperado ${spec.files.trainImages.sha256}`));
    return true;
  });
  assert.deepEqual(readdirSync(dir), [], 'nem o arquivo final nem o temporário podem ficar');
});

test('wrong checksum on the first mirror, good on the second: the good file is kept', async () => {
  const dir = tempDir();
  const a = await loadDatasetArrays(spec, { dataDir: dir, mirrors: [mirror('wrong'), mirror('good')], quiet: true });
  assert.equal(a.test.count, 5);
  for (const f of fileList(spec)) assert.deepEqual(readFileSync(path.join(dir, f.name)), Buffer.from(good.gz.get(f.name)!));
});

test('an interrupted transfer leaves no partial file at the final name (nor a temporary)', async () => {
  const dir = tempDir();
  await assert.rejects(loadDatasetArrays(spec, { dataDir: dir, mirrors: [mirror('cut')], quiet: true }), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.match(err.message, /\/cut\/train-images-idx3-ubyte\.gz: download interrompido|resposta incompleta/);
    return true;
  });
  assert.deepEqual(readdirSync(dir), []);
});

test('offline: the error lists every file, the folder and where to get them', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/mnist/`;
  await new Promise((resolve) => closed.close(resolve));
  const dir = path.join(tempDir(), 'ainda-nao-existe');
  await assert.rejects(loadDatasetArrays(spec, { dataDir: dir, mirrors: [deadUrl], quiet: true }), (err: unknown) => {
    assert.ok(err instanceof DataError);
    const msg = err.message;
    assert.match(msg, /não foi possível baixar os arquivos \(sem acesso à internet/);
    assert.match(msg, /ECONNREFUSED/);
    assert.ok(msg.includes(`Coloque estes arquivos na pasta ${dir}${path.sep}`), msg);
    for (const f of fileList(spec)) {
      assert.ok(msg.includes(`  - ${f.name}`), `falta ${f.name}`);
      assert.ok(msg.includes(deadUrl + f.name), `falta a URL de ${f.name}`);
    }
    assert.match(msg, /VAE_DATA_DIR=<pasta> com os arquivos em <pasta>\/sintetico\//);
    return true;
  });
});

test('a server sending the content uncompressed: saved without .gz and loaded', async () => {
  const dir = tempDir();
  const a = await loadDatasetArrays(spec, { dataDir: dir, mirrors: [mirror('raw')], quiet: true });
  assert.equal(a.train.count, 12);
  assert.deepEqual(readdirSync(dir).sort(), fileList(spec).map((f) => f.name.replace(/\.gz$/, '')).sort());
});

test('a silent server is abandoned after the idle timeout and the next mirror is used', async () => {
  const dir = tempDir();
  const name = 'train-labels-idx1-ubyte.gz';
  let verified = 0;
  const written = await downloadFile(name, dir, {
    mirrors: [mirror('hang'), mirror('good')],
    quiet: true,
    idleTimeoutMs: 300,
    verify: async () => void verified++,
  });
  assert.equal(written, path.join(dir, name));
  assert.equal(verified, 1);
  await assert.rejects(
    downloadFile(name, tempDir(), { mirrors: [mirror('hang')], quiet: true, idleTimeoutMs: 200, verify: async () => {} }),
    (err: unknown) => err instanceof DownloadFailedError && /tempo esgotado/.test(err.attempts[0].reason),
  );
});

test('writeFileExclusive never overwrites an existing file', async () => {
  const dir = tempDir();
  const dest = path.join(dir, 'arquivo.gz');
  assert.equal(await writeFileExclusive(dest, Buffer.from('primeiro')), true);
  assert.equal(await writeFileExclusive(dest, Buffer.from('segundo')), false);
  assert.equal(readFileSync(dest, 'utf8'), 'primeiro');
  assert.deepEqual(readdirSync(dir), ['arquivo.gz']);
});

test('loadDataset from the loopback server gives tensors like load_mnist', async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'leia-me.txt'), 'outros arquivos na pasta não atrapalham');
  const ds = await loadDataset(spec, { dataDir: dir, mirrors: [mirror('good')], quiet: true });
  try {
    assert.deepEqual(ds.xTrain.shape, [12, 28, 28, 1]);
    assert.deepEqual(ds.xTest.shape, [5, 28, 28, 1]);
    assert.equal(ds.xTrain.dtype, 'float32');
    assert.equal(ds.yTrain.dtype, 'int32');
    const x = await ds.xTrain.data();
    assert.ok(x.every((v) => v >= 0 && v <= 1));
    assert.equal(x[1], Math.fround(7 / 255));
    assert.deepEqual([...(await ds.yTrain.data())], [...syntheticLabels(12)]);
  } finally {
    for (const t of Object.values(ds)) t.dispose();
  }
});

test('an endless body or an oversized Content-Length is cut at the expected size: memory stays bounded, the next mirror is used', async () => {
  const dir = tempDir();
  const name = fileList(spec)[0].name;
  const attemptsOf = async (route: string) => {
    await assert.rejects(
      downloadFile(name, dir, { mirrors: [mirror(route)], quiet: true, maxBytes: 100_000, verify: async () => undefined }),
      (err: Error) => err instanceof DownloadFailedError && /mais que os 0,1 MB esperados/.test(err.attempts[0].reason),
    );
  };
  await attemptsOf('endless');
  assert.ok(endlessBytes.sent < 16 << 20, `the client stopped reading early (server sent ${endlessBytes.sent} bytes)`);
  await attemptsOf('huge');
  assert.deepEqual(readdirSync(dir), [], 'nothing written');
  // Through the loader: the cap comes from the data set's sizes, and a good mirror after a bad one works.
  const a = await loadDatasetArrays(spec, { dataDir: dir, mirrors: [mirror('endless'), mirror('good')], quiet: true });
  assert.equal(a.train.count, 12);
});
