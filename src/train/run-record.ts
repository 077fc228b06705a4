/**
 * What a run folder's params.json says about how the run trains, and the rule for continuing it
 * (`--resume`, `--initial-epoch`): the saved settings win.
 *
 *  - Settings that define the run — model kind, architecture (zDim, filters...), rLossFactor,
 *    klWeight, batch size, training seed, training data — must not change: a value that differs is
 *    a ConfigError naming the saved value and the option (a silent mix would make the loss column
 *    jump while params.json describes another run).
 *  - Settings that may change on purpose — learning rate, lr decay, target epochs, workers, backend,
 *    sample images — are allowed; a changed learning rate or decay is recorded in params.json
 *    (`resumes: [{ atEpoch, changed: { learningRate: { from, to } } }]`) and the CSV's
 *    learning_rate column shows the rate of every epoch.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../errors';
import { readJsonBounded, writeFileAtomic } from '../io/files';

/** The training images of a run, identified (so a resumed run cannot silently switch data). */
export interface DataFingerprint {
  /** What the command line calls them ('digits', 'fashion'), when known. */
  name?: string;
  /** Number of training images. */
  images: number;
  /** sha256 of the images' float32 pixels. */
  sha256: string;
}

/** How a run trains, beyond the model (params.json `training`; absent in older runs). */
export interface TrainingSettings {
  /** Images per step. */
  batchSize: number;
  /** Step decay of the learning rate per epoch (GDL's lr_decay). */
  lrDecay: number;
  /** lr(e) = compile.learningRate · lrDecay^(e − lrFromEpoch): 1, or the epoch from which a changed rate applies. */
  lrFromEpoch: number;
  /** Seed of shuffling and ε (also in each checkpoint.json). */
  seed: number;
  data: DataFingerprint;
}

/** One continuation of a run (--resume / --initial-epoch): when, up to which epoch, and what was changed on purpose. */
export interface ResumeRecord {
  /** Epochs already trained when it continued. */
  atEpoch: number;
  /** Target epoch of that continuation. */
  epochs: number;
  /** Checkpoint it started from (folder name under weights/), or null for weights without checkpoint.json. */
  from: string | null;
  /** What differs from the saved settings, e.g. { learningRate: { from: 0.0005, to: 0.0001 } }. */
  changed: Record<string, { from: unknown; to: unknown }>;
  command: string;
  at: string;
}

/** The parts of params.json this module reads (model/params.ts validates the whole file). */
export interface SavedRun {
  kind: string;
  options: Record<string, unknown>;
  compile: { learningRate: number; rLossFactor?: number; klWeight?: number } | null;
  training?: TrainingSettings;
  resumes?: ResumeRecord[];
  [key: string]: unknown;
}

/** What a continuation asks for: the model as built now, and the options that were given (undefined = not given). */
export interface ContinuationRequest {
  spec: { kind: string; options: object; compile: { learningRate: number; rLossFactor?: number; klWeight?: number } | null };
  batchSize?: number;
  seed?: number;
  lrDecay?: number;
  data?: DataFingerprint;
  /** Seed of the checkpoint being continued (what the run used so far). */
  checkpointSeed?: number;
}

/** sha256 of the training pixels plus their count (≈0.15 s for all of MNIST). */
export function fingerprintImages(images: Float32Array, count: number, name?: string): DataFingerprint {
  const hash = createHash('sha256').update(new Uint8Array(images.buffer, images.byteOffset, images.byteLength)).digest('hex');
  return { ...(name ? { name } : {}), images: count, sha256: hash };
}

/** params.json as saved (null when the folder has none). */
export async function readSavedRun(file: string): Promise<SavedRun | null> {
  const saved = await readJsonBounded<SavedRun>(file, 1 << 20);
  if (saved !== null && (typeof saved !== 'object' || typeof saved.options !== 'object' || saved.options === null)) {
    throw new ConfigError(`${file} não descreve um modelo (faltam "kind" e "options").`);
  }
  return saved;
}

/** Writes params.json (atomically, the project's 2-space JSON): a fresh run's, or a continued run's with its record. */
export async function writeSavedRun(file: string, params: object): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(params, null, 2) + '\n');
}

