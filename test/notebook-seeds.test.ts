/**
 * Two executions of a notebook print the same numbers: every random draw in a notebook's code is
 * seeded (tf.random*, Rng, the sampling inside vae.train and vae.evaluate), and nothing calls
 * Math.random. The notebooks test executes each notebook; this one reads their code.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const notebooksDir = path.join(__dirname, '..', '..', 'notebooks');

/** The text of a call's parentheses, from the "(" at `open` to its matching ")". */
function callArguments(code: string, open: number): string {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if ('([{'.includes(code[i])) depth++;
    else if (')]}'.includes(code[i]) && --depth === 0) return code.slice(open + 1, i);
  }
  throw new Error(`unbalanced call at ${open}: ${code.slice(open, open + 60)}`);
}

/** Top-level arguments of a call's text (commas inside brackets do not split). */
function topLevelArguments(args: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < args.length; i++) {
    if ('([{'.includes(args[i])) depth++;
    else if (')]}'.includes(args[i])) depth--;
    else if (args[i] === ',' && depth === 0) {
      out.push(args.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (args.slice(start).trim()) out.push(args.slice(start).trim());
  return out;
}

/** Unseeded random draws in one code cell. */
export function unseededDraws(code: string): string[] {
  const problems: string[] = [];
  const uncommented = code.replace(/(^|[^:])\/\/.*$/gm, '$1');
  for (const m of uncommented.matchAll(/tf\.(randomNormal|randomUniform|truncatedNormal)\(/g)) {
    const args = topLevelArguments(callArguments(uncommented, m.index! + m[0].length - 1));
    if (args.length < 5) problems.push(`tf.${m[1]} sem semente: ${m[0]}${args.join(', ')})`);
  }
  for (const m of uncommented.matchAll(/new Rng\(/g)) {
    if (!callArguments(uncommented, m.index! + m[0].length - 1).trim()) problems.push('new Rng() sem semente');
  }
  for (const m of uncommented.matchAll(/\.(train|evaluate)\(/g)) {
    const args = callArguments(uncommented, m.index! + m[0].length - 1);
    if (!/\bseed\b/.test(args)) problems.push(`.${m[1]}(...) sem seed: ${args.slice(0, 80)}`);
  }
  if (/Math\.random\(/.test(uncommented)) problems.push('Math.random()');
  return problems;
}

test('reading the calls: seeded and unseeded draws', () => {
  assert.deepEqual(unseededDraws("const z = tf.randomNormal([10, 2], 0, 1, 'float32', SEED);"), []);
  assert.equal(unseededDraws('const z = tf.randomNormal([10, f(2, 3)], 0, 1);').length, 1);
  assert.deepEqual(unseededDraws('await vae.train({ x, epochs: 2, seed: SEED }); vae.evaluate(x, { seed: 1 });'), []);
  assert.equal(unseededDraws('await vae.train({ x, epochs: 2 });').length, 1);
  assert.equal(unseededDraws('new Rng(); Math.random();').length, 2);
});

for (const file of readdirSync(notebooksDir).filter((f) => /^\d\d_.*\.ipynb$/.test(f)).sort()) {
  test(`${file}: every random draw is seeded, so two executions print the same numbers`, () => {
    const nb = JSON.parse(readFileSync(path.join(notebooksDir, file), 'utf8')) as { cells: { cell_type: string; source: string[] | string }[] };
    const problems = nb.cells.flatMap((c, i) => {
      if (c.cell_type !== 'code') return [];
      const code = Array.isArray(c.source) ? c.source.join('') : c.source;
      return unseededDraws(code).map((p) => `c${i}: ${p}`);
    });
    assert.deepEqual(problems, []);
  });
}
