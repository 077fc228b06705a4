/**
 * The GDL training behaviour, one callback per concern: progress bar, a sample image every
 * N batches, checkpoints every epoch, the CSV log, and the step learning-rate decay.
 */
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { TrainingError } from '../errors';
import { formatPt } from '../text';
import { writeFileAtomic } from '../io/files';
import { saveGreyImage } from '../io/images';
import { createProgressBar, formatDuration, type ProgressBar } from '../progress';
import { LATEST } from '../io/run-folder';
import { epochFolderName, writeCheckpoint, type CheckpointInfo } from './checkpoint';
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
      `(${Math.round(logs.imagesPerSecond)} imagens/s) - ${formatMetrics(logs.metrics)}`;
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
    await saveGreyImage(file, grey, w, h, { scale: this.options.scale ?? 4 });
  }
}

/**
 * At every epoch end writes `weights/weights-EEE-LOSS/` and `weights/weights/` (latest),
 * like GDL's two ModelCheckpoint callbacks. `keep: 'latest'` skips the per-epoch folders.
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
      onSaved?: (info: CheckpointInfo) => void;
    } = {},
  ) {
    this.lastSaved = options.previous ?? null;
  }

  async onEpochEnd(logs: EpochLogs, ctx: TrainContext): Promise<void> {
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
        const kept = this.lastSaved ? ` O último checkpoint válido continua em ${this.lastSaved.dir} (época ${this.lastSaved.epoch}).` : '';
        const full = (err as NodeJS.ErrnoException).code === 'ENOSPC' ? ' (disco cheio)' : '';
        throw new TrainingError(`Não foi possível salvar o checkpoint em ${target}${full}: ${(err as Error).message}.${kept}`, { cause: err });
      }
    }
    this.lastSaved = { dir: targets[targets.length - 1], epoch: logs.epoch };
    this.options.onSaved?.(info);
  }
}

/**
 * Appends one row per epoch to `training_log.csv` (epoch, metrics, seconds, images/s, backend).
 * The whole file is rewritten atomically each time, so a crash never leaves half a row.
 * When resuming at epoch E, rows after E are dropped and row E is restored from the checkpoint.
 */
export class CsvLoggerCallback implements Callback {
  private rows: string[] = [];
  private header = '';

  constructor(
    private readonly file: string,
    private readonly backend: string,
    private readonly resume: { epoch: number; logs?: Record<string, number | string> } | null = null,
  ) {}

  private columns(metricNames: readonly string[]): string[] {
    return ['epoch', ...metricNames, 'seconds', 'images_per_second', 'backend'];
  }

  async onTrainBegin(ctx: TrainContext): Promise<void> {
    const columns = this.columns(ctx.model.metricNames);
    this.header = columns.join(',');
    this.rows = [];
    if (ctx.params.initialEpoch === 0) return; // a new run starts a new log, like Keras' CSVLogger
    let text = '';
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch {
      // no log yet
    }
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    if (lines.length && lines[0] !== this.header) {
      throw new TrainingError(`${this.file} tem outro cabeçalho ("${lines[0]}"); esperado "${this.header}". Não vou sobrescrevê-lo.`);
    }
    const epochs = new Set<number>();
    for (const line of lines.slice(1)) {
      const epoch = Number(line.split(',')[0]);
      if (epoch <= ctx.params.initialEpoch && !epochs.has(epoch)) {
        epochs.add(epoch);
        this.rows.push(line);
      }
    }
    const last = ctx.params.initialEpoch;
    if (!epochs.has(last) && this.resume?.epoch === last && this.resume.logs) {
      const logs = this.resume.logs;
      this.rows.push(columns.map((c) => (c === 'epoch' ? String(last) : c === 'backend' ? String(logs.backend ?? '') : String(logs[c] ?? ''))).join(','));
    }
    this.rows.sort((a, b) => Number(a.split(',')[0]) - Number(b.split(',')[0]));
    await this.write();
  }

  async onEpochEnd(logs: EpochLogs, ctx: TrainContext): Promise<void> {
    const values: Record<string, number | string> = {
      epoch: logs.epoch,
      ...logs.metrics,
      seconds: Number(logs.seconds.toFixed(3)),
      images_per_second: Number(logs.imagesPerSecond.toFixed(1)),
      backend: this.backend,
    };
    this.rows.push(this.columns(ctx.model.metricNames).map((c) => String(values[c])).join(','));
    await this.write();
  }

  private async write(): Promise<void> {
    await writeFileAtomic(this.file, [this.header, ...this.rows].join('\n') + '\n');
  }
}

/** GDL's `step_decay_schedule`: lr = initial · decay^floor((epoch − 1) / stepSize). */
export class StepDecayCallback implements Callback {
  constructor(
    private readonly initialLr: number,
    private readonly decayFactor: number,
    private readonly stepSize = 1,
  ) {}

  onEpochBegin(epoch: number, ctx: TrainContext): void {
    ctx.setLearningRate(this.initialLr * this.decayFactor ** Math.floor((epoch - 1) / this.stepSize));
  }
}
