/**
 * Small summaries of what the classifier reads, for the notebooks' sentences: the share of each
 * digit, the share read confidently, and how far apart two label distributions are.
 */
import { ConfigError } from '../errors';
import type { DigitReading } from './classify';
import { NUM_CLASSES } from './network';
import { formatPt } from '../text';

/** Share of each digit 0–9 among readings or plain labels (e.g. yTest's data); sums to 1 (zeros if empty). */
export function labelDistribution(items: readonly DigitReading[] | ArrayLike<number>): number[] {
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const label = typeof item === 'number' ? item : item.label;
    if (!(Number.isInteger(label) && label >= 0 && label < NUM_CLASSES)) {
      throw new ConfigError(`labelDistribution: o rótulo na posição ${i} é ${label}; esperado um dígito inteiro de 0 a ${NUM_CLASSES - 1}.`);
    }
    counts[label]++;
  }
  return counts.map((c) => (items.length ? c / items.length : 0));
}

/** Share of readings with p ≥ `threshold` (default 0.9): the images the classifier reads confidently. */
export function confidentShare(readings: readonly DigitReading[], threshold = 0.9): number {
  if (readings.length === 0) return 0;
  return readings.filter((r) => r.p >= threshold).length / readings.length;
}

/** Total-variation distance ½ Σ_k |p_k − q_k| between two distributions: 0 = same, 1 = disjoint. */
export function totalVariation(p: readonly number[], q: readonly number[]): number {
  if (p.length !== q.length) throw new ConfigError(`totalVariation: distribuições de tamanhos diferentes (${p.length} e ${q.length}).`);
  return 0.5 * p.reduce((sum, pk, k) => sum + Math.abs(pk - q[k]), 0);
}

/** One kind of change between a reference label and a reading: how many images went from `from` to `to`. */
export interface LabelChange {
  from: number;
  to: number;
  count: number;
}

/**
 * Readings that differ from their reference labels (e.g. reconstructions against the true digit,
 * notebook 05): how many, their share, and each change from → to, most frequent first (ties by from, to).
 */
export function labelChanges(reference: ArrayLike<number>, readings: readonly DigitReading[]): { count: number; share: number; changes: LabelChange[] } {
  if (reference.length !== readings.length) {
    throw new ConfigError(`labelChanges: ${reference.length} rótulos de referência e ${readings.length} leituras; esperado o mesmo número.`);
  }
  const byPair = new Map<string, LabelChange>();
  for (let i = 0; i < readings.length; i++) {
    const [from, to] = [reference[i], readings[i].label];
    if (from === to) continue;
    const key = `${from}>${to}`;
    const change = byPair.get(key) ?? byPair.set(key, { from, to, count: 0 }).get(key)!;
    change.count++;
  }
  const changes = [...byPair.values()].sort((a, b) => b.count - a.count || a.from - b.from || a.to - b.to);
  const count = changes.reduce((a, c) => a + c.count, 0);
  return { count, share: readings.length ? count / readings.length : 0, changes };
}

/** "9 (p = 0,98)": a reading for a caption or a sentence, p with `digits` decimals in pt-BR (notebook 05). */
export function formatReading(reading: DigitReading, digits = 2): string {
  return `${reading.label} (p = ${formatPt(reading.p, digits)})`;
}
