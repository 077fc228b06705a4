/** Numbers for Portuguese (Brazilian) prose in the notebooks: decimal comma, dot between thousands. */

/** 12345.678 → "12.345,68" with `digits` decimals (default 0); no "-0" for tiny negatives. */
export function formatPt(value: number, digits = 0): string {
  const s = value.toLocaleString('pt-BR', { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: true });
  return /^-0(,0*)?$/.test(s) ? s.slice(1) : s;
}
