/** Training curves from the CSV log: total loss, reconstruction and KL per epoch. */
import { ChartFigure } from './figure';
import type { ChartOptions } from './normal-density';
import { DataError } from '../errors';
import { PALETTE } from './theme';
import { countOf } from './inputs';

/** One line of the training log (header epoch,loss,vae_r_loss,vae_kl_loss,seconds,images_per_second,backend,learning_rate; older logs lack the last column). */
export type LogRow = Record<string, number | string>;

/** Options of `lossCurves`. */
export interface LossCurvesOptions extends ChartOptions {
  /** Where the (much smaller) KL goes: its own axis on the right ('axis') or the same axis ('same'). Default 'axis'. */
  kl?: 'axis' | 'same';
  /** Logarithmic y scale. Default false. */
  logScale?: boolean;
}

/** A point of a loss curve. */
export interface LossRow {
  epoch: number;
  /** Legend entry, e.g. "reconstrução (vae_r_loss)". */
  series: string;
  value: number;
}

/** Legend names of the log's columns. */
export const LOSS_SERIES: Record<string, string> = {
  loss: 'total (loss)',
  vae_r_loss: 'reconstrução (vae_r_loss)',
  vae_kl_loss: 'KL (vae_kl_loss)',
};

// Short names for the left axis title.
const SHORT: Record<string, string> = { loss: 'total', vae_r_loss: 'reconstrução', vae_kl_loss: 'KL' };

/** Parses a small CSV (header line, comma-separated, no quoting); numeric cells become numbers. */
export function parseCsv(text: string): LogRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new DataError('CSV vazio: esperava um cabeçalho como "epoch,loss,vae_r_loss,vae_kl_loss".');
  const header = lines[0].split(',').map((h) => h.trim());
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(header.map((h, i) => {
      const c = (cells[i] ?? '').trim();
      return [h, c !== '' && Number.isFinite(Number(c)) ? Number(c) : c];
    }));
  });
}

/** Lines of loss, vae_r_loss and vae_kl_loss per epoch from the log's CSV text (or parsed rows). */
export function lossCurves(csvTextOrRows: string | LogRow[], opts: LossCurvesOptions = {}): ChartFigure<LossRow> {
  const { kl = 'axis', logScale = false, width = 560, height = 320, title = 'Perdas por época' } = opts;
  const log = typeof csvTextOrRows === 'string' ? parseCsv(csvTextOrRows) : csvTextOrRows;
  const cols = Object.keys(LOSS_SERIES).filter((c) => log.some((r) => typeof r[c] === 'number'));
  if (cols.length === 0 || !log.every((r) => typeof r.epoch === 'number')) {
    throw new DataError(`O log deve ter as colunas epoch e ao menos uma de ${Object.keys(LOSS_SERIES).join(', ')}; recebi ${Object.keys(log[0] ?? {}).join(', ') || 'nenhuma linha'}.`);
  }
  const rows = cols.flatMap((c) => log.filter((r) => typeof r[c] === 'number').map((r) => ({ epoch: r.epoch as number, series: LOSS_SERIES[c], value: r[c] as number })));
  const domain = cols.map((c) => LOSS_SERIES[c]);
  const yScale = logScale ? { type: 'log' } : { zero: false };
  const colorOf = (name: string) => PALETTE[domain.indexOf(name)];
  // Whole epochs as ticks: listed when there are few (else "1, 2, 2" from rounding 1.5), stepped when many.
  const epochs = rows.map((r) => r.epoch);
  const [first, last] = [Math.ceil(Math.min(...epochs)), Math.floor(Math.max(...epochs))];
  const epochAxis = last - first <= 12 ? { values: Array.from({ length: last - first + 1 }, (_, i) => first + i), format: 'd' } : { tickMinStep: 1, format: 'd' };
  const line = (series: string[], yTitle: string, orient: 'left' | 'right', dashed: boolean) => ({
    transform: [{ filter: { field: 'series', oneOf: series } }],
    mark: { type: 'line', point: rows.length / cols.length <= 30, strokeWidth: 2, ...(dashed ? { strokeDash: [6, 3] } : {}) },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'época', scale: { zero: false, nice: false }, axis: epochAxis },
      y: {
        field: 'value', type: 'quantitative', title: yTitle, scale: yScale,
        axis: { orient, ...(series.length === 1 ? { titleColor: colorOf(series[0]) } : {}) },
      },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain }, legend: { orient: 'bottom', direction: 'horizontal' } },
      tooltip: [{ field: 'series', title: 'perda' }, { field: 'epoch', title: 'época' }, { field: 'value', title: 'valor', format: '.4f' }],
    },
  });
  const KL = LOSS_SERIES.vae_kl_loss;
  const split = kl === 'axis' && domain.includes(KL) && domain.length > 1;
  const layer = split
    ? [line(domain.filter((d) => d !== KL), `perda (${cols.filter((c) => c !== 'vae_kl_loss').map((c) => SHORT[c]).join(', ')})`, 'left', false), line([KL], 'perda KL (tracejada)', 'right', true)]
    : [line(domain, 'perda', 'left', false)];
  return new ChartFigure({
    width, height, title, data: { values: rows }, layer,
    ...(split ? { resolve: { scale: { y: 'independent' } } } : {}),
  }, rows, `Curvas de perda (${domain.join(', ')}) em ${countOf(new Set(log.map((r) => Math.ceil(r.epoch as number))).size, 'época', 'épocas')}`);
}
