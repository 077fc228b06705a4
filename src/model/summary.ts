/**
 * A Keras-style `model.summary()` table (Keras' column layout and thousands separators, in the
 * pt-BR form the notebooks use everywhere: 105.220), so the notebook reads like the book.
 * Functional models with branches get "Connected to".
 */
import * as tf from '@tensorflow/tfjs';
import { formatShape } from '../errors';
import { formatPt } from '../text';

/** 105220 → "105.220" (Keras prints "105,220"; a student reads pt-BR numbers everywhere). */
export function formatCount(n: number): string {
  return formatPt(n);
}

function outputShapeText(layer: tf.layers.Layer): string {
  const shape = layer.outputShape as (number | null)[] | (number | null)[][];
  if (Array.isArray(shape[0])) return (shape as (number | null)[][]).map((s) => formatShape(s)).join(', ');
  const text = formatShape(shape as (number | null)[]);
  return layer.getClassName() === 'InputLayer' ? `[${text}]` : text;
}

/** Number of trainable and non-trainable parameters of a model. */
export function countParams(model: tf.LayersModel): { total: number; trainable: number; nonTrainable: number } {
  const size = (ws: tf.LayerVariable[]) => ws.reduce((a, w) => a + w.shape.reduce((x: number, y) => x * (y ?? 1), 1), 0);
  const trainable = size(model.trainableWeights);
  const nonTrainable = size(model.nonTrainableWeights);
  return { total: trainable + nonTrainable, trainable, nonTrainable };
}

/** The summary table as text. */
export function summaryText(model: tf.LayersModel): string {
  const layers = model.layers;
  const inbound = (l: tf.layers.Layer) =>
    l.inboundNodes.flatMap((node) => node.inboundLayers.map((src, k) => `${src.name}[${node.nodeIndices[k]}][${node.tensorIndices[k]}]`));
  const branched = layers.some((l) => inbound(l).length > 1 || l.outboundNodes.length > 1);
  const widths = branched ? [32, 21, 12, 33] : [29, 26, 10];
  const titles = ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'].slice(0, widths.length);
  // Like Keras: a cell longer than its column is cut, keeping one space before the next column.
  const fit = (c: string, w: number) => (c.length >= w ? c.slice(0, w - 1) + ' ' : c.padEnd(w));
  const row = (cells: string[]) => cells.map((c, i) => (i < cells.length - 1 ? fit(c, widths[i]) : c)).join('').trimEnd();
  const total = widths.reduce((a, b) => a + b, 0);
  const lines = [`Model: "${model.name}"`, '_'.repeat(total), row(titles), '='.repeat(total)];
  layers.forEach((layer, i) => {
    const type = `${layer.name} (${layer.getClassName()})`;
    const sources = inbound(layer);
    const cells = [type, outputShapeText(layer), formatCount(layer.countParams())];
    if (branched) cells.push(sources[0] ?? '');
    lines.push(row(cells));
    for (const extra of branched ? sources.slice(1) : []) lines.push(row(['', '', '', extra]));
    lines.push(i < layers.length - 1 ? '_'.repeat(total) : '='.repeat(total));
  });
  const p = countParams(model);
  lines.push(`Total params: ${formatCount(p.total)}`, `Trainable params: ${formatCount(p.trainable)}`, `Non-trainable params: ${formatCount(p.nonTrainable)}`, '_'.repeat(total));
  return lines.join('\n');
}

/** Prints the Keras-style summary (like `vae.encoder.summary()` in the book). */
export function summary(model: tf.LayersModel, print: (line: string) => void = console.log): void {
  print(summaryText(model));
}
