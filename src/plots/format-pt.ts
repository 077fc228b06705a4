/** Numbers for Portuguese (Brazilian) prose in the notebooks: decimal comma, dot between thousands. */

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
