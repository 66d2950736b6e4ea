/**
 * The access token in an `Authorization` header: `Bearer <token>` (RFC 6750,
 * scheme case-insensitive) or the bare token as go-zero clients send it.
 * `null` when there is no bearer credential at all; anything else malformed
 * is returned as is and fails verification.
 *
 * @example
 * extractAccessToken('Bearer eyJ...'); // 'eyJ...'
 * extractAccessToken('eyJ...');        // 'eyJ...'
 * extractAccessToken('Basic dXNlcg=='); // null
 */
export function extractAccessToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const value = header.trim();
  if (value.length === 0) return null;
  const space = value.indexOf(' ');
  if (space === -1) return value.toLowerCase() === 'bearer' ? '' : value;
  if (value.slice(0, space).toLowerCase() !== 'bearer') return null;
  return value.slice(space + 1).trimStart();
}
