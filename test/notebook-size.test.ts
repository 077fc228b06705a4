/**
 * The notebooks ship with their outputs, so they stay small: ≤ 6 MB for the five together, not
 * counting the explorer's self-contained outputs (its script, weights and data, ~3 MB each), and no
 * interactive spec carries more than MAX_SPEC_ROWS rows in one dataset.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { MAX_SPEC_ROWS, VEGALITE_MIME } from '../src/plots/show';

const notebooksDir = path.join(__dirname, '..', '..', 'notebooks');
const files = readdirSync(notebooksDir).filter((f) => /^\d\d_.*\.ipynb$/.test(f)).sort();
export const NOTEBOOKS_BUDGET_BYTES = 6_000_000;

type Output = { data?: Record<string, unknown> };
const outputs = (file: string): Output[] =>
  (JSON.parse(readFileSync(path.join(notebooksDir, file), 'utf8')) as { cells: { outputs?: Output[] }[] }).cells.flatMap((c) => c.outputs ?? []);
const isExplorer = (o: Output) => [o.data?.['text/html']].flat().join('').includes('data-role="explorer"');

test('the five notebooks weigh ≤ 6 MB together, without the explorer outputs', () => {
  let total = 0;
  for (const f of files) {
    const bytes = readFileSync(path.join(notebooksDir, f)).length;
    const explorer = outputs(f).filter(isExplorer).reduce((a, o) => a + JSON.stringify(o).length, 0);
    total += bytes - explorer;
  }
  assert.ok(total <= NOTEBOOKS_BUDGET_BYTES, `${total} bytes > ${NOTEBOOKS_BUDGET_BYTES}`);
});

test(`no vega-lite output keeps more than ${MAX_SPEC_ROWS} rows in one dataset`, () => {
  const rowsOf = (node: Record<string, unknown>): number[] => [
    ...(Array.isArray((node.data as { values?: unknown[] } | undefined)?.values) ? [(node.data as { values: unknown[] }).values.length] : []),
    ...['layer', 'hconcat', 'vconcat', 'concat'].flatMap((k) => ((node[k] as Record<string, unknown>[] | undefined) ?? []).flatMap(rowsOf)),
  ];
  for (const f of files) {
    for (const o of outputs(f)) {
      const spec = o.data?.[VEGALITE_MIME] as Record<string, unknown> | undefined;
      if (spec) assert.ok(Math.max(0, ...rowsOf(spec)) <= MAX_SPEC_ROWS, `${f}: a spec with ${Math.max(...rowsOf(spec))} rows`);
    }
  }
});
