/**
 * The bridge to a running tslab kernel: detects it and sends Jupyter display messages
 * (several MIME types in one output, and in-place updates for progress bars).
 *
 * tslab's public `display` sends one MIME type per output. A chart needs a bundle
 * (vega-lite JSON + a PNG/SVG fallback for static HTML), so we use the kernel's own
 * `writeDisplayData` channel (tslab's internal `lastWriteDisplayData`), found in the module cache
 * whichever tslab install runs the kernel. A tslab without that internal still gets every output,
 * through its public `display`, as the single best MIME type of the bundle (the PNG for a figure).
 */
import { randomBytes } from 'node:crypto';

/** A Jupyter MIME bundle: MIME type → payload (string, base64 string or JSON object). */
export type MimeBundle = Record<string, unknown>;

type WriteDisplayData = (
  msg: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id?: string } },
  update: boolean,
) => void;

/** The part of tslab's public `Display` the fallback uses. */
interface PublicDisplay {
  html(s: string): void;
  png(b: Uint8Array): void;
  markdown(s: string): void;
  svg(s: string): void;
  text(s: string): void;
}

interface PublicTslab {
  display: PublicDisplay;
  newDisplay(): PublicDisplay;
}

function cachedModule<T>(pattern: RegExp, ok: (exports: T) => boolean): T | null {
  for (const [file, mod] of Object.entries(require.cache)) {
    if (pattern.test(file) && mod?.exports && ok(mod.exports as T)) return mod.exports as T;
  }
  return null;
}

/** The kernel's own channel (tslab 1.0: dist/jupyter.js `lastWriteDisplayData`), or null. */
function kernelChannel(): WriteDisplayData | null {
  const jupyter = cachedModule<{ lastWriteDisplayData?: unknown }>(/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/, (e) => typeof e.lastWriteDisplayData === 'function');
  return (jupyter?.lastWriteDisplayData as WriteDisplayData | undefined) ?? null;
}

/** tslab's public display API, when a tslab is loaded in this process (the fallback channel). */
function publicTslab(): PublicTslab | null {
  return cachedModule<PublicTslab>(/[\\/]tslab[\\/]dist[\\/]public\.js$/, (e) => typeof e.display?.png === 'function' && typeof e.newDisplay === 'function');
}

/** True when this code runs inside a tslab (Jupyter) kernel. */
export function inNotebook(): boolean {
  return kernelChannel() !== null || publicTslab() !== null;
}

/** Shows the best single MIME type of `bundle` with tslab's public API: HTML, then PNG, Markdown, SVG, text. */
function showWithPublicApi(target: PublicDisplay, bundle: MimeBundle): boolean {
  const text = (k: string) => (typeof bundle[k] === 'string' ? (bundle[k] as string) : null);
  if (text('text/html') !== null) target.html(text('text/html')!);
  else if (text('image/png') !== null) target.png(Buffer.from(text('image/png')!, 'base64'));
  else if (text('text/markdown') !== null) target.markdown(text('text/markdown')!);
  else if (text('image/svg+xml') !== null) target.svg(text('image/svg+xml')!);
  else if (text('text/plain') !== null) target.text(text('text/plain')!);
  else return false;
  return true;
}

/** Shows `bundle` as a cell output. Returns false (and does nothing) outside a notebook. */
export function displayBundle(bundle: MimeBundle, metadata: Record<string, unknown> = {}): boolean {
  const write = kernelChannel();
  if (write) {
    write({ data: bundle, metadata, transient: {} }, false);
    return true;
  }
  const tslab = publicTslab();
  return tslab ? showWithPublicApi(tslab.display, bundle) : false;
}

/** An output that can be replaced in place (used by progress bars and live charts). */
export class UpdatableDisplay {
  private readonly id = randomBytes(8).toString('hex');
  private shown = false;
  private fallback: PublicDisplay | null = null;

  /** Shows `bundle`, replacing what this display showed before. False outside a notebook. */
  show(bundle: MimeBundle, metadata: Record<string, unknown> = {}): boolean {
    const write = kernelChannel();
    if (write) {
      write({ data: bundle, metadata, transient: { display_id: this.id } }, this.shown);
      this.shown = true;
      return true;
    }
    const tslab = publicTslab();
    if (!tslab) return false;
    this.fallback ??= tslab.newDisplay(); // tslab's own updatable display
    return showWithPublicApi(this.fallback, bundle);
  }
}
