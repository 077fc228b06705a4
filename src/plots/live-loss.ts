/**
 * A training callback that redraws the loss curves in the notebook while the VAE trains
 * (running means, a point every N batches), in the same output cell.
 */
import { UpdatableDisplay, inNotebook } from '../notebook';
import type { BatchLogs, Callback, TrainContext } from '../train/types';
import { lossCurves, type LogRow } from './loss-curves';

/** Options of `LiveLossChart`. */
export interface LiveLossChartOptions {
  /** Add a point (and redraw) every N batches. Default 100. */
  everyNBatches?: number;
  /** Chart title. Default "Treino ao vivo (médias da época até o lote)". */
  title?: string;
}

export class LiveLossChart implements Callback {
  /** The points drawn so far: fractional epoch and running metrics. */
  readonly rows: LogRow[] = [];
  private readonly display = new UpdatableDisplay();

  constructor(private readonly options: LiveLossChartOptions = {}) {}

  async onBatchEnd(logs: BatchLogs, ctx: TrainContext): Promise<void> {
    const every = this.options.everyNBatches ?? 100;
    const last = logs.batch === ctx.params.stepsPerEpoch - 1;
    if (logs.batch % every !== every - 1 && !last) return;
    this.rows.push({ epoch: logs.epoch - 1 + (logs.batch + 1) / ctx.params.stepsPerEpoch, ...logs.running });
    if (!inNotebook() || this.rows.length < 2) return;
    await lossCurves(this.rows, { title: this.options.title ?? 'Treino ao vivo (médias da época até o lote)' }).show(this.display);
  }
}
