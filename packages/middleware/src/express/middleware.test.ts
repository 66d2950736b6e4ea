import type { AddressInfo } from 'node:net';
import { createSecretJwtKey } from '@jwtgate/core';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { AUDIENCE, accessToken, ISSUER, SECRET } from '../../test/support/tokens.js';
import { jwtgateAuth } from './middleware.js';

const token = accessToken(createSecretJwtKey({ secret: SECRET }));

async function serve(app: express.Express, run: (url: string) => Promise<void>): Promise<void> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('the Express middleware', () => {
  const requireAuth = jwtgateAuth({ secret: SECRET, algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE });
  const bearer = { authorization: `Bearer ${token}` };

  it('protects one route and puts the claims on req.auth', async () => {
    const app = express();
    app.get('/one', requireAuth, (req, res) => {
      res.json({ sub: req.auth?.sub, plan: req.auth?.plan });
    });
    app.get('/public', (req, res) => {
      res.json({ auth: req.auth ?? null });
    });
    await serve(app, async (url) => {
      const ok = await fetch(`${url}/one`, { headers: bearer });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ sub: 'user-42', plan: 'pro' });
      const refused = await fetch(`${url}/one`);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer');
      expect(await refused.json()).toEqual({
        error: { code: 'ERR_TOKEN_MISSING', message: 'An access token is required' },
      });
      expect(await (await fetch(`${url}/public`, { headers: bearer })).json()).toEqual({ auth: null });
    });
  });

  it('protects a whole router, and never calls the handler on failure', async () => {
    const app = express();
    const router = express.Router();
    let ran = 0;
    router.use(requireAuth);
    router.get('/a', (req, res) => {
      ran++;
      res.json({ sub: req.auth?.sub });
    });
    app.use('/api', router);
    await serve(app, async (url) => {
      expect((await fetch(`${url}/api/a`, { headers: bearer })).status).toBe(200);
      const refused = await fetch(`${url}/api/a`, { headers: { authorization: `Bearer ${token.slice(0, -2)}` } });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      expect(ran).toBe(1);
    });
  });

  it('throws at construction on bad options', () => {
    expect(() => jwtgateAuth({ secret: SECRET, algorithms: ['HS256'], issuer: ISSUER })).toThrow(TypeError);
  });
});
