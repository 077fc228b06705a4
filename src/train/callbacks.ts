/**
 * The GDL training behaviour, one callback per concern: progress bar, a sample image every
 * N batches, checkpoints every epoch, the CSV log, and the step learning-rate decay.
 */
import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { TrainingError } from '../errors';
import { formatPt } from '../text';
import { readFileBounded, writeFileAtomic } from '../io/files';
import { fsErrorMessage, isFsError, withFsErrors } from '../io/fs-errors';
import { saveGreyImage } from '../io/images';
import { createProgressBar, formatDuration, type ProgressBar } from '../progress';
import { LATEST } from '../io/run-folder';
import { epochFolderName, nonFiniteVariables, writeCheckpoint, type CheckpointInfo } from './checkpoint';
import { Rng, hashSeed } from './rng';
import type { BatchLogs, Callback, EpochLogs, TrainContext, TrainResult } from './types';

const fmt = (v: number) => (Number.isFinite(v) ? formatPt(v, Math.abs(v) >= 1000 ? 1 : 4) : String(v));

/** "loss: 58,8312 - vae_r_loss: 54,1000 - ..." like Keras, with pt-BR numbers. */
export function formatMetrics(metrics: Record<string, number>): string {
  return Object.entries(metrics)
    .map(([k, v]) => `${k}: ${fmt(v)}`)
    .join(' - ');
}

/** A progress bar per epoch (terminal or notebook) and one summary line at each epoch end. */
export class ProgressCallback implements Callback {
  private bar: ProgressBar | null = null;

  constructor(private readonly options: { mode?: 'notebook' | 'terminal' | 'log' | 'silent'; log?: (line: string) => void } = {}) {}

  onEpochBegin(epoch: number, ctx: TrainContext): void {
    this.bar = createProgressBar({ total: ctx.params.samples, label: `Época ${epoch}/${ctx.params.epochs}`, mode: this.options.mode });
  }

  onBatchEnd(logs: BatchLogs, ctx: TrainContext): void {
    this.bar?.update(Math.min(ctx.params.samples, (logs.batch + 1) * ctx.params.batchSize), formatMetrics(logs.running));
  }

  onEpochEnd(logs: EpochLogs, ctx: TrainContext): void {
    this.bar?.stop();
    this.bar = null;
    if (this.options.mode === 'silent') return;
    const line =
      `Época ${logs.epoch}/${ctx.params.epochs} - ${formatDuration(logs.seconds)} ` +
      `(${formatPt(logs.imagesPerSecond)} imagens/s) - ${formatMetrics(logs.metrics)}`;
    (this.options.log ?? console.log)(line);
  }

  onTrainEnd(result: TrainResult): void {
    this.bar?.stop();
    this.bar = null;
    if (result.stopReason === 'interrupted') {
      (this.options.log ?? console.log)(`Treino interrompido: ${result.history.length} época(s) completa(s) nesta execução; o modelo continua utilizável.`);
    }
  }
}

/**
 * Every `everyNBatches` batches, decodes one random z ~ N(0, I) and writes
 * `images/img_EEE_B.jpg` (GDL's CustomCallback).
 */
export class SampleImageCallback implements Callback {
  constructor(
    private readonly imagesDir: string,
    private readonly everyNBatches: number,
    private readonly options: { scale?: number } = {},
  ) {}

  async onBatchEnd(logs: BatchLogs, ctx: TrainContext): Promise<void> {
    if (this.everyNBatches <= 0 || logs.batch % this.everyNBatches !== 0) return;
    const { model } = ctx;
    const z = new Rng(hashSeed(ctx.params.seed, logs.epoch, logs.batch, 3)).fillNormal(new Float32Array(model.zDim));
    const pixels = tf.tidy(() => (model.decoder.predict(tf.tensor2d(z, [1, model.zDim])) as tf.Tensor).dataSync());
    const [h, w, c] = model.inputDim;
    const grey = c === 1 ? pixels : pixels.filter((_, i) => i % c === 0);
    const file = path.join(this.imagesDir, `img_${String(logs.epoch).padStart(3, '0')}_${logs.batch}.jpg`);
    await withFsErrors(file, 'gravar', () => saveGreyImage(file, grey, w, h, { scale: this.options.scale ?? 4 }));
  }
}

/** The sentence that says which checkpoint is intact after a failure (or that there is none yet). */
export function intactCheckpointSentence(last: { dir: string; epoch: number } | null): string {
  return last ? ` O último checkpoint válido continua em ${last.dir} (época ${last.epoch}).` : ' Ainda não há checkpoint válido desta execução.';
}

/**
 * At every epoch end writes `weights/weights-EEE-LOSS/` and `weights/weights/` (latest),
 * like GDL's two ModelCheckpoint callbacks. `keep: 'latest'` skips the per-epoch folders.
 * Before writing, the weights must be finite and give a finite loss on `probe` (a diverged run
 * can end an epoch with huge but finite weights that turn NaN at the next step): otherwise the
 * epoch is not saved and the previous checkpoint stays the last one.
 */
