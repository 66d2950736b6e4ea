import { afterEach, describe, expect, it } from 'vitest';
import { JwtgateClientError } from '../src/client-error.js';
import { createClient, type JwtgateClient } from '../src/create-client.js';
import type {
  AccessTokenView,
  ChannelLike,
  ClientState,
  LockManagerLike,
  SecondFactorChallenge,
} from '../src/types.js';
import { createFakeJwtgate } from './support/fake-jwtgate.js';
import { createChannelHub, createFakeLocks, createManualTime, settle } from './support/fake-platform.js';

/** The token of a login that was not paused for a second factor. */
function signedIn(result: AccessTokenView | SecondFactorChallenge): AccessTokenView {
  if ('mfaRequired' in result) throw new Error('the login asked for a second factor');
  return result;
}

const credentials = { username: 'alice', password: 'correct horse' };

const opened: JwtgateClient[] = [];
afterEach(() => {
  for (const client of opened.splice(0)) client.close();
});

/** A browser with one cookie jar, a shared clock, Web Locks and a BroadcastChannel; each `tab()` is a page. */
function browser(options: { silentRefresh?: boolean; accessTtlSec?: number; refreshAfterSec?: number } = {}) {
  const time = createManualTime();
  const server = createFakeJwtgate({ clock: time.clock, ...options });
  const locks = createFakeLocks();
  const hub = createChannelHub();
  const tab = (
    overrides: { locks?: LockManagerLike | null; channel?: ChannelLike | null; apiOrigins?: string[] } = {},
  ) => {
    const client = createClient({
      baseUrl: server.base,
      fetch: server.fetch,
      clock: time.clock,
      timers: time.timers,
      locks: overrides.locks === undefined ? locks : overrides.locks,
      channel: overrides.channel === undefined ? hub.join() : overrides.channel,
      lockHoldMs: 50,
      peerWaitMs: 1_000,
      ...(overrides.apiOrigins ? { apiOrigins: overrides.apiOrigins } : {}),
    });
    opened.push(client);
    return client;
  };
  return { time, server, locks, hub, tab };
}

function tokenOf(client: JwtgateClient): string {
  const state = client.state;
  if (state.status !== 'signed-in') throw new Error(`expected a signed-in client, got ${state.status}`);
  return state.token.accessToken;
}

