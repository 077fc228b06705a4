/**
 * The model diagram (GDL's `plot_model` → viz/model.png), drawn as SVG without graphviz:
 * one box per layer with its type and output shape, arranged by depth, arrows for connections.
 */
import * as tf from '@tensorflow/tfjs';
import { formatShape } from '../errors';
import { escapeXml } from '../text';

const BOX_W = 300;
const BOX_H = 46;
const GAP_X = 30;
const GAP_Y = 26;

function shapeText(layer: tf.layers.Layer): string {
  const shape = layer.outputShape as (number | null)[] | (number | null)[][];
  return Array.isArray(shape[0]) ? (shape as (number | null)[][]).map((s) => formatShape(s)).join(' ') : formatShape(shape as (number | null)[]);
}

/** SVG text of the layer graph of `model`; nested models (the decoder) are drawn as one box. */
export function modelDiagramSvg(model: tf.LayersModel): string {
  const layers = model.layers;
  const parents = new Map(layers.map((l) => [l.name, l.inboundNodes.flatMap((n) => n.inboundLayers.map((p) => p.name))]));
  const depth = new Map<string, number>();
  const depthOf = (name: string): number => {
    if (!depth.has(name)) depth.set(name, Math.max(-1, ...(parents.get(name) ?? []).map(depthOf)) + 1);
    return depth.get(name)!;
  };
  layers.forEach((l) => depthOf(l.name));
  const rows: string[][] = [];
  layers.forEach((l) => (rows[depth.get(l.name)!] ??= []).push(l.name));
  const maxPerRow = Math.max(...rows.map((r) => r.length));
  const width = maxPerRow * BOX_W + (maxPerRow + 1) * GAP_X;
  const height = rows.length * (BOX_H + GAP_Y) + GAP_Y;
  const pos = new Map<string, { x: number; y: number }>();
  rows.forEach((row, r) => {
    const rowWidth = row.length * BOX_W + (row.length - 1) * GAP_X;
    row.forEach((name, i) => pos.set(name, { x: (width - rowWidth) / 2 + i * (BOX_W + GAP_X), y: GAP_Y + r * (BOX_H + GAP_Y) }));
  });
  const parts: string[] = [];
  for (const l of layers) {
    const to = pos.get(l.name)!;
    for (const p of parents.get(l.name) ?? []) {
      const from = pos.get(p)!;
      parts.push(`<line x1="${from.x + BOX_W / 2}" y1="${from.y + BOX_H}" x2="${to.x + BOX_W / 2}" y2="${to.y - 2}" stroke="#555" marker-end="url(#arrow)"/>`);
    }
  }
  for (const l of layers) {
    const { x, y } = pos.get(l.name)!;
    const fill = l.getClassName() === 'InputLayer' ? '#e8f0fe' : l instanceof tf.LayersModel ? '#fdf1dc' : '#f5f5f5';
    parts.push(
      `<rect x="${x}" y="${y}" width="${BOX_W}" height="${BOX_H}" rx="6" fill="${fill}" stroke="#333"/>`,
      `<text x="${x + BOX_W / 2}" y="${y + 19}" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(`${l.name} (${l.getClassName()})`)}</text>`,
      `<text x="${x + BOX_W / 2}" y="${y + 36}" text-anchor="middle" font-size="12">${escapeXml(shapeText(l))}</text>`,
    );
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif">\n` +
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>\n` +
    `<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`
  );
}