export class CheckpointCallback implements Callback {
  /** The last checkpoint written (or found when resuming). */
  lastSaved: { dir: string; epoch: number } | null = null;

  constructor(
    private readonly weightsDir: string,
    private readonly options: {
      keep?: 'all' | 'latest';
      /** Backend label written with the metrics. */
      backend?: string;
      /** The checkpoint a resumed run started from (named in errors until a new one is saved). */
      previous?: { dir: string; epoch: number };
      /** A few training images: the loss on them (ε = 0) must be finite for a checkpoint to be written. */
      probe?: tf.Tensor4D;
      onSaved?: (info: CheckpointInfo) => void;
    } = {},
  ) {
    this.lastSaved = options.previous ?? null;
  }

  /** Why the model is not fit to be saved (non-finite weights or loss), or null. */
  private invalidity(logs: EpochLogs, ctx: TrainContext): string | null {
    const badMetrics = Object.entries(logs.metrics).filter(([, v]) => !Number.isFinite(v));
    if (badMetrics.length) return `métricas da época não finitas: ${badMetrics.map(([k, v]) => `${k}=${v}`).join(', ')}`;
    const badWeights = nonFiniteVariables(ctx.model.namedVariables());
    if (badWeights.length) return `pesos com NaN/Inf em ${badWeights.slice(0, 3).join(', ')}${badWeights.length > 3 ? '…' : ''}`;
    const probe = this.options.probe;
    if (probe) {
      const values = tf.tidy(() => {
        const eps = tf.zeros([probe.shape[0], ctx.model.zDim]) as tf.Tensor2D;
        return ctx.model.lossTerms(probe, eps, false).map((t) => t.dataSync()[0]);
      });
      if (!values.every(Number.isFinite)) {
        return `com os pesos do fim da época, a loss de ${probe.shape[0]} imagens de treino dá ${ctx.model.metricNames.map((m, i) => `${m}=${values[i]}`).join(', ')}`;
      }
    }
    return null;
  }

  async onEpochEnd(logs: EpochLogs, ctx: TrainContext): Promise<void> {
    const invalid = this.invalidity(logs, ctx);
    if (invalid) {
      throw new TrainingError(
        `O treino divergiu na época ${logs.epoch} (${invalid}): o checkpoint desta época não foi gravado.` +
          intactCheckpointSentence(this.lastSaved) + ' Tente uma learning rate menor.',
      );
    }
    const info: CheckpointInfo = {
      epoch: logs.epoch,
      logs: { ...logs.metrics, seconds: logs.seconds, images_per_second: logs.imagesPerSecond, backend: this.options.backend ?? '' },
      learningRate: logs.learningRate,
      seed: ctx.params.seed,
      savedAt: new Date().toISOString(),
    };
    const variables = ctx.model.namedVariables();
    const targets = [path.join(this.weightsDir, LATEST)];
    if (this.options.keep !== 'latest') targets.unshift(path.join(this.weightsDir, epochFolderName(logs.epoch, logs.metrics.loss)));
    for (const target of targets) {
      try {
        await writeCheckpoint(target, ctx.model.model, ctx.optimizer, variables, info);
      } catch (err) {
        const reason = isFsError(err) ? fsErrorMessage(err.code, target, 'gravar') : `Não foi possível salvar o checkpoint em ${target}: ${(err as Error).message}`;
        const written = target !== targets[0] ? ` (${targets[0]} da época ${logs.epoch} foi gravado.)` : '';
        throw new TrainingError(`Checkpoint da época ${logs.epoch} não gravado. ${reason}${written}${intactCheckpointSentence(this.lastSaved)}`, { cause: err });
      }
    }
    this.lastSaved = { dir: targets[targets.length - 1], epoch: logs.epoch };
    this.options.onSaved?.(info);
  }
}

/** The columns of training_log.csv: epoch, the metrics, timing, backend, and the learning rate of the epoch. */
export function logColumns(metricNames: readonly string[]): string[] {
  return ['epoch', ...metricNames, 'seconds', 'images_per_second', 'backend', 'learning_rate'];
}

/** One CSV row from an epoch's values (seconds to 3 decimals, images/s to 1, like every row). */
function logRow(columns: string[], values: Record<string, number | string | undefined>): string {
  const cell = (c: string) => {
    const v = values[c];
    if (v === undefined || v === '') return '';
    if (c === 'seconds') return String(Number(Number(v).toFixed(3)));
    if (c === 'images_per_second') return String(Number(Number(v).toFixed(1)));
    return String(v);
  };
  return columns.map(cell).join(',');
}

/** The saved numbers of an epoch (checkpoint.json) that can stand for its missing CSV row. */
export interface RestorableEpoch {
  epoch: number;
  logs?: Record<string, number | string>;
  learningRate?: number;
}

