import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { OAuth2Issuer } from 'oauth2-mock-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, type BackendPlace, backendAvailable, everyBackend, openBackend } from '../support/backends.js';
import { landing, linkThroughProvider, signInThroughApi, startServerWithProviders } from '../support/federated-flow.js';
import { type OidcProvider, startOidcProvider } from '../support/identity-providers.js';
import { captureLog, type LogCapture } from '../support/log-capture.js';
import { codeFor, enrolTotp, verify } from '../support/mfa-steps.js';
import {
  accessWorks,
  type ProviderBegunSession,
  refreshes as refreshesAt,
  signInAtProvider,
} from '../support/provider-logout-steps.js';
import type { TestServer } from '../support/test-server.js';

// oauth2-mock-server reads the client id from Basic credentials without form-decoding it.
const CLIENT_ID = 'jwtgatetest';
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const secretEnv = {
  JWTGATE_OAUTH_PROVIDERS_IDP_CLIENT_SECRET: 'idp-client-secret-value',
  JWTGATE_OAUTH_PROVIDERS_OTHER_CLIENT_SECRET: 'other-client-secret-value',
  JWTGATE_OAUTH_PROVIDERS_QUIET_CLIENT_SECRET: 'quiet-client-secret-value',
};

function providersYaml(idp: string, other: string): string {
  return [
    'OAuth:',
    '  Providers:',
    '    idp:',
    `      Issuer: ${idp}`,
    `      ClientId: ${CLIENT_ID}`,
    '      BackChannelLogout: true',
    '    other:',
    `      Issuer: ${other}`,
    `      ClientId: ${CLIENT_ID}`,
    '      BackChannelLogout: true',
    // The first provider again, without the setting: it has no back-channel route.
    '    quiet:',
    `      Issuer: ${idp}`,
    `      ClientId: ${CLIENT_ID}`,
    '',
  ].join('\n');
}

type Claims = Record<string, unknown>;
type Session = ProviderBegunSession;

/**
 * The provider's and jwtgate's side of back-channel logout, on one database
 * (and session store) given by `env`.
 */
