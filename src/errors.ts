/**
 * Named errors for users. Library code throws these; only the CLI turns them into exit codes.
 * Messages are in Portuguese and say which file or value is wrong, expected vs actual.
 */

/** Base class: every error this package throws on purpose. */
export class VaeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A data file is missing, truncated, corrupt, or not what it should be. */
export class DataError extends VaeError {
  constructor(
    message: string,
    /** The file the problem is about, when there is one. */
    readonly file?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A checkpoint lacks optimizer.json / optimizer.bin: its weights may still load (continue with a fresh Adam). */
export class OptimizerStateMissingError extends DataError {}

/** A configuration value (option, flag, params.json field) is invalid. */
export class ConfigError extends VaeError {}

/** Another training holds the run folder's lock (training.lock). */
export class RunFolderBusyError extends ConfigError {}

/** A tensor or saved weight does not have the expected shape. */
export class ShapeError extends VaeError {}

/** Training stopped on purpose: NaN/Inf loss, interruption, failed checkpoint. */
export class TrainingError extends VaeError {}

/**
 * A file-system operation failed (read-only disk, full disk, a file where a folder should be, no
 * permission...). The message is one Portuguese sentence from io/fs-errors.ts naming the path.
 */
export class StorageError extends VaeError {
  constructor(
    message: string,
    /** The path the operation was about. */
    readonly path: string,
    /** Node's error code (EROFS, ENOSPC, ENOTDIR...). */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Throws a ConfigError with `message()` when `condition` is false (message built lazily). */
export function assert(condition: unknown, message: () => string): asserts condition {
  if (!condition) throw new ConfigError(message());
}

/** Formats a shape like Keras does: (None, 28, 28, 1). */
export function formatShape(shape: ReadonlyArray<number | null>): string {
  return `(${shape.map((d) => (d == null ? 'None' : String(d))).join(', ')})`;
}