/**
 * The rows a continued log keeps when training continues after `fromEpoch`: rows up to that epoch
 * (a crash may have left later ones), row `fromEpoch` restored from its checkpoint when the crash
 * came between the checkpoint and the CSV. A log from before the learning_rate column is read too
 * (its rows get an empty rate). Throws when the rows would leave a gap (a checkpoint that claims
 * a later epoch than the log, `--initial-epoch` past the log's end) or the file is another log.
 */
export async function continueLog(file: string, metricNames: readonly string[], fromEpoch: number, restore: RestorableEpoch | null): Promise<string[]> {
  const columns = logColumns(metricNames);
  const header = columns.join(',');
  const bytes = await withFsErrors(file, 'ler', () => readFileBounded(file, 64 << 20));
  const lines = (bytes?.toString('utf8') ?? '').split(/\r?\n/).filter((l) => l.trim() !== ''); // CRLF too: a log saved by a spreadsheet
  let body = lines.slice(1);
  if (lines.length && lines[0] !== header) {
    if (lines[0] !== columns.slice(0, -1).join(',')) {
      throw new TrainingError(`${file} tem outro cabeçalho ("${lines[0]}"); esperado "${header}". Não vou sobrescrevê-lo.`);
    }
    body = body.map((l) => l + ','); // the log of an older version: no learning_rate column yet
  }
  const byEpoch = new Map<number, string>();
  body.forEach((line, i) => {
    const epoch = Number(line.split(',')[0]);
    if (!Number.isInteger(epoch) || epoch < 1) throw new TrainingError(`${file}, linha ${i + 2}: época ilegível ("${line.slice(0, 40)}"). Corrija ou apague essa linha.`);
    if (epoch <= fromEpoch && !byEpoch.has(epoch)) byEpoch.set(epoch, line);
  });
  if (!byEpoch.has(fromEpoch) && restore?.epoch === fromEpoch && restore.logs) {
    byEpoch.set(fromEpoch, logRow(columns, { ...restore.logs, epoch: fromEpoch, backend: String(restore.logs.backend ?? ''), learning_rate: restore.learningRate }));
  }
  const epochs = [...byEpoch.keys()].sort((x, y) => x - y);
  const missing: number[] = [];
  if (epochs.length) for (let e = epochs[0]; e <= fromEpoch; e++) if (!byEpoch.has(e)) missing.push(e);
  if (missing.length) {
    const span = missing.length > 1 ? `${missing[0]} a ${missing[missing.length - 1]}` : String(missing[0]);
    throw new TrainingError(
      `${file} tem as épocas ${epochs[0]} a ${epochs.filter((e) => e < missing[0]).pop() ?? epochs[0]}, mas o treino continuaria depois da época ${fromEpoch}: ` +
        `faltariam as linhas ${span}. Continue do checkpoint da última época do log (--initial-epoch ou --resume; um checkpoint.json editado?) ou recomece com --overwrite.`,
    );
  }
  return epochs.map((e) => byEpoch.get(e)!);
}

/**
 * Appends one row per epoch to `training_log.csv` (epoch, metrics, seconds, images/s, backend,
 * learning rate). The whole file is rewritten atomically each time, so a crash never leaves half a
 * row. When continuing after epoch E, `continueLog` decides the rows kept.
 */
export class CsvLoggerCallback implements Callback {
  private rows: string[] = [];
  private header = '';

  constructor(
    private readonly file: string,
    private readonly backend: string,
    private readonly resume: RestorableEpoch | null = null,
  ) {}

  async onTrainBegin(ctx: TrainContext): Promise<void> {
    this.header = logColumns(ctx.model.metricNames).join(',');
    this.rows = [];
    if (ctx.params.initialEpoch === 0) return; // a new run starts a new log, like Keras' CSVLogger
    this.rows = await continueLog(this.file, ctx.model.metricNames, ctx.params.initialEpoch, this.resume);
    await this.write();
  }

  async onEpochEnd(logs: EpochLogs, ctx: TrainContext): Promise<void> {
    const values = { epoch: logs.epoch, ...logs.metrics, seconds: logs.seconds, images_per_second: logs.imagesPerSecond, backend: this.backend, learning_rate: logs.learningRate };
    this.rows.push(logRow(logColumns(ctx.model.metricNames), values));
    await this.write();
  }

  private async write(): Promise<void> {
    await withFsErrors(this.file, 'gravar', () => writeFileAtomic(this.file, [this.header, ...this.rows].join('\n') + '\n'));
  }
}

/**
 * GDL's `step_decay_schedule`: lr = initial · decay^floor((epoch − firstEpoch) / stepSize), with
 * firstEpoch 1 — or the epoch from which a learning rate changed on resume applies.
 */
export class StepDecayCallback implements Callback {
  constructor(
    private readonly initialLr: number,
    private readonly decayFactor: number,
    private readonly stepSize = 1,
    private readonly firstEpoch = 1,
  ) {}

  onEpochBegin(epoch: number, ctx: TrainContext): void {
    ctx.setLearningRate(this.initialLr * this.decayFactor ** Math.floor((epoch - this.firstEpoch) / this.stepSize));
  }
}
