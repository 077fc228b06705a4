/**
 * Node's file-system error codes in Portuguese, in one place: every call site that writes or reads
 * a run folder turns an `ENOSPC`/`EROFS`/`ENOTDIR`... into one sentence naming the path and what
 * to do (a StorageError), instead of Node's English message and a stack.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StorageError, VaeError } from '../errors';

/** What was being done, for the message: "gravar", "ler", "criar a pasta"... */
export type FsAction = 'gravar' | 'ler' | 'criar a pasta' | 'apagar' | 'travar';

/** True for an error Node raised from a system call (it has a string `code` like 'ENOENT'). */
export function isFsError(err: unknown): err is NodeJS.ErrnoException & { code: string } {
  return err instanceof Error && !(err instanceof VaeError) && typeof (err as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((err as NodeJS.ErrnoException).code!);
}

/** The Portuguese sentence for `code` while doing `action` on `file`. */
export function fsErrorMessage(code: string, file: string, action: FsAction = 'gravar'): string {
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return `Disco cheio ao ${action} ${file} (${code}): libere espaço ou use uma pasta em outro disco.`;
    case 'EROFS':
      return `${file} está num disco somente leitura (EROFS): use uma pasta gravável (para continuar um treino dali, copie a pasta da execução, ex.: cp -r, e use a cópia).`;
    case 'EACCES':
    case 'EPERM':
      return `Sem permissão para ${action} ${file} (${code}): use uma pasta sua ou corrija as permissões.`;
    case 'ENOTDIR':
      return `${file}: uma parte do caminho é um arquivo, não uma pasta (ENOTDIR); escolha outro caminho.`;
    case 'EISDIR':
      return `${file} é uma pasta, não um arquivo (EISDIR).`;
    case 'ENOENT':
      return `${file} não existe (ENOENT).`;
    case 'EEXIST':
      return `${file} já existe (EEXIST).`;
    case 'ENAMETOOLONG':
      return `${file}: nome longo demais (ENAMETOOLONG); use um caminho mais curto.`;
    case 'ELOOP':
      return `${file}: links simbólicos em círculo (ELOOP).`;
    case 'EMFILE':
    case 'ENFILE':
      return `Arquivos abertos demais ao ${action} ${file} (${code}): feche outros programas e tente de novo.`;
    case 'EIO':
      return `Erro de leitura/escrita no disco ao ${action} ${file} (EIO): o disco ou a mídia pode estar com defeito.`;
    case 'EBUSY':
      return `${file} está em uso por outro programa (EBUSY).`;
    default:
      return `Não foi possível ${action} ${file} (${code}).`;
  }
}

/** A StorageError for a Node error (or `err` itself when it is not a file-system error). */
export function toStorageError(err: unknown, file?: string, action: FsAction = 'gravar'): unknown {
  if (!isFsError(err)) return err;
  const where = file ?? err.path ?? '?';
  return new StorageError(fsErrorMessage(err.code, where, action), where, err.code, { cause: err });
}

/** Runs `fn`; a file-system error becomes a StorageError about `file`. */
export async function withFsErrors<T>(file: string, action: FsAction, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toStorageError(err, file, action);
  }
}

/**
 * mkdir -p with the real reason: Node's recursive mkdir says ENOENT when the first missing folder
 * cannot be created (a read-only mount, no permission), and ENOTDIR without saying which part is a
 * file. This finds the deepest existing ancestor and names it.
 */
export async function ensureFolder(folder: string): Promise<void> {
  try {
    await fs.mkdir(folder, { recursive: true });
    return;
  } catch (caught) {
    if (!isFsError(caught)) throw caught;
    const err = caught;
    const { ancestor, child } = await deepestExisting(path.resolve(folder));
    if (ancestor && !(await fs.stat(ancestor)).isDirectory()) throw await notAFolderError(folder, err);
    let code = err.code;
    if (child) code = await fs.mkdir(child).then(() => err.code, (e: NodeJS.ErrnoException) => e.code ?? err.code);
    const where = child ? shown(folder, child) : folder;
    throw new StorageError(code === 'ENOENT' ? fsErrorMessage(err.code, folder, 'criar a pasta') : fsErrorMessage(code, where, 'criar a pasta'), where, code, { cause: err });
  }
}

/** The StorageError for `folder` when a part of its path is a file (the part is named). */
export async function notAFolderError(folder: string, cause?: unknown): Promise<StorageError> {
  const { ancestor } = await deepestExisting(path.resolve(folder));
  const file = ancestor ? shown(folder, ancestor) : folder;
  return new StorageError(`${file} é um arquivo, não uma pasta: escolha outro caminho para a pasta da execução.`, file, 'ENOTDIR', { cause });
}

/** The deepest existing ancestor of an absolute path (a file or a folder) and its child on the way to `target`. */
async function deepestExisting(target: string): Promise<{ ancestor: string | null; child: string | null }> {
  let child: string | null = null;
  for (let p = target; ; p = path.dirname(p)) {
    if (await fs.stat(p).then(() => true, () => false)) return { ancestor: p, child };
    if (path.dirname(p) === p) return { ancestor: null, child };
    child = p;
  }
}

/** `abs` relative to the cwd when `original` was relative (so messages show the path the user typed). */
function shown(original: string, abs: string): string {
  return path.isAbsolute(original) ? abs : path.relative(process.cwd(), abs) || '.';
}
