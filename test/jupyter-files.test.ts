/** How the project writes executed notebooks: prompts numbered In [1], In [2]…, JSON payloads on one line. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compactNotebookJson, numberExecutedCells } from '../src/jupyter';

test('numberExecutedCells: code cells in order, empty ones skipped, markdown untouched', () => {
  const nb = {
    cells: [
      { cell_type: 'markdown', source: ['# t'] },
      { cell_type: 'code', source: ['a'], execution_count: null },
      { cell_type: 'code', source: '  \n', execution_count: null },
      { cell_type: 'code', source: ['b\n', 'c'], execution_count: 7 },
    ],
  };
  numberExecutedCells(nb);
  assert.deepEqual(nb.cells.map((c) => (c as { execution_count?: number | null }).execution_count), [undefined, 1, null, 2]);
});

test('compactNotebookJson: nbformat layout, vega-lite specs on one line, the same notebook when read back', () => {
  const spec = { $schema: 'v5', data: { values: [{ x: 1 }, { x: 2 }] } };
  const nb = { cells: [{ cell_type: 'code', outputs: [{ output_type: 'display_data', data: { 'application/vnd.vegalite.v5+json': spec, 'image/png': 'AAAA', 'text/plain': ['x'] } }] }], nbformat: 4 };
  const text = JSON.stringify(nb, null, 1) + '\n';
  const compact = compactNotebookJson(text);
  assert.deepEqual(JSON.parse(compact), nb);
  assert.ok(compact.includes(`"application/vnd.vegalite.v5+json": ${JSON.stringify(spec)}`));
  assert.ok(compact.includes('\n      "image/png": "AAAA",\n'), 'the rest keeps nbformat\'s indent of 1');
  assert.ok(compact.length < text.length);
  assert.ok(compact.endsWith('}\n'));
});
