/** What every command shares: one-line Portuguese errors and the main guard. */
import { VaeError } from '../errors';
import { UsageError } from './flags';
import { fsErrorMessage, isFsError } from '../io/fs-errors';

/**
 * Prints `err` for a user (our errors as one line; a file-system error Node raised as one
 * Portuguese sentence naming the path; anything else with its stack); returns the exit code:
 * 2 for bad usage, else 1.
 */
export function reportError(err: unknown): number {
  if (err instanceof VaeError) console.error(`Erro: ${err.message}`);
  else if (isFsError(err)) console.error(`Erro: ${fsErrorMessage(err.code, err.path ?? '?', /^(open|read|stat|scandir|access)/.test(err.syscall ?? '') ? 'ler' : 'gravar')}`);
  else console.error('Erro inesperado:', err);
  return err instanceof UsageError ? 2 : 1;
}

/** Runs `main(argv)` when `mod` is the script node started (so tests can import the module). */
export function runIfMain(mod: NodeModule, main: (argv: string[]) => Promise<number>): void {
  if (require.main !== mod) return;
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err) => (process.exitCode = reportError(err)),
  );
}
