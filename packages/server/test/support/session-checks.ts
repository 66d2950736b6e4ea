import { expect } from 'vitest';
import type { TestServer } from './test-server.js';

/**
 * Asserts that a session has ended for good: its access token is refused on
 * the very next request, and its refresh token mints nothing.
 *
 * @example
 * await expectSessionEnded(t, await t.login(username, password));
 */
export async function expectSessionEnded(
  t: TestServer,
  tokens: { readonly accessToken: string; readonly refreshToken: string },
): Promise<void> {
  const refused = await t.request({ method: 'GET', url: '/auth/me', token: tokens.accessToken });
  expect(refused.statusCode).toBe(401);
  expect(refused.json().error.code).toBe('ERR_TOKEN_REVOKED');
  const refresh = await t.request({
    method: 'POST',
    url: '/auth/refresh',
    body: { refreshToken: tokens.refreshToken },
  });
  expect(refresh.statusCode).toBe(401);
  expect(refresh.json().error.code).toBe('ERR_SESSION_REVOKED');
}
