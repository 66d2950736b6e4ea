import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestServer } from '../support/test-server.js';

/** The request a client makes, and how long the answer took. */
export async function timed(request: () => Promise<LightMyRequestResponse>): Promise<{
  res: LightMyRequestResponse;
  ms: number;
}> {
  const started = performance.now();
  const res = await request();
  return { res, ms: performance.now() - started };
}

/**
 * Asserts a 503 `ERR_STORE_UNAVAILABLE` with `Retry-After`, given within
 * `boundMs`: the configured timeout plus a margin for a loaded machine.
 */
export function expectUnavailableWithin(answer: { res: LightMyRequestResponse; ms: number }, boundMs: number): void {
  expect(answer.res.statusCode, answer.res.body).toBe(503);
  expect(answer.res.json().error.code).toBe('ERR_STORE_UNAVAILABLE');
  expect(['1', '2', '3', '4', '5']).toContain(answer.res.headers['retry-after']);
  expect(answer.ms).toBeLessThan(boundMs);
}

/**
 * Waits until `/readyz` answers 200 again with every store up and the
 * revocation feed (if any) live, with no restart of anything.
 */
export async function waitUntilReady(t: TestServer, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.request({ method: 'GET', url: '/readyz' });
    const body = res.json();
    const storesUp = Object.values(body.stores ?? {}).every((state) => state === 'up');
    if (res.statusCode === 200 && storesUp && body.revocationFeed?.state !== 'behind') return;
    if (Date.now() > deadline) throw new Error(`not ready again within ${timeoutMs} ms: ${res.body}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Asserts that `/readyz` keeps the instance in service while `store` is
 * down, and says that it is: verification needs no store.
 */
export async function expectReadyWithStoreDown(t: TestServer, store: 'database' | 'redis'): Promise<void> {
  const res = await t.request({ method: 'GET', url: '/readyz' });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().stores[store]).toBe('down');
}

/** The session id (`sid`) of an access token, read without verifying it. */
export function sidOf(accessToken: string): string {
  return JSON.parse(Buffer.from(accessToken.split('.')[1] as string, 'base64url').toString()).sid;
}
