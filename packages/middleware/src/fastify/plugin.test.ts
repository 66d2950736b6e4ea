import { createSecretJwtKey, generateJwtKey, publicKeyOf } from '@jwtgate/core';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { AUDIENCE, accessToken, ISSUER, SECRET } from '../../test/support/tokens.js';
import { jwtgateAuth } from './plugin.js';

const token = accessToken(createSecretJwtKey({ secret: SECRET }));
const options = { secret: SECRET, algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE } as const;

async function app() {
  const fastify = Fastify({ logger: false });
  await fastify.register(jwtgateAuth, {
    ...options,
    tokenFrom: ['bearer', { cookie: 'access_token' }],
    realm: 'search',
  });
  fastify.get('/public', async (request) => ({ auth: request.auth }));
  fastify.get('/one', { config: { auth: true } }, async (request) => ({
    sub: request.auth?.sub,
    plan: request.auth?.plan,
  }));
  await fastify.register(async (group) => {
    group.addHook('onRequest', group.requireAuth);
    group.get('/group/a', async (request) => ({ sub: request.auth?.sub }));
    group.get('/group/b', async (request) => ({ role: request.auth?.role }));
  });
  await fastify.ready();
  return fastify;
}

describe('the Fastify plugin', () => {
  it('protects a route that opts in with config.auth and puts the claims on request.auth', async () => {
    const fastify = await app();
    const ok = await fastify.inject({ url: '/one', headers: { authorization: `Bearer ${token}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ sub: 'user-42', plan: 'pro' });
    const refused = await fastify.inject({ url: '/one' });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer realm="search"');
    expect(refused.json()).toEqual({ error: { code: 'ERR_TOKEN_MISSING', message: 'An access token is required' } });
    await fastify.close();
  });

  it('protects every route of a group that adds requireAuth', async () => {
    const fastify = await app();
    for (const url of ['/group/a', '/group/b']) {
      expect((await fastify.inject({ url })).statusCode).toBe(401);
      expect((await fastify.inject({ url, headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    }
    await fastify.close();
  });

  it('leaves other routes open, with request.auth null', async () => {
    const fastify = await app();
    const res = await fastify.inject({ url: '/public', headers: { authorization: 'Bearer not-even-a-jwt' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ auth: null });
    await fastify.close();
  });

  it('reads the token from the configured cookie', async () => {
    const fastify = await app();
    const res = await fastify.inject({ url: '/one', headers: { cookie: `access_token=${token}` } });
    expect(res.statusCode).toBe(200);
    await fastify.close();
  });

  it('answers an invalid token with invalid_token and never runs the handler', async () => {
    const fastify = Fastify({ logger: false });
    await fastify.register(jwtgateAuth, options);
    let ran = false;
    fastify.get('/one', { config: { auth: true } }, async () => {
      ran = true;
      return {};
    });
    const res = await fastify.inject({ url: '/one', headers: { authorization: `Bearer ${token}x` } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="The access token is invalid"',
    );
    expect(res.headers['cache-control']).toBe('no-store');
    expect(ran).toBe(false);
    await fastify.close();
  });

  it('verifies an EdDSA token off the event loop, then from the cache, and refuses a forged one', async () => {
    const signingKey = generateJwtKey('EdDSA');
    const fastify = Fastify({ logger: false });
    await fastify.register(jwtgateAuth, {
      publicKeys: [{ key: publicKeyOf(signingKey.key), kid: signingKey.kid, alg: 'EdDSA' }],
      algorithms: ['EdDSA'],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    fastify.get('/one', { config: { auth: true } }, async (request) => ({ sub: request.auth?.sub }));
    const edToken = accessToken(signingKey);
    for (let round = 0; round < 2; round += 1) {
      const res = await fastify.inject({ url: '/one', headers: { authorization: `Bearer ${edToken}` } });
      expect(res.json()).toEqual({ sub: 'user-42' });
    }
    const forged = accessToken(generateJwtKey('EdDSA'), {}).split('.');
    const swapped = `${edToken.split('.')[0]}.${forged[1]}.${forged[2]}`;
    expect((await fastify.inject({ url: '/one', headers: { authorization: `Bearer ${swapped}` } })).statusCode).toBe(
      401,
    );
    await fastify.close();
  });

  it('fails at registration on bad options', async () => {
    const fastify = Fastify({ logger: false });
    await expect(fastify.register(jwtgateAuth, { ...options, algorithms: [] }).ready()).rejects.toThrow(/algorithms/);
  });
});
