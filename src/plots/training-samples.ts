/** The sample images a run wrote while training (images/img_EEE_B.jpg), picked across the run (notebook 04). */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';
import type { CanvasFigure } from './figure';
import { imageFiles, type ImageFilesOptions } from './image-files';

/** One saved sample: the file and when it was written (1-based epoch, 0-based batch). */
export interface SampleImage {
  file: string;
  epoch: number;
  batch: number;
}

/** The images/img_EEE_B.jpg files of a run folder, in training order (empty if there are none). */
export async function listSampleImages(runFolder: string): Promise<SampleImage[]> {
  const dir = path.join(runFolder, 'images');
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names
    .map((name) => ({ name, m: /^img_(\d+)_(\d+)\.jpg$/.exec(name) }))
    .filter((e): e is { name: string; m: RegExpExecArray } => e.m !== null)
    .map(({ name, m }) => ({ file: path.join(dir, name), epoch: Number(m[1]), batch: Number(m[2]) }))
    .sort((a, b) => a.epoch - b.epoch || a.batch - b.batch);
}

/** `count` items evenly spaced over `items`, the first and the last included, none repeated. */
export function evenlySpaced<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  if (count <= 1) return items.slice(-1);
  const picks = new Set(Array.from({ length: count }, (_, i) => Math.round((i * (items.length - 1)) / (count - 1))));
  return [...picks].map((i) => items[i]);
}

/** Options of `trainingSamples` (plus `imageFiles`' size, cols and title). */
export interface TrainingSamplesOptions extends ImageFilesOptions {
  /** How many images to show, evenly spaced over the selected ones. Default 10. */
  count?: number;
  /** Only images written in these epochs (e.g. [1]: the first epoch). Default: all. */
  epochs?: number[];
  /** One image per epoch (its last) before spacing them. Default false. */
  perEpoch?: boolean;
  /** Text under each image, from the sample (e.g. with what the classifier reads in it). Default: its epoch and/or batch. */
  caption?: (sample: SampleImage) => string;
}

/** A strip of the run's sample images across training, captioned with their epoch and/or batch. */
export async function trainingSamples(runFolder: string, opts: TrainingSamplesOptions = {}): Promise<CanvasFigure<string[]>> {
  const { count = 10, epochs, perEpoch = false, caption: captionOf, ...rest } = opts;
  let all = await listSampleImages(runFolder);
  if (epochs) all = all.filter((s) => epochs.includes(s.epoch));
  if (perEpoch) all = all.filter((s, i) => all[i + 1]?.epoch !== s.epoch);
  if (all.length === 0) {
    throw new DataError(`Nenhuma imagem img_EEE_B.jpg em ${path.join(runFolder, 'images')}${epochs ? ` nas épocas ${epochs.join(', ')}` : ''}.`, runFolder);
  }
  const picked = evenlySpaced(all, count);
  const oneEpoch = picked.every((s) => s.epoch === picked[0].epoch);
  const caption = (s: SampleImage) => (perEpoch ? `época ${s.epoch}` : oneEpoch ? `lote ${s.batch}` : `ép. ${s.epoch}, lote ${s.batch}`);
  return imageFiles(picked.map((s) => s.file), { captions: picked.map(captionOf ?? caption), ...rest });
}
