import { createSecretJwtKey, encodeRevocationNotices, revocationChannel, revokedSessionsKey } from '@jwtgate/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it } from 'vitest';
// The same switch as the server's store tests: the real Redis, a skip locally without it, a failure in CI.
import { describeWithService, serviceUrl, uniqueName } from '../../server/test/support/services.js';
import { startTcpProxy } from '../../server/test/support/tcp-proxy.js';
import { jwtgateAuth } from '../src/fastify/index.js';
import { createRevocationFeed, createVerifier, type RedisCommandsLike, type RevocationFeed } from '../src/index.js';
import { AUDIENCE, accessToken, ISSUER, SECRET } from './support/tokens.js';

const key = createSecretJwtKey({ secret: SECRET });
const RETENTION_SEC = 905;

describeWithService('redis')('the revocation feed, against the real Redis', () => {
  let prefix: string;
  let subscriber: Redis;
  let client: Redis;
  let feed: RevocationFeed | undefined;
  let app: FastifyInstance | undefined;
  let errors: Error[];

  beforeEach(async () => {
    const url = serviceUrl('redis') as string;
    prefix = `${uniqueName('jwtgate_mw')}:`;
    // A short fixed reconnect delay, so that a test can act while the subscriber is away.
    subscriber = new Redis(url, { retryStrategy: () => 200, lazyConnect: true });
    client = new Redis(url, { lazyConnect: true });
    await Promise.all([subscriber.connect(), client.connect()]);
    errors = [];
  });
  afterEach(async () => {
    await app?.close();
    await feed?.close();
    app = undefined;
    feed = undefined;
    await client.del(revokedSessionsKey(prefix));
    subscriber.disconnect();
    client.disconnect();
  });

  /** What the jwtgate server does on a revocation: remember it in the sorted set, then publish it. */
  async function revoke(sid: string, options: { publish?: boolean; at?: number } = {}) {
    const at = options.at ?? Date.now();
    await client.zadd(revokedSessionsKey(prefix), at, sid);
    if (options.publish !== false) {
      for (const message of encodeRevocationNotices([{ id: sid, userId: 'user-42', revokedAt: at }])) {
        await client.publish(revocationChannel(prefix), message);
      }
    }
  }

  async function start(): Promise<RevocationFeed> {
    feed = createRevocationFeed({
      subscriber,
      client,
      prefix,
      retentionSec: RETENTION_SEC,
      onError: (error) => errors.push(error),
    });
    await feed.ready;
    return feed;
  }

  async function service(revocations: RevocationFeed): Promise<FastifyInstance> {
    app = Fastify({ logger: false });
    await app.register(jwtgateAuth, {
      verifier: createVerifier({
        secret: SECRET,
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        revocations,
      }),
    });
    app.get('/claims', { config: { auth: true } }, async (request) => ({ sub: request.auth?.sub }));
    await app.ready();
    return app;
  }

  it('refuses a session within 100 ms of the server publishing its revocation', async () => {
    const sid = uniqueName('sid');
    const token = accessToken(key, { sid });
    const fastify = await service(await start());
    const call = () => fastify.inject({ url: '/claims', headers: { authorization: `Bearer ${token}` } });
    expect((await call()).statusCode).toBe(200);

    const started = performance.now();
    await revoke(sid);
    let res = await call();
    while (res.statusCode === 200 && performance.now() - started < 1_000) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      res = await call();
    }
    const elapsed = performance.now() - started;
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_TOKEN_REVOKED');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    expect(elapsed).toBeLessThan(100);
    // Other sessions are not affected.
    const other = await fastify.inject({ url: '/claims', headers: { authorization: `Bearer ${accessToken(key)}` } });
    expect(other.statusCode).toBe(200);
  });

  it('knows the revocations made before it started, from the sorted set', async () => {
    const sid = uniqueName('sid');
    await revoke(sid, { publish: false });
    const revocations = await start();
    expect(revocations.has(sid)).toBe(true);
    const res = await (await service(revocations)).inject({
      url: '/claims',
      headers: { authorization: `Bearer ${accessToken(key, { sid })}` },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ERR_TOKEN_REVOKED');
  });

  it('catches up after a reconnect on revocations whose message it missed', async () => {
    const subscriberId = await subscriber.client('ID');
    const revocations = await start();
    const sid = uniqueName('sid');
    // Recorded while no message reaches this feed: only the resynchronisation can find it.
    await revoke(sid, { publish: false });
    expect(revocations.has(sid)).toBe(false);
    const reconnected = new Promise((resolve) => subscriber.once('ready', resolve));
    await client.client('KILL', 'ID', String(subscriberId));
    await reconnected;
    await expect.poll(() => revocations.has(sid), { timeout: 5_000 }).toBe(true);
    // And it is subscribed again: the next published revocation arrives as a message.
    const next = uniqueName('sid');
    await revoke(next);
    await expect.poll(() => revocations.has(next), { timeout: 5_000 }).toBe(true);
  });

  it('reads a window of many pages on its first connect, a page per call, and misses no entry', async () => {
    const now = Date.now();
    const spread = Array.from({ length: 3_000 }, (_, n) => ({ id: `spread-${n}`, at: now - 600_000 + n }));
    // Revoked in one millisecond (a mass logout): a page boundary falls inside them, twice.
    const sameMs = Array.from({ length: 2_500 }, (_, n) => ({ id: `same-ms-${n}`, at: now - 100_000 }));
    const expired = { id: 'expired', at: now - (RETENTION_SEC + 60) * 1000 };
    const all = [...spread, ...sameMs, expired];
    for (let i = 0; i < all.length; i += 1_000) {
      await client.zadd(revokedSessionsKey(prefix), ...all.slice(i, i + 1_000).flatMap((e) => [e.at, e.id]));
    }
    // The real client, with each call it is asked to make written down.
    const calls: unknown[][] = [];
    const counted: RedisCommandsLike = {
      zrangebyscore(...args) {
        calls.push(args.slice(1));
        return client.zrangebyscore(...args);
      },
    };
    feed = createRevocationFeed({ subscriber, client: counted, prefix, retentionSec: RETENTION_SEC });
    await feed.ready;
    expect(feed.size).toBe(5_500);
    expect([...spread, ...sameMs].filter((e) => !feed?.has(e.id))).toEqual([]);
    expect(feed.has(expired.id)).toBe(false);
    // 5,500 entries in the window: five full pages of 1,000 and a short last one.
    expect(calls).toHaveLength(6);
    for (const call of calls) expect(call.slice(2, 4)).toEqual(['WITHSCORES', 'LIMIT']);
    expect(calls.map((call) => call[5])).toEqual(Array(6).fill(1_000));
  });

  it('skips revocations older than the retention, whose tokens have all expired', async () => {
    const old = uniqueName('sid');
    const recent = uniqueName('sid');
    await revoke(old, { publish: false, at: Date.now() - (RETENTION_SEC + 60) * 1000 });
    await revoke(recent, { publish: false, at: Date.now() - (RETENTION_SEC - 60) * 1000 });
    const revocations = await start();
    expect(revocations.has(old)).toBe(false);
    expect(revocations.has(recent)).toBe(true);
  });

  it('ignores malformed messages on the channel and keeps following it', async () => {
    const revocations = await start();
    for (const message of ['not json', '{"v":2,"revoked":[]}', JSON.stringify({ v: 1, revoked: [{ sid: 'a b' }] })]) {
      await client.publish(revocationChannel(prefix), message);
    }
    const sid = uniqueName('sid');
    await revoke(sid);
    await expect.poll(() => revocations.has(sid), { timeout: 5_000 }).toBe(true);
    expect(errors.map((e) => e.message)).toEqual(Array(3).fill(`ignored a malformed message on ${prefix}revocations`));
  });

  it('stops following the feed once closed', async () => {
    const revocations = await start();
    await revocations.close();
    // Another subscriber shows when the message has been delivered to the channel's listeners.
    const watcher = new Redis(serviceUrl('redis') as string);
    try {
      const delivered = new Promise((resolve) => watcher.on('message', resolve));
      await watcher.subscribe(revocationChannel(prefix));
      const sid = uniqueName('sid');
      await revoke(sid);
      await delivered;
      expect(revocations.has(sid)).toBe(false);
    } finally {
      watcher.disconnect();
    }
  });

  it('refuses every revocable token once its subscription has been down longer than maxLagMs, rather than trust a stale list', async () => {
    feed = createRevocationFeed({ subscriber, client, prefix, retentionSec: RETENTION_SEC, maxLagMs: 200 });
    await feed.ready;
    const fastify = await service(feed);
    const sid = uniqueName('sid');
    const call = (token: string) => fastify.inject({ url: '/claims', headers: { authorization: `Bearer ${token}` } });
    const token = accessToken(key, { sid });
    expect((await call(token)).statusCode).toBe(200);

    // The subscription drops (a network fault, a Redis restart) and a revocation is announced meanwhile.
    const down = new Promise((resolve) => subscriber.once('close', resolve));
    subscriber.disconnect();
    await down;
    await revoke(sid);
    // Within maxLagMs a blip is tolerated; past it, a token that may have been revoked is not accepted.
    await new Promise((resolve) => setTimeout(resolve, 250));
    const refused = await call(token);
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error.code).toBe('ERR_STORE_UNAVAILABLE');
    expect(refused.headers['retry-after']).toBe('1');
    expect((await call(accessToken(key))).statusCode).toBe(503);
    expect(feed.live).toBe(false);
    expect(feed.behindMs).toBeGreaterThanOrEqual(200);

    // Back, and caught up from the sorted set: the revoked session is refused, the others served.
    const caughtUp = new Promise((resolve) => subscriber.once('ready', resolve));
    await subscriber.connect();
    await caughtUp;
    await expect.poll(() => feed?.live, { timeout: 5_000 }).toBe(true);
    expect((await call(token)).json().error.code).toBe('ERR_TOKEN_REVOKED');
    expect((await call(accessToken(key))).statusCode).toBe(200);
    expect(feed.behindMs).toBe(0);
  });

  it('notices a subscription that died without a word, refuses tokens after maxLagMs, then reconnects and catches up', async () => {
    const url = new URL(serviceUrl('redis') as string);
    const proxy = await startTcpProxy(Number(url.port || 6379));
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    const silent = new Redis(url.toString(), { retryStrategy: () => 100, lazyConnect: true });
    try {
      await silent.connect();
      feed = createRevocationFeed({
        subscriber: silent,
        client,
        prefix,
        retentionSec: RETENTION_SEC,
        heartbeatMs: 100,
        maxLagMs: 200,
      });
      await feed.ready;
      const fastify = await service(feed);
      const sid = uniqueName('sid');
      const token = accessToken(key, { sid });
      const call = () => fastify.inject({ url: '/claims', headers: { authorization: `Bearer ${token}` } });
      expect((await call()).statusCode).toBe(200);
      // The network drops the subscription's packets: no close, no error, no message.
      proxy.freezeLatest();
      await revoke(sid);
      // Three heartbeats unanswered and maxLagMs later, the token is no longer accepted on trust.
      await expect.poll(async () => (await call()).statusCode, { timeout: 3_000, interval: 25 }).not.toBe(200);
      // A new connection, and the read of the sorted set after it, bring the revocation.
      await expect.poll(async () => (await call()).json().error?.code, { timeout: 5_000 }).toBe('ERR_TOKEN_REVOKED');
      expect(feed.live).toBe(true);
    } finally {
      // Closed first: an UNSUBSCRIBE sent into the frozen connection would wait for good.
      silent.disconnect();
      await proxy.close();
      await feed?.close();
      feed = undefined;
    }
  });

  it('refuses revocable tokens until its first read of the recent revocations has finished', async () => {
    const sid = uniqueName('sid');
    await revoke(sid, { publish: false });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The real client, whose first read is held back, as a slow Redis would.
    const slow: RedisCommandsLike = {
      async zrangebyscore(...args) {
        await held;
        return client.zrangebyscore(...args);
      },
    };
    feed = createRevocationFeed({ subscriber, client: slow, prefix, retentionSec: RETENTION_SEC });
    const fastify = await service(feed);
    const res = await fastify.inject({
      url: '/claims',
      headers: { authorization: `Bearer ${accessToken(key, { sid })}` },
    });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('ERR_STORE_UNAVAILABLE');
    release();
    await feed.ready;
    const after = await fastify.inject({
      url: '/claims',
      headers: { authorization: `Bearer ${accessToken(key, { sid })}` },
    });
    expect(after.json().error.code).toBe('ERR_TOKEN_REVOKED');
  });

  it('refuses options that cannot work', () => {
    expect(() => createRevocationFeed({ subscriber, client, prefix, retentionSec: 0 })).toThrow(TypeError);
    expect(() => createRevocationFeed({ subscriber, client, prefix, retentionSec: 905, maxLagMs: -1 })).toThrow(
      TypeError,
    );
    expect(() => createRevocationFeed({ subscriber, client, prefix, retentionSec: 905, heartbeatMs: 0 })).toThrow(
      TypeError,
    );
  });
});