function backChannelSuite(backend: Backend) {
  describe.skipIf(!backendAvailable(backend))(`back-channel logout on ${backend.name}`, () => {
    let idp: OidcProvider;
    let other: OidcProvider;
    let t: TestServer;
    let place: BackendPlace;
    let log: LogCapture;
    const posted: string[] = [];
    beforeAll(async () => {
      place = await openBackend(backend);
      idp = await startOidcProvider();
      other = await startOidcProvider();
      log = captureLog();
      t = await startServerWithProviders(
        providersYaml(idp.issuer, other.issuer),
        {
          ...secretEnv,
          ...place.env,
          JWTGATE_LOG_LEVEL: 'info',
          JWTGATE_MFA_ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64'),
        },
        { ...(place.dataDir === undefined ? {} : { dataDir: place.dataDir }), logStream: log.stream },
      );
    });
    afterAll(async () => {
      await t?.close();
      await idp?.stop();
      await other?.stop();
      await place?.remove();
    });

    const signIn = (at: OidcProvider, provider: string, sub: string, sid: string | undefined) =>
      signInAtProvider(t, at, provider, sub, sid);

    /** The provider's part of a sign-in (the API variant): its answer, tokens or a pause for a second factor. */
    async function providerStep(at: OidcProvider, provider: string, sub: string, sid: string | undefined) {
      at.claims = { sub, email: `${sub}@example.com`, email_verified: true, ...(sid === undefined ? {} : { sid }) };
      return signInThroughApi(t, provider);
    }

    /** A logout token as `at` would sign it: its key, its issuer, our client id, now; `edit` changes anything. */
    function logoutToken(at: OidcProvider, claims: Claims, edit: (header: Claims, payload: Claims) => void = () => {}) {
      return at.server.issuer.buildToken({
        scopesOrTransform: (header: Claims, payload: Claims) => {
          const iat = Math.floor(t.clock.now() / 1000);
          header.typ = 'logout+jwt';
          Object.assign(payload, { aud: CLIENT_ID, iat, exp: iat + 120, jti: randomUUID(), events: { [EVENT]: {} } });
          delete payload.nbf;
          Object.assign(payload, claims);
          edit(header, payload);
        },
      });
    }

    function post(provider: string, token: string) {
      posted.push(token);
      return t.request({
        method: 'POST',
        url: `/auth/oauth/${provider}/backchannel-logout`,
        headers: FORM,
        body: new URLSearchParams({ logout_token: token }).toString(),
      });
    }

    async function alive(session: Session): Promise<{ access: boolean }> {
      return { access: await accessWorks(t, session) };
    }

    const refreshes = (session: Session) => refreshesAt(t, session);

    function expectRefused(answer: { statusCode: number; json(): unknown; headers: Record<string, unknown> }) {
      expect(answer.statusCode).toBe(400);
      expect(answer.json()).toMatchObject({ error: 'invalid_request', code: 'ERR_LOGOUT_TOKEN_INVALID' });
      expect(answer.headers['cache-control']).toBe('no-store');
    }

    it('ends the sessions of the provider session a token names by sid, at once, and only those', async () => {
      const sub = `bc-${randomUUID()}`;
      const sid = `psid-${randomUUID()}`;
      const named = await signIn(idp, 'idp', sub, sid);
      const sameUserElsewhere = await signIn(idp, 'idp', sub, `psid-${randomUUID()}`);
      const answer = await post('idp', await logoutToken(idp, { sid }));
      expect(answer.statusCode, answer.body).toBe(200);
      expect(answer.body).toBe('');
      expect(answer.headers['cache-control']).toBe('no-store');
      // The access token is refused right after, and the refresh token is dead.
      expect(await alive(named)).toEqual({ access: false });
      expect(await refreshes(named)).toBe(false);
      expect(await alive(sameUserElsewhere)).toEqual({ access: true });
      expect(await refreshes(sameUserElsewhere)).toBe(true);
      expect(log.audit('session.provider-logout').at(-1)).toMatchObject({ provider: 'idp', ended: 1, by: 'sid' });
      expect(log.audit('session.revoked').at(-1)).toMatchObject({
        userId: named.userId,
        reason: 'provider-logout',
        actor: 'system',
      });
    });

    it('ends every session of the user begun at the provider for a token with only sub', async () => {
      const sub = `bc-${randomUUID()}`;
      const one = await signIn(idp, 'idp', sub, `psid-${randomUUID()}`);
      const two = await signIn(idp, 'idp', sub, undefined);
      const bystander = await signIn(idp, 'idp', `bc-${randomUUID()}`, `psid-${randomUUID()}`);
      const answer = await post('idp', await logoutToken(idp, { sub }));
      expect(answer.statusCode, answer.body).toBe(200);
      for (const ended of [one, two]) {
        expect(await alive(ended)).toEqual({ access: false });
        expect(await refreshes(ended)).toBe(false);
      }
      expect(await alive(bystander)).toEqual({ access: true });
    });

    it('ends a session whose sign-in paused for a second factor, by the sid the paused login carried', async () => {
      const user = await t.signUp();
      const sub = `bc-${randomUUID()}`;
      idp.claims = { sub };
      expect(landing(await linkThroughProvider(t, 'idp', user.accessToken)).url.hash).toBe('#oauth-linked=idp');
      const { secret } = await enrolTotp(t, user);
      const sid = `psid-${randomUUID()}`;
      const paused = await providerStep(idp, 'idp', sub, sid);
      expect(paused.json()).toMatchObject({ mfaRequired: true });
      const verified = await verify(t, paused.json().mfaToken, codeFor(secret, t.clock.now()));
      expect(verified.statusCode, verified.body).toBe(200);
      const session = { ...verified.json(), userId: user.userId } as Session;
      expect(await alive(session)).toEqual({ access: true });
      expect((await post('idp', await logoutToken(idp, { sid }))).statusCode).toBe(200);
      expect(await alive(session)).toEqual({ access: false });
      expect(await refreshes(session)).toBe(false);
    });

    it('answers 200 for a sid or sub nobody has, and ends nothing', async () => {
      const session = await signIn(idp, 'idp', `bc-${randomUUID()}`, `psid-${randomUUID()}`);
      expect((await post('idp', await logoutToken(idp, { sid: `psid-${randomUUID()}` }))).statusCode).toBe(200);
      expect((await post('idp', await logoutToken(idp, { sub: `nobody-${randomUUID()}` }))).statusCode).toBe(200);
      expect(await alive(session)).toEqual({ access: true });
    });

    it('ends nothing for a sid of a session begun at another provider', async () => {
      const sid = `psid-${randomUUID()}`;
      const atOther = await signIn(other, 'other', `bc-${randomUUID()}`, sid);
      // The provider the token comes from names the other provider's session: it is not its to end.
      expect((await post('idp', await logoutToken(idp, { sid }))).statusCode).toBe(200);
      expect(await alive(atOther)).toEqual({ access: true });
      // And a token of the first provider is refused at the other's route.
      expectRefused(await post('other', await logoutToken(idp, { sid })));
      expect(await alive(atOther)).toEqual({ access: true });
    });

    it('accepts a token once: a replay is refused', async () => {
      const sid = `psid-${randomUUID()}`;
      await signIn(idp, 'idp', `bc-${randomUUID()}`, sid);
      const token = await logoutToken(idp, { sid });
      expect((await post('idp', token)).statusCode).toBe(200);
      expectRefused(await post('idp', token));
    });

    it('lets exactly one of two simultaneous posts of a token take effect, and answers the other as a replay', async () => {
      const sid = `psid-${randomUUID()}`;
      const first = await signIn(idp, 'idp', `bc-${randomUUID()}`, sid);
      const second = await signIn(idp, 'idp', `bc-${randomUUID()}`, sid);
      const token = await logoutToken(idp, { sid });
      const answers = await Promise.all([post('idp', token), post('idp', token)]);
      expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 400]);
      expectRefused(answers.find((a) => a.statusCode === 400) as (typeof answers)[number]);
      expect(await alive(first)).toEqual({ access: false });
      expect(await alive(second)).toEqual({ access: false });
      const revoked = await t.server.sessions.list(first.userId);
      expect(revoked).toEqual([]);
    });

    it('refuses tokens that fail a check, and ends nothing for them', async () => {
      const sid = `psid-${randomUUID()}`;
      const session = await signIn(idp, 'idp', `bc-${randomUUID()}`, sid);
      const now = Math.floor(t.clock.now() / 1000);
      // The claims of a valid token, for the ones signed otherwise than by the provider.
      const valid = () => ({
        iss: idp.issuer,
        aud: CLIENT_ID,
        iat: now,
        jti: randomUUID(),
        sid,
        events: { [EVENT]: {} },
      });
      const refused: Record<string, string> = {
        'wrong iss': await logoutToken(idp, { sid, iss: 'https://attacker.example' }),
        'wrong aud': await logoutToken(idp, { sid, aud: 'another-client' }),
        'no events': await logoutToken(idp, { sid }, (_h, p) => delete p.events),
        'events without the logout event': await logoutToken(idp, { sid, events: { 'http://example.com/x': {} } }),
        'the logout event not an object': await logoutToken(idp, { sid, events: { [EVENT]: 'yes' } }),
        'a nonce': await logoutToken(idp, { sid, nonce: 'n-0S6_WzA2Mj' }),
        'no jti': await logoutToken(idp, { sid }, (_h, p) => delete p.jti),
        'no iat': await logoutToken(idp, { sid }, (_h, p) => delete p.iat),
        'iat an hour ago': await logoutToken(idp, { sid, iat: now - 3600, exp: now + 60 }),
        'iat an hour ahead': await logoutToken(idp, { sid, iat: now + 3600, exp: now + 7200 }),
        expired: await logoutToken(idp, { sid, iat: now - 200, exp: now - 100 }),
        'neither sub nor sid': await logoutToken(idp, {}, (_h, p) => delete p.sub),
        'another type': await logoutToken(idp, { sid }, (h) => {
          h.typ = 'at+jwt';
        }),
        'alg none': unsigned(valid()),
        'signed by another key': await foreignSigned(idp.issuer, valid()),
        'HMAC with the public key': await hmacWithPublicKey(idp, valid()),
        'not a JWT': 'not-a-token',
      };
      for (const [attack, token] of Object.entries(refused)) {
        const answer = await post('idp', token);
        expect(answer.statusCode, attack).toBe(400);
        expectRefused(answer);
      }
      expect(await alive(session)).toEqual({ access: true });
      expect(await refreshes(session)).toBe(true);
    });

    it('answers 404 for a provider without BackChannelLogout, and for one not configured', async () => {
      const sid = `psid-${randomUUID()}`;
      const session = await signIn(idp, 'quiet', `bc-${randomUUID()}`, sid);
      expect((await post('quiet', await logoutToken(idp, { sid }))).statusCode).toBe(404);
      expect((await post('nobody', await logoutToken(idp, { sid }))).statusCode).toBe(404);
      expect(await alive(session)).toEqual({ access: true });
    });

    it('refuses a body that is not a form with a logout_token as invalid_request', async () => {
      const json = await t.request({
        method: 'POST',
        url: '/auth/oauth/idp/backchannel-logout',
        body: { logout_token: 'x' },
      });
      expect(json.statusCode).toBe(415);
      expect(json.headers['cache-control']).toBe('no-store');
      expect(json.json()).toMatchObject({ error: 'invalid_request' });
      const empty = await t.request({
        method: 'POST',
        url: '/auth/oauth/idp/backchannel-logout',
        headers: FORM,
        body: 'a=b',
      });
      expect(empty.statusCode).toBe(400);
      expect(empty.json()).toMatchObject({ error: 'invalid_request' });
    });

    it('never writes a logout token into the log', () => {
      expect(posted.length).toBeGreaterThan(10);
      const text = log.text();
      for (const token of posted) {
        for (const part of token.split('.').filter((p) => p.length > 20)) expect(text).not.toContain(part);
      }
    });
  });
}

function unsigned(payload: Claims): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'logout+jwt' })}.${part(payload)}.`;
}

/** Signed with a key of the right kind that the provider does not publish, under the provider's issuer. */
async function foreignSigned(issuer: string, payload: Claims): Promise<string> {
  const foreign = new OAuth2Issuer();
  await foreign.keys.generate('RS256');
  foreign.url = issuer;
  return foreign.buildToken({
    scopesOrTransform: (header: Claims, body: Claims) => {
      header.typ = 'logout+jwt';
      delete body.nbf;
      Object.assign(body, payload);
    },
  });
}

/** The classic confusion: HS256 with the provider's public key as the secret. */
async function hmacWithPublicKey(at: OidcProvider, payload: Claims): Promise<string> {
  const jwks = (await (await fetch(`${at.issuer}/jwks`)).json()) as { keys: Claims[] };
  const key = jwks.keys[0] as Claims;
  const secret = new TextEncoder().encode(JSON.stringify(key));
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', kid: key.kid as string, typ: 'logout+jwt' })
    .sign(secret);
}

for (const backend of everyBackend) backChannelSuite(backend);
