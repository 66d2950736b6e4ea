import { AuthError } from '@jwtgate/core';

/**
 * Where a browser may be sent after a sign-in: a path on this server, or a
 * URL on an origin the operator trusts (the public URL's, and those of
 * `Cors.AllowedOrigins`). Anything else (another site, `//evil.example`,
 * `javascript:`) is refused with `ERR_VALIDATION`, so the flow is never an
 * open redirect. Returns the absolute URL.
 *
 * @example
 * resolveReturnTo('/settings', { publicUrl: 'https://auth.example.com', allowedOrigins: [] });
 * // 'https://auth.example.com/settings'
 */
export function resolveReturnTo(
  value: string | undefined,
  options: { readonly publicUrl: string; readonly allowedOrigins: readonly string[] },
): string {
  const base = new URL(`${options.publicUrl}/`);
  if (value === undefined || value === '') return base.href;
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    throw new AuthError('ERR_VALIDATION', { message: 'returnTo is not an address this server may send you to' });
  }
  const trusted = url.origin === base.origin || options.allowedOrigins.includes(url.origin);
  if (!trusted || url.username !== '' || url.password !== '' || /[\\\s]/.test(value)) {
    throw new AuthError('ERR_VALIDATION', {
      message: 'returnTo is not an address this server may send you to',
      reason: 'return-to',
    });
  }
  url.hash = '';
  return url.href;
}
