import type { LightMyRequestResponse } from 'fastify';
import type { TestServer } from './test-server.js';

/**
 * Posts a JSON body to `url` as if from `remoteAddress`, for tests of limits per address.
 *
 * @example
 * await postFrom(t, '/auth/login', { username, password }, '198.51.100.7');
 */
export function postFrom(
  t: TestServer,
  url: string,
  body: Record<string, unknown>,
  remoteAddress = '198.51.100.1',
): Promise<LightMyRequestResponse> {
  return t.server.app.inject({
    method: 'POST',
    url,
    remoteAddress,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

/**
 * A password login from `remoteAddress`.
 *
 * @example
 * expect((await loginFrom(t, 'alice', 'wrong', '203.0.113.9')).statusCode).toBe(401);
 */
export function loginFrom(t: TestServer, username: string, password: string, remoteAddress?: string) {
  return postFrom(t, '/auth/login', { username, password }, remoteAddress);
}
