/**
 * The tslab bridge: a figure is one output holding the vega-lite spec, the PNG and a text line when
 * tslab's kernel channel is there; with a tslab that lacks it, the public `display` still shows the PNG.
 * Both tslab modules are stand-ins placed in the module cache, as the kernel would load them.
 */
import assert from 'node:assert/strict';
import Module from 'node:module';
import * as path from 'node:path';
import { afterEach, test } from 'node:test';
import { UpdatableDisplay, displayBundle, inNotebook } from '../src/notebook';
import { NOTEBOOK_SCALE, VEGALITE_MIME } from '../src/plots/show';
import { latentScatter } from '../src';

const fakeRoot = path.join(path.sep, 'fake-kernel', 'node_modules', 'tslab', 'dist');
const installed: string[] = [];

/** Puts `exports` in the module cache under tslab's file name `name`. */
function fakeModule(name: string, exports: object): void {
  const file = path.join(fakeRoot, name);
  const mod = new Module(file);
  mod.filename = file;
  mod.loaded = true;
  mod.exports = exports;
  require.cache[file] = mod;
  installed.push(file);
}

afterEach(() => {
  for (const f of installed.splice(0)) delete require.cache[f];
});

type Call = { kind: string; value: unknown; display: number };
function fakePublicTslab(calls: Call[]) {
  let displays = 0;
  const make = (id: number) => ({
    html: (s: string) => calls.push({ kind: 'html', value: s, display: id }),
    png: (b: Uint8Array) => calls.push({ kind: 'png', value: Buffer.from(b), display: id }),
    markdown: (s: string) => calls.push({ kind: 'markdown', value: s, display: id }),
    svg: (s: string) => calls.push({ kind: 'svg', value: s, display: id }),
    text: (s: string) => calls.push({ kind: 'text', value: s, display: id }),
  });
  return { display: make(0), newDisplay: () => make(++displays) };
}

const figure = () => latentScatter([[0, 0], [1, 2], [-1, 0.5]], [1, 2, 3], { title: 'teste', width: 200, height: 150 });

test('outside a kernel nothing is shown', async () => {
  assert.equal(inNotebook(), false);
  assert.equal(displayBundle({ 'text/plain': 'x' }), false);
  assert.equal(new UpdatableDisplay().show({ 'text/plain': 'x' }), false);
});

test("tslab's kernel channel gets one output with the vega-lite spec, the PNG and the text", async () => {
  const messages: { data: Record<string, unknown>; update: boolean; id?: string }[] = [];
  fakeModule('jupyter.js', { lastWriteDisplayData: (msg: { data: Record<string, unknown>; transient: { display_id?: string } }, update: boolean) => messages.push({ data: msg.data, update, id: msg.transient.display_id }) });
  assert.equal(inNotebook(), true);
  await figure().show();
  assert.equal(messages.length, 1);
  assert.deepEqual(Object.keys(messages[0].data).sort(), [VEGALITE_MIME, 'image/png', 'text/plain'].sort());
  const live = new UpdatableDisplay();
  live.show({ 'text/plain': 'a' });
  live.show({ 'text/plain': 'b' });
  assert.deepEqual(messages.slice(1).map((m) => m.update), [false, true], 'the second show replaces the first');
  assert.equal(messages[1].id, messages[2].id);
});

test('a tslab without the kernel channel: the public display shows the PNG, and live outputs reuse one display', async () => {
  const calls: Call[] = [];
  fakeModule('public.js', fakePublicTslab(calls));
  assert.equal(inNotebook(), true);
  const fig = figure();
  await fig.show();
  assert.equal(calls.length, 1);
  assert.equal(calls[0].kind, 'png');
  assert.deepEqual(calls[0].value, await fig.toPNG(NOTEBOOK_SCALE), 'the same PNG the bundle carries');
  const live = new UpdatableDisplay();
  live.show({ 'text/html': '<b>1</b>', 'text/plain': '1' });
  live.show({ 'text/html': '<b>2</b>', 'text/plain': '2' });
  assert.deepEqual(calls.slice(1).map((c) => [c.kind, c.value, c.display]), [['html', '<b>1</b>', 1], ['html', '<b>2</b>', 1]]);
  assert.equal(displayBundle({ 'text/markdown': '**m**' }), true);
  assert.deepEqual(calls[3], { kind: 'markdown', value: '**m**', display: 0 });
});