describe('createClient: signing in and out', () => {
  it('logs in in cookie mode, with the CSRF header and credentials, and keeps the access token in memory', async () => {
    const { server, tab } = browser();
    const client = tab();
    expect(client.state.status).toBe('unknown');
    const view = signedIn(await client.login({ ...credentials, device: 'laptop' }));
    const login = server.calls.find((call) => call.path === '/auth/login');
    expect(JSON.parse(login?.body ?? '{}')).toEqual({ ...credentials, device: 'laptop', cookie: true });
    expect(login?.csrf).toBe('1');
    expect(login?.credentials).toBe('include');
    expect(server.jar.has('rt')).toBe(true);
    expect(client.state).toEqual({ status: 'signed-in', token: view });
    expect(view.claims.sid).toBe('s1');
    expect(view.header.typ).toBe('at+jwt');
    expect(view.expiresAt - view.refreshAt).toBe(30_000);
  });

  it('reports a refused login with the server code and stays signed out', async () => {
    const { tab } = browser();
    const client = tab();
    const failure = await client.login({ username: 'alice', password: 'wrong' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(JwtgateClientError);
    expect(failure).toMatchObject({ code: 'ERR_INVALID_CREDENTIALS', status: 401 });
    expect(client.state.status).toBe('unknown');
  });

  it('resumes a session from the refresh cookie after a reload, and says so when there is none', async () => {
    const { server, tab } = browser();
    await tab().login(credentials);
    const reloaded = tab();
    expect(await reloaded.resume()).toBe(true);
    expect(reloaded.state.status).toBe('signed-in');
    server.jar.clear();
    const fresh = tab({ locks: null, channel: null });
    expect(await fresh.resume()).toBe(false);
    expect(fresh.state.status).toBe('signed-out');
  });

  it('registers without signing in', async () => {
    const { tab } = browser();
    const client = tab();
    expect(await client.register(credentials)).toMatchObject({ username: 'alice', role: 'user' });
    expect(client.state.status).toBe('unknown');
  });

  it('logs out this device or everywhere, and leaves this device signed in when ending the others', async () => {
    const { server, tab } = browser();
    const client = tab();
    await client.login(credentials);
    expect(await client.logout('others')).toBe(0);
    expect(client.state.status).toBe('signed-in');
    expect(await client.logout()).toBe(1);
    expect(client.state.status).toBe('signed-out');
    expect(server.jar.has('rt')).toBe(false);
    expect(JSON.parse(server.calls.at(-1)?.body ?? '{}')).toEqual({ scope: 'current' });
  });

  it('signs out when it ends its own session from the list, not when it ends another', async () => {
    const { tab } = browser();
    const client = tab({ channel: null });
    await client.login(credentials);
    const other = tab({ channel: null, locks: null });
    await other.login(credentials);
    const sessions = await client.sessions();
    expect(sessions.map((s) => s.current)).toEqual([true, false]);
    const [own, another] = sessions.map((s) => s.id) as [string, string];
    await client.revokeSession(another);
    expect(client.state.status).toBe('signed-in');
    await client.revokeSession(own);
    expect(client.state.status).toBe('signed-out');
  });

  it('tells listeners about every change and stops when unsubscribed', async () => {
    const { tab } = browser();
    const client = tab();
    const seen: ClientState['status'][] = [];
    const unsubscribe = client.subscribe((state) => seen.push(state.status));
    await client.login(credentials);
    await client.logout();
    unsubscribe();
    await client.login(credentials);
    expect(seen).toEqual(['signed-in', 'signed-out']);
  });
});

describe('createClient: fetch', () => {
  it('attaches the token to its own origin and the listed API origins only', async () => {
    const { server, tab } = browser();
    const client = tab({ apiOrigins: ['https://api.test'] });
    await client.login(credentials);
    const token = tokenOf(client);
    await client.fetch('/api/data');
    await client.fetch('https://api.test/orders');
    await client.fetch('https://elsewhere.test/page');
    const [own, api, foreign] = server.calls.slice(-3);
    expect(own).toMatchObject({ authorization: `Bearer ${token}`, csrf: '1', credentials: 'include' });
    expect(api).toMatchObject({ origin: 'https://api.test', authorization: `Bearer ${token}`, csrf: null });
    expect(foreign).toMatchObject({ origin: 'https://elsewhere.test', authorization: null, csrf: null });
    expect(api?.credentials).not.toBe('include');
  });

  it('refreshes once on a 401 and retries once, then hands back the 401 if it persists', async () => {
    const { server, tab } = browser();
    const client = tab();
    await client.login(credentials);
    server.sessions.get('s1')!.revoked = true;
    const response = await client.fetch('/api/data');
    expect(response.status).toBe(401);
    expect((await response.json()).error.code).toBe('ERR_TOKEN_REVOKED');
    expect(server.calls.map((call) => call.path).slice(1)).toEqual(['/api/data', '/auth/refresh']);
    expect(client.state.status).toBe('signed-out');
  });

  it('retries with the new token when a refresh after a 401 succeeds', async () => {
    const { server, tab } = browser();
    const client = tab();
    await client.login(credentials);
    const stale = tokenOf(client);
    // The server alone decides the token has expired (a suspended laptop, a skewed clock).
    server.expireAccessTokens();
    const response = await client.fetch('/api/data');
    expect(response.status).toBe(200);
    const fresh = tokenOf(client);
    expect(fresh).not.toBe(stale);
    expect(server.calls.slice(1).map((call) => [call.path, call.authorization])).toEqual([
      ['/api/data', `Bearer ${stale}`],
      ['/auth/refresh', null],
      ['/api/data', `Bearer ${fresh}`],
    ]);
  });

  it('refreshes before sending when its token has expired, so the server never sees an expired token', async () => {
    const { server, time, tab } = browser();
    const client = tab({ locks: null, channel: null });
    await client.login(credentials);
    const stale = tokenOf(client);
    await time.advance(61_000);
    const response = await client.fetch('/api/data');
    expect(response.status).toBe(200);
    expect(server.calls.some((call) => call.authorization === `Bearer ${stale}` && call.path === '/api/data')).toBe(
      false,
    );
    expect(server.refreshes()).toBeGreaterThanOrEqual(1);
  });

  it('shares one refresh between concurrent calls in a page', async () => {
    const { server, time, tab } = browser({ refreshAfterSec: 60 });
    const client = tab({ locks: null, channel: null });
    await client.login(credentials);
    await time.advance(60_000);
    const responses = await Promise.all(Array.from({ length: 10 }, () => client.fetch('/api/data')));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(server.refreshes()).toBe(1);
    const token = tokenOf(client);
    expect(
      server.calls.filter((call) => call.path === '/api/data').every((c) => c.authorization === `Bearer ${token}`),
    ).toBe(true);
  });

  it('adopts the token the server renewed on the fly and shares it with the other tabs', async () => {
    const { server, hub, tab } = browser({ silentRefresh: true });
    const client = tab({ locks: null });
    const other = tab({ locks: null });
    await client.login(credentials);
    await settle();
    const stale = tokenOf(client);
    server.expireAccessTokens();
    const response = await client.fetch('/api/data');
    expect(response.status).toBe(200);
    expect(server.refreshes()).toBe(0);
    const renewed = tokenOf(client);
    expect(renewed).not.toBe(stale);
    expect(response.headers.get('x-access-token')).toBe(renewed);
    await settle();
    expect(tokenOf(other)).toBe(renewed);
    expect(hub.sent.filter((m) => (m as { type: string }).type === 'token')).toHaveLength(2);
  });

  it('turns a failure to reach the server into ERR_NETWORK and keeps the session', async () => {
    const { server, tab } = browser();
    const client = tab();
    await client.login(credentials);
    server.failNext('network');
    const failure = await client.me().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'ERR_NETWORK', status: 0 });
    expect(client.state.status).toBe('signed-in');
    expect((await client.me()).user.username).toBe('alice');
  });

  it('does not sign out when a refresh meets an unavailable store, and says why', async () => {
    const { server, time, tab } = browser();
    const client = tab({ locks: null, channel: null });
    await client.login(credentials);
    await time.advance(30_000 - 1);
    server.failNext(503);
    const failure = await client.refresh().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', status: 503 });
    expect(client.state.status).toBe('signed-in');
  });
});

