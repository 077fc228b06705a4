/**
 * The layering of src/ stays a graph without cycles between folders (src/x.ts counts as folder x),
 * and src/index.ts only re-exports: what the README's code map promises.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const src = path.join(__dirname, '..', '..', 'src');
const IMPORT = /(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|require\(\s*['"](\.[^'"]+)['"]\s*\)|import\(\s*['"](\.[^'"]+)['"]\s*\)|^import\s+['"](\.[^'"]+)['"]/gm;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Folder (or top-level file) of a path under src/. */
function unit(file: string): string {
  const parts = path.relative(src, file).split(path.sep);
  return parts.length > 1 ? parts[0] : parts[0].replace(/\.ts$/, '');
}

/** Folder → the folders it imports. */
function folderGraph(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const file of sources(src)) {
    const from = unit(file);
    if (from === 'index') continue;
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = path.resolve(path.dirname(file), m[1] ?? m[2] ?? m[3] ?? m[4]);
      if (!target.startsWith(src)) continue;
      const to = unit(statSync(target, { throwIfNoEntry: false })?.isDirectory() ? path.join(target, 'index.ts') : `${target}.ts`);
      if (to !== from) (edges.get(from) ?? edges.set(from, new Set()).get(from)!).add(to);
    }
  }
  return edges;
}

/** A cycle through `start`, if any (depth-first search), as the list of folders. */
function cycleFrom(edges: Map<string, Set<string>>, start: string): string[] | null {
  const stack: string[][] = [[start]];
  const seen = new Set<string>();
  while (stack.length) {
    const route = stack.pop()!;
    for (const next of edges.get(route[route.length - 1]) ?? []) {
      if (next === start) return [...route, start];
      if (!seen.has(next)) {
        seen.add(next);
        stack.push([...route, next]);
      }
    }
  }
  return null;
}

test('no import cycle between src/ folders', () => {
  const edges = folderGraph();
  assert.ok(edges.get('model')?.has('train'), 'the graph is read (model uses train)');
  const cycles = [...edges.keys()].map((f) => cycleFrom(edges, f)).filter((c): c is string[] => c !== null);
  assert.deepEqual(cycles.map((c) => c.join(' → ')), []);
});

test('nothing imports the thread entry points or the CLI; train knows neither models nor plots', () => {
  const edges = folderGraph();
  for (const [from, tos] of edges) {
    assert.ok(!tos.has('workers'), `${from} imports src/workers (entry points are started by path)`);
    if (from !== 'cli') assert.ok(!tos.has('cli'), `${from} imports src/cli`);
  }
  for (const layer of ['model', 'plots']) assert.ok(!edges.get('train')?.has(layer), `train imports ${layer}`);
});

test('src/index.ts only re-exports', () => {
  const code = readFileSync(path.join(src, 'index.ts'), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '');
  const statements = code.split(';').map((s) => s.trim()).filter(Boolean);
  for (const s of statements) assert.match(s, /^export (\*|\{[\s\S]*\}|\* as \w+) from '\.[^']+'$/, s.slice(0, 80));
});
