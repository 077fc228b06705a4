/**
 * Downloads data files with Node's built-in `fetch`: mirrors tried in order, a progress bar,
 * content checked by the caller BEFORE anything is written, and an atomic, non-overwriting write
 * (temporary file in the same folder, then a hard link to the final name), so a failed or
 * interrupted download never leaves a partial file where the loader looks.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../errors';
import { writeFileExclusive } from '../io/files';
import { createProgressBar } from '../progress';
import { isGzip } from './idx';

/** One failed attempt to get a file from a mirror. */
export interface DownloadAttempt {
  /** The full URL that was tried. */
  url: string;
  /** Why it failed, in Portuguese (HTTP status, network error, checksum...). */
  reason: string;
  /** True when the server answered but the content was wrong (not a network problem). */
  badContent: boolean;
}

/** Every mirror failed for a file; `attempts` says why for each. */
export class DownloadFailedError extends DataError {
  constructor(
    message: string,
    file: string,
    /** One entry per mirror tried, in order. */
    readonly attempts: DownloadAttempt[],
  ) {
    super(message, file);
  }
}

/** Options for `downloadFile`. */
export interface DownloadOptions {
  /** Base URLs tried in order; the file name is appended (a missing trailing "/" is added). */
  mirrors: string[];
  /** Checks the downloaded bytes (e.g. sha256 of the decompressed content); throws to reject them. */
  verify: (bytes: Uint8Array, url: string) => Promise<void>;
  /** No progress bar and no messages. */
  quiet?: boolean;
  /** Give up on a mirror after this many milliseconds without receiving data (default 30000). */
  idleTimeoutMs?: number;
  /** Most bytes accepted from a mirror (an endless or oversized body is cut there); default unbounded. */
  maxBytes?: number;
}

/** The URL of `file` on the mirror `base`. */
export function mirrorUrl(base: string, file: string): string {
  return (base.endsWith('/') ? base : base + '/') + file;
}

