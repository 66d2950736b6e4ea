import { createHash } from 'node:crypto';
import { systemClock } from '@jwtgate/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startInstancesSharingRedis } from '../support/instances-sharing-redis.js';
import { describeWithService } from '../support/services.js';
import { decodeJwt, startTestServer, type TestServer } from '../support/test-server.js';

const SECRET = 'feed-secret-Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF';
const CLIENTS = { JWTGATE_GATEWAY_CLIENTS: `edge=sha256:${createHash('sha256').update(SECRET).digest('hex')}` };
const AUTH = { authorization: `Basic ${Buffer.from(`edge:${SECRET}`).toString('base64')}` };

interface FeedAnswer {
  revoked: { sid: string; at: number }[];
  cursor: string;
  more: boolean;
  retention: number;
}

async function feed(t: TestServer, query = '', headers: Record<string, string> = AUTH) {
  return t.server.app.inject({ method: 'GET', url: `/auth/revocations${query}`, headers });
}

/** A follower: reads pages until caught up, remembering every session id it was told of. */
async function catchUp(t: TestServer, cursor: string | undefined, seen: Set<string>, limit = 2): Promise<string> {
  let since = cursor;
  for (;;) {
    const res = await feed(t, `?limit=${limit}${since === undefined ? '' : `&since=${since}`}`);
    expect(res.statusCode).toBe(200);
    const body = res.json() as FeedAnswer;
    for (const entry of body.revoked) seen.add(entry.sid);
    since = body.cursor;
    if (!body.more) return since;
  }
}

async function loggedOutSession(t: TestServer): Promise<string> {
  const { accessToken } = await t.signUp();
  const res = await t.request({ method: 'POST', url: '/auth/logout', token: accessToken, body: {} });
  expect(res.statusCode).toBe(200);
  return decodeJwt(accessToken).payload.sid as string;
}

describe('the revocation feed (GET /auth/revocations)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: CLIENTS });
  });
  afterAll(() => t.close());

  it('answers only its clients', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Basic ${Buffer.from('edge:wrong').toString('base64')}` },
    ];
    for (const headers of attempts) {
      const res = await feed(t, '', headers);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('ERR_INVALID_CLIENT');
      expect(res.headers['www-authenticate']).toBe('Basic realm="jwtgate"');
    }
  });

  it('gives a follower that starts late every revocation so far, paged, then only new ones', async () => {
    const earlier = [await loggedOutSession(t), await loggedOutSession(t), await loggedOutSession(t)];
    const seen = new Set<string>();
    const cursor = await catchUp(t, undefined, seen);
    for (const sid of earlier) expect(seen.has(sid)).toBe(true);
    const later = await loggedOutSession(t);
    const next = (await feed(t, `?since=${cursor}`)).json() as FeedAnswer;
    expect(next.revoked.map((entry) => entry.sid)).toEqual([later]);
    expect(next.retention).toBe(905);
  });

  it('gives everything to a follower that missed a page and asks again with its old cursor', async () => {
    const start = await catchUp(t, undefined, new Set());
    const sids = [await loggedOutSession(t), await loggedOutSession(t), await loggedOutSession(t)];
    const page1 = (await feed(t, `?limit=1&since=${start}`)).json() as FeedAnswer;
    // page 2 is fetched and lost on the way
    await feed(t, `?limit=1&since=${page1.cursor}`);
    const seen = new Set(page1.revoked.map((entry) => entry.sid));
    await catchUp(t, page1.cursor, seen, 1);
    expect([...seen]).toEqual(sids);
  });

  it('holds a long poll until a logout, then answers with it at once', async () => {
    const cursor = await catchUp(t, undefined, new Set());
    const polled = feed(t, `?wait=20&since=${cursor}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const began = performance.now();
    const sid = await loggedOutSession(t);
    const res = await polled;
    expect(performance.now() - began).toBeLessThan(5_000);
    expect((res.json() as FeedAnswer).revoked.map((entry) => entry.sid)).toEqual([sid]);
  });

  it('answers an empty page with the same position when a long poll times out', async () => {
    const cursor = await catchUp(t, undefined, new Set());
    const res = (await feed(t, `?wait=1&since=${cursor}`)).json() as FeedAnswer;
    expect(res.revoked).toEqual([]);
    expect(res.more).toBe(false);
  });

  it('asks a follower whose cursor is older than one access-token lifetime to resync', async () => {
    const cursor = await catchUp(t, undefined, new Set());
    const start = t.clock.now();
    try {
      t.clock.advance(905_001);
      const res = await feed(t, `?since=${cursor}`);
      expect(res.statusCode).toBe(410);
      expect(res.json().error.code).toBe('ERR_FEED_RESYNC');
      expect((await feed(t)).statusCode).toBe(200);
    } finally {
      t.clock.set(start);
    }
  });

  it('refuses a cursor it did not hand out', async () => {
    for (const since of ['nonsense', 'abcdefgh.1', 'abcdefgh.1.2.3']) {
      const res = await feed(t, `?since=${since}`);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('ERR_INVALID_CURSOR');
    }
  });
});

describe('following the feed across instances that poll one SQL database', () => {
  const started: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((t) => t.close()));
  });

  it('gives a follower that reconnects to another instance every revocation made on either', async () => {
    const env = { ...CLIENTS, JWTGATE_REVOCATION_POLL_INTERVAL: '100' };
    const a = await startTestServer({ clock: systemClock, env });
    started.push(a);
    const b = await startTestServer({ clock: systemClock, env, dataDir: a.dataDir });
    started.push(b);
    const seen = new Set<string>();
    const made = [await loggedOutSession(a), await loggedOutSession(b)];
    let cursor = await catchUp(a, undefined, seen);
    made.push(await loggedOutSession(b), await loggedOutSession(a));
    // The follower's connection now lands on b, with a's cursor.
    await new Promise((resolve) => setTimeout(resolve, 400));
    cursor = await catchUp(b, cursor, seen);
    made.push(await loggedOutSession(a));
    await new Promise((resolve) => setTimeout(resolve, 400));
    await catchUp(b, cursor, seen);
    for (const sid of made) expect(seen.has(sid), sid).toBe(true);
  });
});

describeWithService('redis')('following the feed across instances that share Redis', () => {
  it('gives a follower that reconnects to another instance every revocation made on either', async () => {
    const { a, b, close } = await startInstancesSharingRedis(CLIENTS);
    try {
      const seen = new Set<string>();
      const made = [await loggedOutSession(a)];
      const cursor = await catchUp(a, undefined, seen);
      made.push(await loggedOutSession(a), await loggedOutSession(b));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await catchUp(b, cursor, seen);
      for (const sid of made) expect(seen.has(sid), sid).toBe(true);
    } finally {
      await close();
    }
  });
});
