/** WorkerHandle: a worker's answers become promises; its failures become clear Portuguese errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { WorkerHandle } from '../src/threads/worker-handle';

type Out = { type: 'echo'; value: number } | { type: 'error'; message: string };
const spawn = (body: string) =>
  new WorkerHandle<{ type: string; value?: number }, Out>(
    new Worker(`const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => { ${body} });`, { eval: true }),
    'de teste',
  );

test('WorkerHandle resolves answers in turn and stops the thread', async () => {
  const h = spawn(`if (m.type === 'echo') parentPort.postMessage({ type: 'echo', value: m.value * 2 }); else parentPort.close();`);
  for (const v of [1, 5]) {
    const answer = h.reply();
    h.send({ type: 'echo', value: v });
    assert.deepEqual(await answer, { type: 'echo', value: 2 * v });
  }
  await h.stop({ type: 'exit' });
});

test('WorkerHandle turns an error answer, a crash and a non-zero exit into errors naming the thread', async () => {
  const answered = spawn(`parentPort.postMessage({ type: 'error', message: 'sem memória' });`);
  const a = answered.reply();
  answered.send({ type: 'go' });
  await assert.rejects(a, /^TrainingError: Erro numa thread de teste: sem memória$/);
  assert.throws(() => answered.send({ type: 'go' }), /thread de teste/, 'a failed thread refuses further work');
  await answered.stop({ type: 'exit' });

  const crashed = spawn(`throw new Error('bug');`);
  const c = crashed.reply();
  crashed.send({ type: 'go' });
  await assert.rejects(c, /Uma thread de teste falhou: bug/);
  await assert.rejects(crashed.reply(), /falhou/);
  await crashed.stop({ type: 'exit' });

  const exited = spawn(`process.exit(3);`);
  const e = exited.reply();
  exited.send({ type: 'go' });
  await assert.rejects(e, /Uma thread de teste terminou com código 3/);
});