/** Formats a byte count in MB with one decimal, e.g. "9,6 MB". */
export function formatMegabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1).replace('.', ',')} MB`;
}

/** A short Portuguese reason for a fetch failure (network error code when there is one). */
export function describeFetchError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return 'tempo esgotado sem receber dados';
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `erro de rede (${cause})` : `erro de rede (${e?.message ?? String(err)})`;
}

/** Reads a response body into one buffer, updating a progress bar and enforcing the idle timeout. */
async function readBody(
  response: Response,
  label: string,
  quiet: boolean,
  touch: () => void,
  maxBytes: number,
): Promise<Uint8Array> {
  const header = response.headers.get('content-length');
  // With Content-Encoding, fetch decompresses and Content-Length no longer counts what we read.
  const total = header && !response.headers.get('content-encoding') ? Number(header) : 0;
  if (total > maxBytes) throw new TooLargeError(`o servidor anuncia ${formatMegabytes(total)}, mais que os ${formatMegabytes(maxBytes)} esperados no máximo`);
  const bar = createProgressBar({ total: total || 1, label, format: formatMegabytes, mode: quiet || !total ? 'silent' : undefined });
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    const reader = response.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      touch();
      received += value.length;
      if (received > maxBytes) {
        await reader.cancel().catch(() => {});
        throw new TooLargeError(`o servidor enviou mais que os ${formatMegabytes(maxBytes)} esperados no máximo (resposta sem fim?)`);
      }
      chunks.push(value);
      bar.update(Math.min(received, total));
    }
  } finally {
    bar.stop();
  }
  if (total && received !== total) {
    throw new Error(`resposta incompleta: ${received} de ${total} bytes`);
  }
  return Buffer.concat(chunks, received);
}

/** A body over the expected size (the download stops there; memory stays bounded). */
class TooLargeError extends Error {}

/** Fetches `url` with an idle timeout; resolves to the body bytes or throws with a Portuguese reason. */
async function fetchBytes(url: string, label: string, quiet: boolean, idleTimeoutMs: number, maxBytes = Infinity): Promise<Uint8Array> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), idleTimeoutMs);
  };
  touch();
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    } catch (err) {
      throw new Error(describeFetchError(err));
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      throw new Error(`HTTP ${response.status}${response.statusText ? ' ' + response.statusText : ''}`);
    }
    try {
      return await readBody(response, label, quiet, touch, maxBytes);
    } catch (err) {
      if (err instanceof TooLargeError || (err instanceof Error && err.message.startsWith('resposta incompleta'))) throw err;
      throw new Error(`download interrompido: ${describeFetchError(err)}`);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** True when `file` exists (any type). */
export async function exists(file: string): Promise<boolean> {
  try {
    await fsp.stat(file);
    return true;
  } catch {
    return false;
  }
}

/** The name to save downloaded bytes under: without ".gz" when the server sent them uncompressed. */
export function savedName(file: string, bytes: Uint8Array): string {
  return file.endsWith('.gz') && !isGzip(bytes) ? file.slice(0, -3) : file;
}

/**
 * Downloads `file` into `dir`, trying each mirror in order until one gives content that passes
 * `verify`. Nothing is written unless the content is verified. Returns the path written
 * (or the path of a file another process wrote meanwhile, which is never overwritten).
 * Throws a DownloadFailedError listing every attempt when all mirrors fail.
 */
export async function downloadFile(file: string, dir: string, options: DownloadOptions): Promise<string> {
  const attempts: DownloadAttempt[] = [];
  const quiet = options.quiet ?? false;
  for (const base of options.mirrors) {
    const url = mirrorUrl(base, file);
    let bytes: Uint8Array;
    try {
      bytes = await fetchBytes(url, `Baixando ${file}`, quiet, options.idleTimeoutMs ?? 30_000, options.maxBytes);
    } catch (err) {
      attempts.push({ url, reason: (err as Error).message, badContent: false });
      if (!quiet) process.stderr.write(`Falhou ${url}: ${(err as Error).message}\n`);
      continue;
    }
    try {
      await options.verify(bytes, url);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      attempts.push({ url, reason, badContent: true });
      if (!quiet) process.stderr.write(`Conteúdo rejeitado de ${url}: ${reason}\n`);
      continue;
    }
    const dest = path.join(dir, savedName(file, bytes));
    try {
      await writeFileExclusive(dest, bytes);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new DataError(
        `${dest}: não foi possível gravar o arquivo baixado (${code}). Escolha uma pasta com permissão de escrita ` +
          'com a opção dataDir ou a variável VAE_DATA_DIR.',
        dest,
        { cause: err },
      );
    }
    if (!quiet) process.stderr.write(`${file}: ${formatMegabytes(bytes.length)} baixados de ${url} e verificados.\n`);
    return dest;
  }
  const list = attempts.map((a) => `  - ${a.url}: ${a.reason}`).join('\n');
  throw new DownloadFailedError(
    `${file}: nenhum servidor forneceu o arquivo${attempts.length ? ':\n' + list : ' (lista de servidores vazia).'}`,
    file,
    attempts,
  );
}

/** What `missingFilesError` needs to tell people how to get the files by hand. */
export interface MissingFilesInfo {
  /** Data set name shown to people. */
  displayName: string;
  /** Folder where the files must be put. */
  dir: string;
  /** Names of the files that are missing. */
  files: string[];
  /** Base URLs the files can be downloaded from. */
  mirrors: string[];
  /** Why the files are missing: download disabled, or every mirror failed. */
  cause: 'download-disabled' | 'download-failed';
  /** The failed attempts (for 'download-failed'). */
  attempts?: DownloadAttempt[];
  /** Home page of the data set. */
  homepage?: string;
  /** Extra way to get the files, e.g. a system package. */
  installHint?: string;
  /** Subfolder name used under VAE_DATA_DIR. */
  subfolder?: string;
}

/** A DataError (Portuguese) saying which files to put in which folder and where to get them. */
export function missingFilesError(info: MissingFilesInfo): DataError {
  const lines: string[] = [];
  if (info.cause === 'download-disabled') {
    lines.push(`${info.displayName}: faltam arquivos e o download está desativado (download: false).`);
  } else {
    const badContent = info.attempts?.some((a) => a.badContent);
    lines.push(
      `${info.displayName}: não foi possível baixar os arquivos ` +
        (badContent ? '(algum servidor enviou conteúdo inválido; veja abaixo).' : '(sem acesso à internet ou servidores fora do ar?).'),
    );
    if (info.attempts?.length) {
      lines.push('Tentativas:');
      for (const a of info.attempts) lines.push(`  - ${a.url}: ${a.reason}`);
    }
  }
  lines.push(`Coloque estes arquivos na pasta ${info.dir}${path.sep}`);
  for (const f of info.files) lines.push(`  - ${f}`);
  if (info.mirrors.length) {
    lines.push('Eles podem ser baixados de qualquer um destes endereços (endereço + nome do arquivo), por exemplo:');
    for (const f of info.files) lines.push(`  ${mirrorUrl(info.mirrors[0], f)}`);
    lines.push('Endereços alternativos:');
    for (const m of info.mirrors) lines.push(`  - ${mirrorUrl(m, '')}`);
  }
  if (info.homepage) lines.push(`Página do conjunto de dados: ${info.homepage}`);
  if (info.installHint) lines.push(info.installHint);
  if (info.subfolder) {
    lines.push(`Ou defina VAE_DATA_DIR=<pasta> com os arquivos em <pasta>${path.sep}${info.subfolder}${path.sep}, ou passe a opção dataDir.`);
  }
  lines.push('Os arquivos também são aceitos descomprimidos (sem o .gz); o conteúdo é conferido pelo sha256.');
  return new DataError(lines.join('\n'), path.join(info.dir, info.files[0] ?? ''));
}
