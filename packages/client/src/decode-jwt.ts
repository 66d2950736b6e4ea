/** A JWT's header and claims as the client sees them: decoded, not verified (the server verifies). */
export interface DecodedJwt {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
}

function decodeSegment(segment: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]+$/.test(segment)) throw new TypeError('not a base64url segment');
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError('not a JSON object');
  return value as Record<string, unknown>;
}

/**
 * Decodes a compact JWT for display and timing, with browser APIs only
 * (no `Buffer`). Returns `null` for anything that is not one.
 *
 * @example
 * decodeJwt(accessToken)?.claims.exp; // 1795463253
 */
export function decodeJwt(token: string): DecodedJwt | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    return { header: decodeSegment(parts[0] as string), claims: decodeSegment(parts[1] as string) };
  } catch {
    return null;
  }
}
