/** Small text helpers shared by the figures, the model diagram and the notebook progress bar. */

/** Escapes text for XML, SVG and HTML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
