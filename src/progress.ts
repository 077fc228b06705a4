/**
 * Progress bars for long work (downloads, training epochs), in three places:
 * a terminal (cli-progress), a notebook (an HTML <progress> updated in place), and plain logs
 * (one line every 10%, for CI and redirected output).
 */
import { SingleBar } from 'cli-progress';
import { UpdatableDisplay, inNotebook } from './notebook';
import { escapeXml } from './text';

export interface ProgressBar {
  /** Sets the current value; `info` is shown after the bar (e.g. running losses). */
  update(current: number, info?: string): void;
  /** Draws the final state and releases the terminal line. */
  stop(): void;
}

export interface ProgressOptions {
  /** Total number of units (bytes, images...). */
  total: number;
  /** Short label before the bar, e.g. "Época 1/200". */
  label: string;
  /** Formats a value for display (default: the integer). */
  format?: (value: number) => string;
  /** Where to draw; default: notebook if inside tslab, terminal if stderr is a TTY, else log lines. */
  mode?: 'notebook' | 'terminal' | 'log' | 'silent';
}

/** Seconds → "m:ss" or "h:mm:ss". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}


/** Creates a progress bar suited to where the code runs. */
export function createProgressBar(options: ProgressOptions): ProgressBar {
  const mode = options.mode ?? (inNotebook() ? 'notebook' : process.stderr.isTTY ? 'terminal' : 'log');
  const format = options.format ?? ((v: number) => String(Math.round(v)));
  const start = Date.now();
  let current = 0;
  let info = '';
  const eta = () => {
    const elapsed = (Date.now() - start) / 1000;
    return current > 0 ? (elapsed * (options.total - current)) / current : NaN;
  };
  const line = () =>
    `${options.label} ${format(current)}/${format(options.total)} ` +
    `(${Math.floor((100 * current) / Math.max(options.total, 1))}%) ` +
    `- ${formatDuration((Date.now() - start) / 1000)} decorridos, faltam ${formatDuration(eta())}` +
    (info ? ` - ${info}` : '');

  if (mode === 'silent') return { update() {}, stop() {} };

  if (mode === 'terminal') {
    const bar = new SingleBar({
      format: `${options.label} [{bar}] {percentage}% | {shown}/{totalShown} | ETA {etaShown} | {info}`,
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      stream: process.stderr,
    });
    const fields = () => ({ shown: format(current), totalShown: format(options.total), etaShown: formatDuration(eta()), info });
    bar.start(options.total, 0, fields());
    return {
      update(value, text) {
        current = value;
        if (text !== undefined) info = text;
        bar.update(value, fields());
      },
      stop() {
        bar.update(current, fields());
        bar.stop();
      },
    };
  }

  if (mode === 'notebook') {
    const display = new UpdatableDisplay();
    let lastDraw = 0;
    const draw = () => {
      lastDraw = Date.now();
      display.show({
        'text/plain': line(),
        'text/html':
          `<div style="font-family:monospace">${escapeXml(options.label)} ` +
          `<progress value="${current}" max="${options.total}" style="width:40%"></progress> ` +
          `${escapeXml(line().slice(options.label.length + 1))}</div>`,
      });
    };
    draw();
    return {
      update(value, text) {
        current = value;
        if (text !== undefined) info = text;
        if (Date.now() - lastDraw >= 250) draw();
      },
      stop: draw,
    };
  }

  // Plain log lines: one per 10% step, so CI logs stay short.
  let lastDecile = -1;
  return {
    update(value, text) {
      current = value;
      if (text !== undefined) info = text;
      const decile = Math.floor((10 * current) / Math.max(options.total, 1));
      if (decile > lastDecile) {
        lastDecile = decile;
        process.stderr.write(line() + '\n');
      }
    },
    stop() {
      if (lastDecile < 10) process.stderr.write(line() + '\n');
    },
  };
}
