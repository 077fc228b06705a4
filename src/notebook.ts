/**
 * The bridge to a running tslab kernel: detects it and sends Jupyter display messages
 * (several MIME types in one output, and in-place updates for progress bars).
 *
 * tslab's public `display` sends one MIME type per output. A chart needs a bundle
 * (vega-lite JSON + a PNG/SVG fallback for static HTML), so we use the kernel's own
 * `writeDisplayData` channel, found in the module cache whichever tslab install runs the kernel.
 */
import { randomBytes } from 'node:crypto';

/** A Jupyter MIME bundle: MIME type → payload (string, base64 string or JSON object). */
export type MimeBundle = Record<string, unknown>;

type WriteDisplayData = (
  msg: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id?: string } },
  update: boolean,
) => void;

function kernelChannel(): WriteDisplayData | null {
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(file)) continue;
    const write = (mod?.exports as { lastWriteDisplayData?: WriteDisplayData | null })?.lastWriteDisplayData;
    if (typeof write === 'function') return write;
  }
  return null;
}

/** True when this code runs inside a tslab (Jupyter) kernel. */
export function inNotebook(): boolean {
  return kernelChannel() !== null;
}

/** Shows `bundle` as a cell output. Returns false (and does nothing) outside a notebook. */
export function displayBundle(bundle: MimeBundle, metadata: Record<string, unknown> = {}): boolean {
  const write = kernelChannel();
  if (!write) return false;
  write({ data: bundle, metadata, transient: {} }, false);
  return true;
}

/** An output that can be replaced in place (used by progress bars and live charts). */
export class UpdatableDisplay {
  private readonly id = randomBytes(8).toString('hex');
  private shown = false;

  /** Shows `bundle`, replacing what this display showed before. False outside a notebook. */
  show(bundle: MimeBundle, metadata: Record<string, unknown> = {}): boolean {
    const write = kernelChannel();
    if (!write) return false;
    write({ data: bundle, metadata, transient: { display_id: this.id } }, this.shown);
    this.shown = true;
    return true;
  }
}
