/**
 * Every number a student reads in a notebook's prose is one its code or its outputs produce: a
 * markdown cell may quote a value (rounded as shown), never one that no cell computes. A short
 * allowlist holds the definitional constants and citations the prose may state without a cell.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const notebooksDir = path.join(__dirname, '..', '..', 'notebooks');

/** Values the prose may state without a cell computing them (definitions, citations, the book's figures). */
export const ALLOWED: Record<string, string> = {
  '28': 'an MNIST image is 28 × 28 pixels',
  '784': '28 · 28 pixels',
  '0,5': 'the ½ of the KL and of the log-variance',
  '2013': 'Kingma & Welling, "Auto-Encoding Variational Bayes" (2013)',
  '2014': 'Rezende, Mohamed & Wierstra (2014)',
  '2017': 'Higgins et al., β-VAE (2017)',
  '60.000': 'the MNIST training set',
  '10.000': 'the MNIST test set',
};

interface Cell {
  cell_type: string;
  source: string[] | string;
  outputs?: { text?: string[] | string; data?: Record<string, unknown> }[];
}

const text = (s: string[] | string | undefined) => (Array.isArray(s) ? s.join('') : (s ?? ''));

/** A number as written: its value and how many decimals it shows. */
interface Quoted {
  raw: string;
  value: number;
  decimals: number;
  percent: boolean;
}

/** Numbers in pt-BR prose: 1.234,5 · 0,0394 · 42,8% · 5.000 · 3. */
export function proseNumbers(markdown: string): Quoted[] {
  const prose = markdown
    .split('\n')
    .filter((line) => !/^#/.test(line.trim())) // headings: the source notebook's own numbering
    .join('\n')
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/`[^`]*`/g, ' ') // code spans are code
    .replace(/\$\$[\s\S]*?\$\$|\$[^$\n]*\$/g, ' ') // formulas: definitions, not measurements
    .replace(/\]\([^)]*\)/g, ']') // link targets
    .replace(/<[^>]+>/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ');
  const out: Quoted[] = [];
  for (const m of prose.matchAll(/(?<![\w.,/])([−-](?=\d))?(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?(\s?%)?(?![\w/]|[.,]\d)/g)) {
    const whole = m[2].replace(/\./g, '');
    const frac = m[3] ?? '';
    const value = Number(`${whole}.${frac || 0}`) * (m[1] ? -1 : 1);
    out.push({ raw: m[0].trim(), value, decimals: frac.length, percent: !!m[4] });
  }
  return out;
}

/** Every number in code and outputs, read both ways (42.8 and 42,8; 1.000 as 1 and as 1000), with its sign when it has one. */
export function producedNumbers(sources: string[]): number[] {
  const values: number[] = [];
  for (const s of sources) {
    for (const m of s.matchAll(/(?:(?<![\w)\]])[−-])?\d[\d.,_]*(?:[eE][+-]?\d+)?/g)) {
      const t = m[0].replace(/[.,]$/, '').replace(/_/g, '').replace('−', '-');
      const candidates = [
        t.replace(/,/g, ''), // en: 1,234.5
        t.replace(/\./g, '').replace(',', '.'), // pt: 1.234,5
        t, // plain
      ];
      for (const c of candidates) {
        const v = Number(c);
        if (Number.isFinite(v)) values.push(v);
      }
    }
  }
  return values;
}

/** Does the quoted number equal a produced one, rounded the way the prose shows it (or as a share ×100)? */
export function isBacked(q: Quoted, produced: number[]): boolean {
  const round = (v: number) => Number(v.toFixed(q.decimals));
  return produced.some((v) => round(v) === q.value || round(v * 100) === q.value || (q.percent && round(v / 100) === q.value));
}

/** Code without its comments: a number in a comment is a claim, not a computation. */
function withoutComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

function unbacked(file: string): string[] {
  const nb = JSON.parse(readFileSync(path.join(notebooksDir, file), 'utf8')) as { cells: Cell[] };
  const produced = producedNumbers(
    nb.cells.flatMap((c) => [
      ...(c.cell_type === 'code' ? [withoutComments(text(c.source))] : []),
      ...(c.outputs ?? []).flatMap((o) => [text(o.text), ...Object.entries(o.data ?? {}).filter(([k]) => k.startsWith('text/')).map(([, v]) => text(v as string | string[]))]),
    ]),
  );
  const problems: string[] = [];
  nb.cells.forEach((c, i) => {
    if (c.cell_type !== 'markdown' || text(c.source).startsWith('## Exercícios')) return; // exercises suggest values to try
    for (const q of proseNumbers(text(c.source))) {
      if (q.raw.replace(/\s?%$/, '') in ALLOWED || isBacked(q, produced)) continue;
      problems.push(`${file} c${i}: "${q.raw}"`);
    }
  });
  return problems;
}

test('reading numbers: pt-BR prose and both formats in outputs', () => {
  assert.deepEqual(proseNumbers('Fora de [−3, 3]: 42,8% contra 35,0%; 5.000 pontos, σ = 0,0394, `x = 7`.').map((q) => q.value), [-3, 3, 42.8, 35, 5000, 0.0394]);
  assert.deepEqual([...new Set(producedNumbers(['z = -1.5 + 2; f(3)-4']))], [-1.5, -15, 2, 3, 4], 'a dash after a name or bracket is a minus sign, not a sign');
  assert.ok(isBacked({ raw: '42,8%', value: 42.8, decimals: 1, percent: true }, producedNumbers(['fração: 0.42817'])));
  assert.ok(isBacked({ raw: '43%', value: 43, decimals: 0, percent: true }, producedNumbers(['**42,8%**'])));
  assert.ok(!isBacked({ raw: '99,7%', value: 99.7, decimals: 1, percent: true }, producedNumbers(['99,46%'])));
});

for (const file of readdirSync(notebooksDir).filter((f) => /^\d\d_.*\.ipynb$/.test(f)).sort()) {
  test(`${file}: every number in the prose comes from a cell's code or output`, () => {
    assert.deepEqual(unbacked(file), []);
  });
}
