/**
 * Small text helpers shared by the figures, the model diagram, the progress output and the CLIs:
 * numbers for Portuguese (Brazilian) readers — decimal comma, dot between thousands — and XML escaping.
 */

/** Escapes text for XML, SVG and HTML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** 12345.678 → "12.345,68" with `digits` decimals (default 0); no "-0" for tiny negatives. */
export function formatPt(value: number, digits = 0): string {
  const s = value.toLocaleString('pt-BR', { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: true });
  return /^-0(,0*)?$/.test(s) ? s.slice(1) : s;
}

/** 0.000135 → "0,00014": `significant` significant digits, for values whose size varies a lot. */
export function formatPtSignificant(value: number, significant = 2): string {
  const s = value.toLocaleString('pt-BR', { maximumSignificantDigits: significant, useGrouping: true });
  return /^-0(,0*)?$/.test(s) ? s.slice(1) : s;
}
