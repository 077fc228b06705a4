/**
 * The command-line flags of every command, declared once: each flag's type, default and help line.
 * The parser (node:util parseArgs underneath), the defaults and the usage text all come from that
 * one table, so the help can never disagree with the code. Errors are one Portuguese sentence.
 *
 *   const FLAGS = { epochs: flag.int({ min: 1, default: 200, help: 'última época a treinar' }), ... };
 *   const args = parseFlags(FLAGS, argv);   // { epochs: number, ... }
 *   usageLines(FLAGS)                        // '  --epochs N   última época a treinar (padrão: 200)'
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BACKEND_CHOICES, parseBackendChoice, type BackendChoice } from '../backend';
import { ConfigError } from '../errors';
import { formatPt } from '../text';

/** A bad command line (exit code 2). */
export class UsageError extends ConfigError {}

/** One flag: how it parses and how the usage shows it. T includes undefined when there is no default. */
export interface FlagSpec<T> {
  kind: 'string' | 'boolean';
  /** Placeholder after the flag in the usage: N, X, DIR, digits|fashion. */
  value?: string;
  help: string;
  /** What the command gets when the flag is absent. */
  default: T;
  /** How the default reads in the usage, when not simply the value (e.g. "VAE_BACKEND ou auto"). */
  defaultText?: string;
  /** One-letter alias (-h). */
  short?: string;
  /** The command cannot run without it (the parser says so; the usage shows "obrigatório"). */
  required?: boolean;
  /** Turns the raw text into the value, or throws a UsageError naming the flag. */
  parse(raw: string, flag: string): T;
}

/** What every builder takes. */
interface Options {
  help: string;
  /** How the default reads in the usage, when not simply the value. */
  defaultText?: string;
}
/** Numbers: bounds (inclusive, unless exclusiveMin). */
interface NumberOptions extends Options {
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Reads a decimal number (never 0x10, 1_000 or an empty string); a decimal comma gets its own hint. */
function readNumber(raw: string, flag: string, what: string, pattern: RegExp): number {
  const text = raw.trim();
  if (/^[+-]?\d+,\d+$/.test(text)) throw new UsageError(`--${flag} ${raw}: use ponto como separador decimal (${text.replace(',', '.')}).`);
  const n = Number(text);
  if (!pattern.test(text) || !Number.isFinite(n)) throw new UsageError(`--${flag} ${raw}: esperado ${what}.`);
  return n;
}

function rangeText(min: number | undefined, max: number | undefined, integer: boolean, exclusiveMin: boolean): string {
  const noun = integer ? 'um inteiro' : 'um número';
  if (min !== undefined && max !== undefined) return `${noun} de ${formatPt(min, integer ? 0 : 4)} a ${formatPt(max, integer ? 0 : 4)}`;
  if (min === 0 && exclusiveMin) return integer ? 'um inteiro positivo' : 'um número positivo';
  if (min === 1 && integer) return 'um inteiro positivo';
  if (min !== undefined) return `${noun} ${exclusiveMin ? '>' : '≥'} ${formatPt(min, integer ? 0 : 4)}`;
  if (max !== undefined) return `${noun} ≤ ${formatPt(max, integer ? 0 : 4)}`;
  return noun;
}

function numeric<T>(integer: boolean, o: NumberOptions & { default: T }): FlagSpec<T> {
  const what = rangeText(o.min, o.max, integer, o.exclusiveMin ?? false);
  return {
    kind: 'string',
    value: integer ? 'N' : 'X',
    help: o.help,
    default: o.default,
    defaultText: o.defaultText,
    parse: (raw, flag) => {
      const n = readNumber(raw, flag, what, integer ? INTEGER : DECIMAL);
      const low = o.min !== undefined && (o.exclusiveMin ? n <= o.min : n < o.min);
      if (low || (o.max !== undefined && n > o.max)) throw new UsageError(`--${flag} ${raw}: esperado ${what}.`);
      return n as T;
    },
  };
}

function choice<C extends string>(choices: readonly C[], o: Options & { default: C }): FlagSpec<C>;
function choice<C extends string>(choices: readonly C[], o: Options & { default: undefined }): FlagSpec<C | undefined>;
function choice<C extends string>(choices: readonly C[], o: Options & { default: C | undefined }): FlagSpec<C | undefined> {
  return {
    kind: 'string',
    value: choices.join('|'),
    help: o.help,
    default: o.default,
    defaultText: o.defaultText,
    parse: (raw, flag) => {
      if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`--${flag} ${raw}: use ${choices.join(', ').replace(/, ([^,]*)$/, ' ou $1')}.`);
      return raw as C;
    },
  };
}

function int(o: NumberOptions & { default: number }): FlagSpec<number>;
function int(o: NumberOptions & { default: undefined }): FlagSpec<number | undefined>;
function int(o: NumberOptions & { default: number | undefined }): FlagSpec<number | undefined> {
  return numeric(true, o);
}

function number(o: NumberOptions & { default: number }): FlagSpec<number>;
function number(o: NumberOptions & { default: undefined }): FlagSpec<number | undefined>;
function number(o: NumberOptions & { default: number | undefined }): FlagSpec<number | undefined> {
  return numeric(false, o);
}

function string(o: Options & { default: string; value?: string }): FlagSpec<string>;
function string(o: Options & { default: undefined; value?: string; required?: boolean }): FlagSpec<string | undefined>;
function string(o: Options & { default: string | undefined; value?: string; required?: boolean }): FlagSpec<string | undefined> {
  return {
    kind: 'string',
    value: o.value ?? 'TEXTO',
    help: o.help,
    default: o.default,
    defaultText: o.defaultText,
    required: o.required,
    parse: (raw, flag) => {
      if (raw.trim() === '') throw new UsageError(`--${flag} recebeu um texto vazio (uma variável de ambiente não definida?).`);
      return raw;
    },
  };
}

