/**
 * Small text helpers shared by the figures, the model diagram, the progress output and the CLIs:
 * numbers for Portuguese (Brazilian) readers — decimal comma, dot between thousands — and XML escaping.
 */

/** Escapes text for XML, SVG and HTML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/*
 * One Intl.NumberFormat per set of options, kept: `value.toLocaleString('pt-BR', options)` builds
 * a new one at every call (~45–180 µs), and the training progress formats three metrics every
 * batch (~0,5 ms of a ~25 ms step, measured with --cpu-prof). Same strings: toLocaleString is
 * defined as that formatter's format.
 */
const formatters = new Map<string, Intl.NumberFormat>();

function ptFormatter(key: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  let f = formatters.get(key);
  if (!f) formatters.set(key, (f = new Intl.NumberFormat('pt-BR', { ...options, useGrouping: true })));
  return f;
}

/** "-0" and "-0,00" (a tiny negative rounded) read as "0" and "0,00". */
function withoutMinusZero(s: string): string {
  return /^-0(,0*)?$/.test(s) ? s.slice(1) : s;
}

/** 12345.678 → "12.345,68" with `digits` decimals (default 0); no "-0" for tiny negatives. */
export function formatPt(value: number, digits = 0): string {
  return withoutMinusZero(ptFormatter(`f${digits}`, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value));
}

/** 0.000135 → "0,00014": `significant` significant digits, for values whose size varies a lot. */
export function formatPtSignificant(value: number, significant = 2): string {
  return withoutMinusZero(ptFormatter(`s${significant}`, { maximumSignificantDigits: significant }).format(value));
}
