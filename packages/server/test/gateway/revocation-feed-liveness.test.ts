import { createHash } from 'node:crypto';
import { createRevocationList, systemClock } from '@jwtgate/core';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createClientAuthenticator } from '../../src/http/client-auth.js';
import { errorHandlerPlugin } from '../../src/http/plugins/error-handler.js';
import { validationPlugin } from '../../src/http/plugins/validation.js';
import { revocationFeedRoutes } from '../../src/http/routes/revocation-feed.js';
import { createRevocationJournal } from '../../src/runtime/revocation-journal.js';
import { startTestServer } from '../support/test-server.js';

const SECRET = 'feed-secret-Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF';
const AUTH = { authorization: `Basic ${Buffer.from(`edge:${SECRET}`).toString('base64')}` };

describe('the revocation feed while this instance stops receiving revocations', () => {
  it('answers a long poll that outlived the subscription with 503, not an empty page that says "nothing revoked"', async () => {
    // Whether the Redis subscription is up, as the runtime reports it; here it is switched by hand.
    let live = true;
    const list = createRevocationList({ clock: systemClock, retentionMs: 905_000 });
    const journal = createRevocationJournal({ list, clock: systemClock, handoverMs: 20_000 });
    const clients = createClientAuthenticator({
      clients: new Map([['edge', createHash('sha256').update(SECRET).digest()]]),
      realm: 'jwtgate',
    });
    const app = Fastify({ logger: false });
    await app.register(validationPlugin);
    await app.register(errorHandlerPlugin, { realm: 'jwtgate' });
    await app.register(revocationFeedRoutes, { journal, clients, live: () => live });
    await app.ready();
    try {
      const first = await app.inject({ url: '/auth/revocations', headers: AUTH });
      expect(first.statusCode).toBe(200);
      const { cursor } = first.json() as { cursor: string };
      const polling = app.inject({ url: `/auth/revocations?since=${cursor}&wait=1`, headers: AUTH });
      await new Promise((resolve) => setTimeout(resolve, 100));
      // The subscription drops during the wait: revocations made elsewhere no longer arrive here.
      live = false;
      const answer = await polling;
      expect(answer.statusCode).toBe(503);
      expect(answer.json().error.code).toBe('ERR_STORE_UNAVAILABLE');
    } finally {
      await app.close();
    }
  });
});

describe('an instance whose polls of the database fail (cut off from it, while others may still revoke)', () => {
  it('stops vouching for the feed at once, and stops calling itself ready after Revocation.MaxFeedLag', async () => {
    const t = await startTestServer({
      env: {
        JWTGATE_GATEWAY_CLIENTS: `edge=sha256:${createHash('sha256').update(SECRET).digest('hex')}`,
        JWTGATE_REVOCATION_POLL_INTERVAL: '100',
        JWTGATE_REVOCATION_MAX_FEED_LAG: '30',
      },
    });
    const feed = () => t.request({ method: 'GET', url: '/auth/revocations', headers: AUTH });
    const ready = () => t.request({ method: 'GET', url: '/readyz' });
    try {
      expect((await feed()).statusCode).toBe(200);
      expect((await ready()).statusCode).toBe(200);
      await t.server.database.close();
      // The next poll fails: revocations made on other instances no longer arrive here.
      await expect.poll(async () => (await feed()).statusCode, { timeout: 5_000 }).toBe(503);
      expect((await feed()).json().error.code).toBe('ERR_STORE_UNAVAILABLE');
      // A database outage stops revocations everywhere, so a short one leaves the instance in service...
      expect((await ready()).statusCode).toBe(200);
      // ...but not one that outlasts Revocation.MaxFeedLag, as with Redis.
      t.clock.advance(31_000);
      const unready = await ready();
      expect(unready.statusCode).toBe(503);
      expect(unready.json().error.code).toBe('ERR_STORE_UNAVAILABLE');
    } finally {
      await t.close();
    }
  });
});
