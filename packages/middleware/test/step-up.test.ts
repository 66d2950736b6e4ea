import type { AddressInfo } from 'node:net';
import { createSecretJwtKey } from '@jwtgate/core';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtgateAuth as expressAuth } from '../src/express/index.js';
import { jwtgateAuth as fastifyAuth } from '../src/fastify/index.js';
import { jwtgateAuth as honoAuth } from '../src/hono/index.js';
import { createVerifier } from '../src/index.js';
import { AUDIENCE, accessToken, ISSUER, SECRET } from './support/tokens.js';

const key = createSecretJwtKey({ secret: SECRET, alg: 'HS256' });
const verifier = createVerifier({ secret: SECRET, algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE });
const now = () => Math.floor(Date.now() / 1000);
const twoFactors = { amr: ['pwd', 'otp', 'mfa'], acr: 'urn:jwtgate:acr:mfa' };

type Call = (path: string, token: string) => Promise<{ status: number; wwwAuthenticate: string | null; code?: string }>;

/** `/mfa` requires a second factor; `/recent` a sign-in at most 300 s old; `/any` only a valid token. */
const services: Record<string, () => Promise<{ call: Call; close(): Promise<void> }>> = {
  async fastify() {
    const app = Fastify({ logger: false });
    await app.register(fastifyAuth, { verifier });
    app.get('/mfa', { config: { auth: { requireMfa: true } } }, async () => ({ ok: true }));
    app.get('/recent', { config: { auth: { maxAuthAge: 300 } } }, async () => ({ ok: true }));
    app.get('/any', { config: { auth: true } }, async () => ({ ok: true }));
    await app.ready();
    return {
      async call(path, token) {
        const res = await app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${token}` } });
        const header = res.headers['www-authenticate'];
        return {
          status: res.statusCode,
          wwwAuthenticate: typeof header === 'string' ? header : null,
          code: res.json().error?.code,
        };
      },
      close: () => app.close(),
    };
  },
  async express() {
    const app = express();
    app.get('/mfa', expressAuth({ verifier, requireMfa: true }), (_req, res) => {
      res.json({ ok: true });
    });
    app.get('/recent', expressAuth({ verifier, maxAuthAge: 300 }), (_req, res) => {
      res.json({ ok: true });
    });
    app.get('/any', expressAuth({ verifier }), (_req, res) => {
      res.json({ ok: true });
    });
    const server = await new Promise<import('node:http').Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const { port } = server.address() as AddressInfo;
    return {
      async call(path, token) {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${token}` } });
        const body = (await res.json()) as { error?: { code: string } };
        return { status: res.status, wwwAuthenticate: res.headers.get('www-authenticate'), code: body.error?.code };
      },
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  },
  async hono() {
    const app = new Hono();
    app.get('/mfa', honoAuth({ verifier, requireMfa: true }), (c) => c.json({ ok: true }));
    app.get('/recent', honoAuth({ verifier, maxAuthAge: 300 }), (c) => c.json({ ok: true }));
    app.get('/any', honoAuth({ verifier }), (c) => c.json({ ok: true }));
    return {
      async call(path, token) {
        const res = await app.request(path, { headers: { authorization: `Bearer ${token}` } });
        const body = (await res.json()) as { error?: { code: string } };
        return { status: res.status, wwwAuthenticate: res.headers.get('www-authenticate'), code: body.error?.code };
      },
      close: async () => {},
    };
  },
};

for (const [name, start] of Object.entries(services)) {
  describe(`step-up (RFC 9470) on ${name}`, () => {
    let service: Awaited<ReturnType<typeof start>>;
    beforeAll(async () => {
      service = await start();
    });
    afterAll(() => service.close());

    it('lets a token from a two-factor sign-in through a route that requires one', async () => {
      expect((await service.call('/mfa', accessToken(key, { ...twoFactors, auth_time: now() }))).status).toBe(200);
    });

    it('refuses a password-only token with insufficient_user_authentication and acr_values', async () => {
      for (const claims of [{ amr: ['pwd'], auth_time: now() }, {}]) {
        const res = await service.call('/mfa', accessToken(key, claims));
        expect(res.status).toBe(401);
        expect(res.code).toBe('ERR_INSUFFICIENT_AUTHENTICATION');
        expect(res.wwwAuthenticate).toBe(
          'Bearer error="insufficient_user_authentication", error_description="This needs a stronger or more recent sign-in", acr_values="urn:jwtgate:acr:mfa"',
        );
      }
      // Other routes ask only for a valid token.
      expect((await service.call('/any', accessToken(key, { amr: ['pwd'] }))).status).toBe(200);
    });

    it('refuses a sign-in older than maxAuthAge, naming max_age', async () => {
      expect((await service.call('/recent', accessToken(key, { amr: ['pwd'], auth_time: now() - 200 }))).status).toBe(
        200,
      );
      const old = await service.call('/recent', accessToken(key, { amr: ['pwd'], auth_time: now() - 400 }));
      expect(old.status).toBe(401);
      expect(old.wwwAuthenticate).toMatch(/error="insufficient_user_authentication".*, max_age=300$/);
      const none = await service.call('/recent', accessToken(key));
      expect(none.code).toBe('ERR_INSUFFICIENT_AUTHENTICATION');
    });

    it('still refuses an invalid token as invalid_token first', async () => {
      const res = await service.call('/mfa', `${accessToken(key, twoFactors)}x`);
      expect(res.code).toBe('ERR_TOKEN_INVALID');
    });
  });
}

describe('step-up options', () => {
  it('are checked at construction', () => {
    expect(() => expressAuth({ verifier, maxAuthAge: -5 })).toThrow(TypeError);
    expect(() => honoAuth({ verifier, maxAuthAge: 1.5 })).toThrow(TypeError);
  });
});
