import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { latentPoints } from '../src/plots';

before(async () => {
  await tf.setBackend('cpu');
});

test('latentPoints: the scatter plus named crosses, rendered with the subtitle', async () => {
  const z = Array.from({ length: 30 }, (_, i) => [Math.sin(i), Math.cos(i)]);
  const fig = latentPoints(z, z.map((_, i) => i % 10), tf.tensor2d([[0, 0], [0.5, 0.5], [1, 1]]), { pointsLabel: 'amostras', title: 'Amostras' });
  assert.equal(fig.data.length, 30);
  const spec = fig.spec as unknown as { title: { text: string; subtitle: string }; layer: { data: { values: unknown[] } }[] };
  assert.deepEqual(spec.title, { text: 'Amostras', subtitle: '+ = 3 amostras' });
  assert.equal(spec.layer[1].data.values.length, 3);
  assert.match(fig.description, /30 pontos .*; \+ = 3 amostras/);
  const svg = await fig.toSVG();
  assert.ok(svg.includes('>+ = 3 amostras</text>'), 'SVG sem o subtítulo');
});
