import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, type BackendPlace, backendAvailable, everyBackend, openBackend } from '../support/backends.js';
import { startServerWithProviders } from '../support/federated-flow.js';
import { type OidcProvider, startOidcProvider } from '../support/identity-providers.js';
import { captureLog, type LogCapture } from '../support/log-capture.js';
import {
  accessWorks,
  logoutProvider,
  type ProviderBegunSession,
  refreshes as refreshesAt,
  signInAtProvider,
} from '../support/provider-logout-steps.js';
import type { TestServer } from '../support/test-server.js';

function providers(idp: string, other: string) {
  const entries = [
    logoutProvider('idp', idp, ['FrontChannelLogout: true']),
    logoutProvider('other', other, ['FrontChannelLogout: true']),
    // The first provider again, with back-channel logout only: it has no front-channel route.
    logoutProvider('quiet', idp, ['BackChannelLogout: true']),
  ];
  return {
    yaml: ['OAuth:', '  Providers:', ...entries.map((entry) => entry.yaml), ''].join('\n'),
    env: Object.assign({}, ...entries.map((entry) => entry.env)) as Record<string, string>,
  };
}

function frontChannelSuite(backend: Backend) {
  describe.skipIf(!backendAvailable(backend))(`front-channel logout on ${backend.name}`, () => {
    let idp: OidcProvider;
    let other: OidcProvider;
    let t: TestServer;
    let place: BackendPlace;
    let log: LogCapture;
    beforeAll(async () => {
      place = await openBackend(backend);
      idp = await startOidcProvider();
      other = await startOidcProvider();
      log = captureLog();
      const { yaml, env } = providers(idp.issuer, other.issuer);
      t = await startServerWithProviders(
        yaml,
        { ...env, ...place.env, JWTGATE_LOG_LEVEL: 'info' },
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
    const alive = (session: ProviderBegunSession) => accessWorks(t, session);
    const refreshes = (session: ProviderBegunSession) => refreshesAt(t, session);

    /** What the provider's logout page loads in its iframe. */
    function frontChannel(provider: string, query: Record<string, string>) {
      return t.request({
        method: 'GET',
        url: `/auth/oauth/${provider}/frontchannel-logout?${new URLSearchParams(query).toString()}`,
      });
    }

    /** The one answer every request to an enabled provider gets, whatever it ended. */
    function expectNeutral(answer: LightMyRequestResponse, provider: OidcProvider) {
      expect(answer.statusCode, answer.body).toBe(200);
      expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.headers['set-cookie']).toBeUndefined();
      // Framed by the provider's logout page, and by no one else.
      const policy = String(answer.headers['content-security-policy']);
      expect(policy).toContain(`frame-ancestors ${new URL(provider.issuer).origin}`);
      expect(policy).not.toContain("frame-ancestors 'none'");
      expect(policy).toContain("default-src 'none'");
      expect(answer.headers['x-frame-options']).toBeUndefined();
      return answer.body;
    }

    it('ends the sessions of the provider session named by iss and sid, at once, and only those', async () => {
      const sub = `fc-${randomUUID()}`;
      const sid = `psid-${randomUUID()}`;
      const named = await signIn(idp, 'idp', sub, sid);
      const sameUserElsewhere = await signIn(idp, 'idp', sub, `psid-${randomUUID()}`);
      expect(await alive(named)).toBe(true);
      const answer = await frontChannel('idp', { iss: idp.issuer, sid });
      expectNeutral(answer, idp);
      expect(answer.body).toMatch(/^<!doctype html>/);
      expect(await alive(named)).toBe(false);
      expect(await refreshes(named)).toBe(false);
      expect(await alive(sameUserElsewhere)).toBe(true);
      expect(await refreshes(sameUserElsewhere)).toBe(true);
      expect(log.audit('session.provider-logout').at(-1)).toMatchObject({
        provider: 'idp',
        ended: 1,
        by: 'sid',
        channel: 'front',
      });
      expect(log.audit('session.revoked').at(-1)).toMatchObject({ userId: named.userId, reason: 'provider-logout' });
    });

    it('answers the same page and ends nothing for a wrong iss, a missing iss or sid, an unknown sid or a sub alone', async () => {
      const sub = `fc-${randomUUID()}`;
      const sid = `psid-${randomUUID()}`;
      const session = await signIn(idp, 'idp', sub, sid);
      const matched = expectNeutral(await frontChannel('idp', { iss: idp.issuer, sid: `psid-${randomUUID()}` }), idp);
      const refused: Record<string, Record<string, string>> = {
        'another issuer': { iss: other.issuer, sid },
        'an issuer that only starts alike': { iss: `${idp.issuer}/`, sid },
        'no iss': { sid },
        'no sid': { iss: idp.issuer },
        'an empty sid': { iss: idp.issuer, sid: '' },
        'a sub instead of a sid': { iss: idp.issuer, sub },
        'nothing at all': {},
      };
      for (const [attempt, query] of Object.entries(refused)) {
        const answer = await frontChannel('idp', query);
        expect(expectNeutral(answer, idp), attempt).toBe(matched);
      }
      expect(await alive(session)).toBe(true);
      expect(await refreshes(session)).toBe(true);
      const reasons = log
        .audit('oauth.failed')
        .filter((record) => record.code === 'ERR_FRONTCHANNEL_LOGOUT_INVALID')
        .map((record) => record.reason);
      expect(reasons).toEqual(['iss', 'iss', 'no-iss', 'no-sid', 'no-sid', 'no-sid', 'no-iss']);
      // The page is the same for a sid that ended sessions as for one that did not.
      expect(expectNeutral(await frontChannel('idp', { iss: idp.issuer, sid }), idp)).toBe(matched);
      expect(await alive(session)).toBe(false);
    });

    it('ends nothing for a sid of a session begun at another provider', async () => {
      const sid = `psid-${randomUUID()}`;
      const atOther = await signIn(other, 'other', `fc-${randomUUID()}`, sid);
      // The first provider names the other's session: not its to end.
      expectNeutral(await frontChannel('idp', { iss: idp.issuer, sid }), idp);
      // Nor is the other's route moved by the first provider's issuer.
      expectNeutral(await frontChannel('other', { iss: idp.issuer, sid }), other);
      expect(await alive(atOther)).toBe(true);
      expect(await refreshes(atOther)).toBe(true);
      expectNeutral(await frontChannel('other', { iss: other.issuer, sid }), other);
      expect(await alive(atOther)).toBe(false);
    });

    it('answers 404, framed by no one, for a provider without FrontChannelLogout and for one not configured', async () => {
      const sid = `psid-${randomUUID()}`;
      const session = await signIn(idp, 'quiet', `fc-${randomUUID()}`, sid);
      for (const provider of ['quiet', 'nobody']) {
        const answer = await frontChannel(provider, { iss: idp.issuer, sid });
        expect(answer.statusCode, provider).toBe(404);
        expect(answer.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
        expect(answer.headers['x-frame-options']).toBe('DENY');
        expect(answer.headers['content-security-policy']).toBe("frame-ancestors 'none'");
      }
      expect(await alive(session)).toBe(true);
    });

    it('writes neither the sid nor the issuer it is given into the log or the audit trail, whatever they hold', async () => {
      const sid = `psid-${randomUUID()}`;
      const session = await signIn(idp, 'idp', `fc-${randomUUID()}`, sid);
      const marker = randomUUID();
      // A line of its own in the log, and a terminal escape, if either were written as given.
      const forged = `x\n{"level":60,"msg":"${marker}"}\r\u001b[2J`;
      const before = log.text().length;
      expectNeutral(await frontChannel('idp', { iss: `${idp.issuer}${forged}`, sid: forged }), idp);
      expectNeutral(await frontChannel('idp', { iss: idp.issuer, sid }), idp);
      expect(await alive(session)).toBe(false);
      const written = log.text().slice(before);
      // Both requests were logged, and the logout audited, without what they carried.
      expect(written.split('/frontchannel-logout?[redacted]')).toHaveLength(3);
      expect(log.audit('session.provider-logout').at(-1)).toMatchObject({ ended: 1, channel: 'front' });
      expect(written).not.toContain(marker);
      expect(written).not.toContain(sid);
      for (const line of written.split('\n').filter((text) => text.length > 0)) {
        expect(() => JSON.parse(line), line).not.toThrow();
      }
    });

    it('keeps every other answer unframeable, on every route the server documents', async () => {
      const reference = (await t.request({ method: 'GET', url: '/openapi.json' })).json() as {
        paths: Record<string, Record<string, unknown>>;
      };
      const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
      let checked = 0;
      for (const [path, operations] of Object.entries(reference.paths)) {
        if (path.endsWith('/frontchannel-logout')) continue;
        // The provider's own name, so that its routes answer as they do for it, not 404.
        const url = path.replace('{provider}', 'idp').replace(/\{[^}]+\}/g, 'x');
        for (const method of Object.keys(operations)) {
          const upper = method.toUpperCase() as (typeof methods)[number];
          if (!methods.includes(upper)) continue;
          const answer = await t.request({ method: upper, url });
          const where = `${upper} ${path} (${answer.statusCode})`;
          expect(answer.headers['x-frame-options'], where).toBe('DENY');
          expect(String(answer.headers['content-security-policy']), where).toMatch(/frame-ancestors 'none'/);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(50);
    });
  });
}

for (const backend of everyBackend) frontChannelSuite(backend);