describe('createClient: timing', () => {
  it('refreshes on its own at refreshAfter, and again at the next one', async () => {
    const { server, time, tab } = browser();
    const client = tab({ locks: null, channel: null });
    const first = signedIn(await client.login(credentials));
    await time.advance(29_000);
    expect(server.refreshes()).toBe(0);
    await time.advance(1_000);
    expect(server.refreshes()).toBe(1);
    expect(tokenOf(client)).not.toBe(first.accessToken);
    await time.advance(30_000);
    expect(server.refreshes()).toBe(2);
  });

  it('stops refreshing when closed', async () => {
    const { server, time, tab } = browser();
    const client = tab({ locks: null, channel: null });
    await client.login(credentials);
    client.close();
    await time.advance(120_000);
    expect(server.refreshes()).toBe(0);
  });

  it('retries a proactive refresh that could not reach the server', async () => {
    const { server, time, tab } = browser();
    const client = tab({ locks: null, channel: null });
    await client.login(credentials);
    server.failNext('network');
    await time.advance(30_000);
    expect(client.state.status).toBe('signed-in');
    await time.advance(5_000);
    expect(server.refreshes()).toBe(2);
    expect(client.state.status).toBe('signed-in');
  });
});

describe('createClient: several tabs of one browser', () => {
  async function threeTabs(options: { refreshAfterSec?: number } = {}) {
    const context = browser(options);
    const tabs = [context.tab(), context.tab(), context.tab()];
    await tabs[0]!.login(credentials);
    await settle();
    for (const t of tabs) expect(t.state.status).toBe('signed-in');
    return { ...context, tabs };
  }

  it('hands a new login to the other tabs', async () => {
    const { tabs } = await threeTabs();
    expect(new Set(tabs.map(tokenOf)).size).toBe(1);
  });

  it('shares one refresh between tabs whose proactive timers fire together', async () => {
    const { server, time, tabs } = await threeTabs();
    await time.advance(30_000);
    await settle(20);
    expect(server.refreshes()).toBe(1);
    expect(new Set(tabs.map(tokenOf)).size).toBe(1);
  });

  it('causes one refresh when three tabs send requests at the moment of expiry', async () => {
    const { server, time, tabs } = await threeTabs({ refreshAfterSec: 60 });
    // The laptop wakes up as the token expires: no timer has run yet, every tab needs a token now.
    time.jump(60_000);
    const before = server.refreshes();
    const answers = await Promise.all(tabs.map((t) => t.me()));
    expect(new Set(answers.map((a) => a.sessionId)).size).toBe(1);
    expect(before).toBe(0);
    expect(server.refreshes()).toBe(1);
    expect(new Set(tabs.map(tokenOf)).size).toBe(1);
    // The timers that were due meanwhile find the token already replaced.
    await time.advance(1_000);
    expect(server.refreshes()).toBe(1);
  });

  it('lets a waiting tab refresh itself when the tab that was refreshing failed', async () => {
    const { server, time, tabs } = await threeTabs({ refreshAfterSec: 60 });
    await time.advance(58_500);
    server.failNext('network');
    const [first, second] = [tabs[0]!.refresh(), tabs[1]!.refresh()];
    await expect(first).rejects.toMatchObject({ code: 'ERR_NETWORK' });
    expect(await second).toBe(true);
    expect(server.refreshes()).toBe(2);
  });

  it('signs every tab out when one logs out, and when a refresh finds the session ended', async () => {
    const { server, tabs } = await threeTabs();
    await tabs[1]!.logout();
    await settle();
    expect(tabs.map((t) => t.state.status)).toEqual(['signed-out', 'signed-out', 'signed-out']);
    await tabs[0]!.login(credentials);
    await settle();
    server.revokeAll();
    expect(await tabs[2]!.refresh()).toBe(false);
    await settle();
    expect(tabs.map((t) => t.state.status)).toEqual(['signed-out', 'signed-out', 'signed-out']);
  });

  it('ignores malformed messages and never trades its token for an older one', async () => {
    const { hub, tabs, time } = await threeTabs();
    const current = tokenOf(tabs[0]!);
    const intruder = hub.join();
    for (const data of [
      null,
      'token',
      { type: 'token' },
      { type: 'token', accessToken: 'x.y.z', expiresAt: 1, refreshAt: 1 },
      { type: 'nope' },
    ]) {
      intruder.postMessage(data);
    }
    await settle();
    expect(tokenOf(tabs[0]!)).toBe(current);
    await time.advance(1_000);
    await tabs[1]!.refresh();
    await settle();
    const newer = tokenOf(tabs[1]!);
    expect(tokenOf(tabs[0]!)).toBe(newer);
    intruder.postMessage({
      type: 'token',
      accessToken: current,
      expiresAt: time.clock.now() + 60_000,
      refreshAt: time.clock.now() + 30_000,
    });
    await settle();
    expect(tokenOf(tabs[0]!)).toBe(newer);
  });
});
