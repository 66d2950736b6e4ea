import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerWithProviders } from '../support/federated-flow.js';
import { type OidcProvider, startOidcProvider } from '../support/identity-providers.js';
import type { TestServer } from '../support/test-server.js';

const LIMIT = 3;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function yaml(idp: string, other: string): string {
  const provider = (name: string, issuer: string) => [
    `    ${name}:`,
    `      Issuer: ${issuer}`,
    '      ClientId: jwtgatetest',
    '      BackChannelLogout: true',
    '      FrontChannelLogout: true',
  ];
  return [
    'OAuth:',
    `  BackChannelLogoutsPerMinute: ${LIMIT}`,
    `  FrontChannelLogoutsPerMinute: ${LIMIT}`,
    '  Providers:',
    ...provider('idp', idp),
    ...provider('other', other),
    '',
  ].join('\n');
}

describe('the rate limits of logout by the provider', () => {
  let idp: OidcProvider;
  let other: OidcProvider;
  let t: TestServer;
  beforeAll(async () => {
    idp = await startOidcProvider();
    other = await startOidcProvider();
    t = await startServerWithProviders(yaml(idp.issuer, other.issuer), {
      JWTGATE_OAUTH_PROVIDERS_IDP_CLIENT_SECRET: 'idp-client-secret-value',
      JWTGATE_OAUTH_PROVIDERS_OTHER_CLIENT_SECRET: 'other-client-secret-value',
    });
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
    await other?.stop();
  });

  /** A logout token that fails its checks: it still counts, as any post does. */
  const backChannel = (provider: string) =>
    t.request({
      method: 'POST',
      url: `/auth/oauth/${provider}/backchannel-logout`,
      headers: FORM,
      body: new URLSearchParams({ logout_token: 'not-a-token' }).toString(),
    });
  const frontChannel = (provider: string, issuer: string) =>
    t.request({
      method: 'GET',
      url: `/auth/oauth/${provider}/frontchannel-logout?${new URLSearchParams({ iss: issuer, sid: `psid-${randomUUID()}` })}`,
    });

  function retryAfter(answer: { headers: Record<string, unknown> }): number {
    const seconds = Number(answer.headers['retry-after']);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    return seconds;
  }

  it('refuses the back-channel post past BackChannelLogoutsPerMinute with 429, Retry-After and ERR_RATE_LIMITED, per provider', async () => {
    for (let i = 0; i < LIMIT; i += 1) expect((await backChannel('idp')).statusCode).toBe(400);
    const limited = await backChannel('idp');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: 'temporarily_unavailable', code: 'ERR_RATE_LIMITED' });
    expect(limited.headers['cache-control']).toBe('no-store');
    const wait = retryAfter(limited);
    // Another provider's route counts on its own: its logouts go on.
    expect((await backChannel('other')).statusCode).toBe(400);
    t.clock.advance(wait * 1000);
    expect((await backChannel('idp')).statusCode).toBe(400);
  });

  it('refuses the front-channel request past FrontChannelLogoutsPerMinute with 429, Retry-After and ERR_RATE_LIMITED, per provider', async () => {
    for (let i = 0; i < LIMIT; i += 1) expect((await frontChannel('idp', idp.issuer)).statusCode).toBe(200);
    const limited = await frontChannel('idp', idp.issuer);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: { code: 'ERR_RATE_LIMITED' } });
    // Still shown in the provider's frame, never cached.
    expect(limited.headers['content-security-policy']).toContain(`frame-ancestors ${new URL(idp.issuer).origin}`);
    expect(limited.headers['cache-control']).toBe('no-store');
    const wait = retryAfter(limited);
    expect((await frontChannel('other', other.issuer)).statusCode).toBe(200);
    t.clock.advance(wait * 1000);
    expect((await frontChannel('idp', idp.issuer)).statusCode).toBe(200);
  });
});
