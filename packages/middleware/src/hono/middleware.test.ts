import { createSecretJwtKey } from '@jwtgate/core';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { AUDIENCE, accessToken, ISSUER, SECRET } from '../../test/support/tokens.js';
import { type AuthEnv, jwtgateAuth } from './middleware.js';

const token = accessToken(createSecretJwtKey({ secret: SECRET }));
const bearer = { authorization: `Bearer ${token}` };

describe('the Hono middleware', () => {
  const requireAuth = jwtgateAuth({ secret: SECRET, algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE });

  it('protects one route and sets the claims as c.get("auth")', async () => {
    const app = new Hono();
    app.get('/one', requireAuth, (c) => c.json({ sub: c.get('auth').sub, plan: c.get('auth').plan }));
    app.get('/public', (c) => c.json({ ok: true }));
    const ok = await app.request('/one', { headers: bearer });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ sub: 'user-42', plan: 'pro' });
    const refused = await app.request('/one');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect(await refused.json()).toEqual({
      error: { code: 'ERR_TOKEN_MISSING', message: 'An access token is required' },
    });
    expect((await app.request('/public')).status).toBe(200);
  });

  it('protects a group of routes with app.use, and never runs the handler on failure', async () => {
    const app = new Hono<AuthEnv>();
    let ran = 0;
    app.use('/api/*', requireAuth);
    app.get('/api/a', (c) => {
      ran++;
      return c.json({ sub: c.get('auth').sub });
    });
    expect((await app.request('/api/a', { headers: bearer })).status).toBe(200);
    const refused = await app.request('/api/a', { headers: { authorization: 'Bearer eyJ.eyJ.sig' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(ran).toBe(1);
  });

  it('throws at construction on bad options', () => {
    expect(() => jwtgateAuth({ secret: 'short', algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE })).toThrow(
      TypeError,
    );
  });
});
