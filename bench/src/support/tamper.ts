/**
 * The token with one character of its signature changed (in the middle, so
 * that every decoder sees different bytes, not just different spare bits).
 *
 * @example
 * tamperSignature('a.b.c0123456') !== 'a.b.c0123456'; // true
 */
export function tamperSignature(token: string): string {
  const at = token.lastIndexOf('.') + 5;
  const replacement = token[at] === 'A' ? 'B' : 'A';
  return `${token.slice(0, at)}${replacement}${token.slice(at + 1)}`;
}