/** The flag builders. With `default: undefined`, the value is undefined when the flag is absent. */
export const flag = {
  int,
  number,
  choice,
  string,
  /** A custom parse (e.g. "N or auto"). */
  custom<T>(o: Options & { default: T; value: string; parse: (raw: string, flag: string) => T }): FlagSpec<T> {
    return { kind: 'string', value: o.value, help: o.help, default: o.default, defaultText: o.defaultText, parse: o.parse };
  },
  bool(o: { help: string; short?: string }): FlagSpec<boolean> {
    return { kind: 'boolean', help: o.help, default: false, short: o.short, parse: () => true };
  },
};

/** The values a table of flags parses to. */
export type FlagValues<S extends Record<string, FlagSpec<unknown>>> = { [K in keyof S]: S[K]['default'] };

/** What `parseFlags` returns: the values, the positional arguments, and which flags were given. */
export type Parsed<S extends Record<string, FlagSpec<unknown>>> = FlagValues<S> & { positionals: string[]; given: Set<keyof S & string> };

/** camelCase key → kebab-case flag: batchSize → batch-size. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Node's parseArgs errors, in Portuguese. */
function translate(err: NodeJS.ErrnoException & { message: string }): string {
  const m = err.message;
  let match: RegExpMatchArray | null;
  if ((match = m.match(/^Unknown option '([^']+)'/))) return `Opção desconhecida: ${match[1]}.`;
  if ((match = m.match(/^Option '([^' ]+)[^']*' argument missing/))) return `${match[1]} precisa de um valor.`;
  if ((match = m.match(/^Option '([^']+)' does not take an argument/))) return `${match[1]} não recebe valor (é só ${match[1]}).`;
  if ((match = m.match(/^Option '([^']+)' argument is ambiguous/))) return `${match[1]} precisa de um valor (recebeu outra opção no lugar).`;
  if ((match = m.match(/^Unexpected argument '([^']*)'/))) return `Argumento inesperado: "${match[1]}" (todas as opções começam com --).`;
  return m;
}

/**
 * Parses `argv` with the table `specs`. `positionals: true` also returns the non-flag arguments.
 * A value that starts with a dash (`--epochs -1`) is read as the value, so the range check can say
 * what is wrong with it instead of Node's "argument is ambiguous".
 */
export function parseFlags<S extends Record<string, FlagSpec<unknown>>>(specs: S, argv: string[], options: { positionals?: boolean } = {}): Parsed<S> {
  const byFlag = new Map(Object.entries(specs).map(([key, spec]) => [flagName(key), { key, spec }]));
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const known = a.startsWith('--') && !a.includes('=') ? byFlag.get(a.slice(2)) : undefined;
    if (known?.spec.kind === 'string' && i + 1 < argv.length && /^-(\d|\.\d)/.test(argv[i + 1])) {
      args.push(`${a}=${argv[++i]}`);
    } else args.push(a);
  }
  const parserOptions: ParseArgsConfig['options'] = Object.fromEntries(
    [...byFlag].map(([name, { spec }]) => [name, { type: spec.kind, ...(spec.short ? { short: spec.short } : {}) }]),
  );
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: parserOptions, strict: true, allowPositionals: options.positionals ?? false }) as typeof parsed;
  } catch (err) {
    throw new UsageError(translate(err as NodeJS.ErrnoException));
  }
  const given = new Set<keyof S & string>();
  const out: Record<string, unknown> = { positionals: parsed.positionals, given };
  const helpAsked = parsed.values.help === true;
  for (const [name, { key, spec }] of byFlag) {
    const raw = parsed.values[name];
    if (raw === undefined && spec.required && !helpAsked) throw new UsageError(`Falta --${name}${spec.value ? ` ${spec.value}` : ''}: ${spec.help}. Veja --help.`);
    if (raw !== undefined) given.add(key);
    out[key] = raw === undefined ? spec.default : spec.kind === 'boolean' ? true : spec.parse(raw as string, name);
  }
  return out as Parsed<S>;
}

/** The usage lines of a table: flag, placeholder, help and default, aligned. */
export function usageLines<S extends Record<string, FlagSpec<unknown>>>(specs: S): string {
  const rows = Object.entries(specs).map(([key, spec]) => {
    const left = `${spec.short ? `-${spec.short}, ` : ''}--${flagName(key)}${spec.value ? ` ${spec.value}` : ''}`;
    const shown = spec.defaultText ?? (spec.kind === 'boolean' || spec.default === undefined ? null : String(spec.default));
    return [left, spec.required ? `${spec.help} (obrigatório)` : shown === null ? spec.help : `${spec.help} (padrão: ${shown})`];
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`).join('\n');
}

/** `--backend auto|tensorflow|wasm|cpu`: the same flag for every command that computes. */
export function backendFlag(): FlagSpec<BackendChoice | undefined> {
  return flag.custom<BackendChoice | undefined>({
    value: 'auto|tensorflow|wasm|cpu',
    default: undefined,
    defaultText: 'VAE_BACKEND ou auto',
    help: 'motor do TensorFlow.js',
    parse: (raw, name) => {
      try {
        return parseBackendChoice(raw, `--${name}`);
      } catch {
        throw new UsageError(`--${name} ${raw}: use ${BACKEND_CHOICES.join(', ').replace(/, ([^,]*)$/, ' ou $1')}.`);
      }
    },
  });
}