const show = (v: unknown) => (Array.isArray(v) ? `[${v.join(', ')}]` : typeof v === 'string' ? v : JSON.stringify(v));

/** What each defining setting is called for a user: the params.json field and the command-line flag. */
const LABELS: Record<string, string> = {
  kind: 'o tipo de modelo (--model)',
  rLossFactor: 'rLossFactor (--r-loss-factor)',
  klWeight: 'klWeight (--kl-weight)',
  batchSize: 'batchSize (--batch-size)',
  seed: 'a semente (--seed)',
};

/**
 * Checks a continuation against the saved run (`saved` null: an old folder without params.json,
 * nothing to compare). Throws a ConfigError on the first defining setting that differs; returns the
 * allowed changes (learning rate, lr decay) to record.
 */
export function checkContinuation(folder: string, saved: SavedRun | null, request: ContinuationRequest): Record<string, { from: unknown; to: unknown }> {
  if (!saved) return {};
  const differs = (label: string, was: unknown, now: unknown, extra = '') =>
    new ConfigError(
      `${folder} foi treinada com ${label} = ${show(was)}, e agora recebeu ${show(now)}${extra}. Ao continuar um treino valem os valores salvos em params.json: ` +
        'omita essa opção (ou use o valor salvo), ou comece um treino novo em outra pasta.',
    );
  const spec = request.spec;
  if (saved.kind !== spec.kind) throw differs(LABELS.kind, saved.kind, spec.kind);
  const now = spec.options as Record<string, unknown>;
  for (const key of new Set([...Object.keys(saved.options), ...Object.keys(now)])) {
    if (key === 'seed') continue; // the initialisers' seed only matters before the first epoch
    const a = saved.options[key] ?? (key.startsWith('use') ? false : undefined);
    const b = now[key] ?? (key.startsWith('use') ? false : undefined);
    if (JSON.stringify(a) !== JSON.stringify(b)) throw differs(`${key} (params.json "options")`, a, b);
  }
  if (spec.kind === 'vae' && saved.compile && spec.compile) {
    const r = (c: { rLossFactor?: number }) => c.rLossFactor ?? 1000;
    const k = (c: { klWeight?: number }) => c.klWeight ?? 1;
    if (r(saved.compile) !== r(spec.compile)) throw differs(LABELS.rLossFactor, r(saved.compile), r(spec.compile));
    if (k(saved.compile) !== k(spec.compile)) throw differs(LABELS.klWeight, k(saved.compile), k(spec.compile));
  }
  const t = saved.training;
  if (t && request.batchSize !== undefined && request.batchSize !== t.batchSize) throw differs(LABELS.batchSize, t.batchSize, request.batchSize);
  const savedSeed = request.checkpointSeed ?? t?.seed;
  if (savedSeed !== undefined && request.seed !== undefined && request.seed !== savedSeed) throw differs(LABELS.seed, savedSeed, request.seed);
  if (t?.data && request.data) {
    const [was, now] = [t.data, request.data];
    const name = (d: DataFingerprint) => d.name ?? 'dados sem nome';
    if (was.name && now.name && was.name !== now.name) throw differs('os dados de treino (--data)', was.name, now.name);
    if (was.images !== now.images) throw differs(`os dados de treino (${name(was)}; --limit)`, `${was.images} imagens`, `${now.images} imagens`);
    if (was.sha256 !== now.sha256) throw differs('os dados de treino (sha256 dos pixels)', was.sha256.slice(0, 12), now.sha256.slice(0, 12), ': as imagens são outras');
  }
  const changed: Record<string, { from: unknown; to: unknown }> = {};
  const lrNow = spec.compile?.learningRate;
  if (saved.compile && lrNow !== undefined && lrNow !== saved.compile.learningRate) changed.learningRate = { from: saved.compile.learningRate, to: lrNow };
  if (t && request.lrDecay !== undefined && request.lrDecay !== t.lrDecay) changed.lrDecay = { from: t.lrDecay, to: request.lrDecay };
  return changed;
}
