import { expect } from 'vitest';

/** An answer from a server process. */
export interface Answer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are asserted field by field.
  readonly body: any;
}

export const PASSWORD = 'correct horse battery staple';

/**
 * One HTTP call to a server process over a real socket, bounded in time.
 *
 * @example
 * const me = await call(server, 'GET', '/auth/me', { token: accessToken });
 */
export async function call(
  server: { readonly url: string },
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
}

/** Registers `username` with {@link PASSWORD}. */
export async function register(server: { readonly url: string }, username: string): Promise<void> {
  const res = await call(server, 'POST', '/auth/register', { body: { username, password: PASSWORD } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

/** Logs `username` in with {@link PASSWORD}. */
export async function login(
  server: { readonly url: string },
  username: string,
): Promise<{ accessToken: string; refreshToken: string }> {
  const res = await call(server, 'POST', '/auth/login', { body: { username, password: PASSWORD } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}
