/**
 * Small summaries of what the classifier reads, for the notebooks' sentences: the share of each
 * digit, the share read confidently, and how far apart two label distributions are.
 */
import { ConfigError } from '../errors';
import type { DigitReading } from './classify';
import { NUM_CLASSES } from './network';

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
