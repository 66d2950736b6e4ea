import { createSecretJwtKey } from '@jwtgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier } from '../src/index.js';
import { type Framework, frameworks, type Service } from './support/frameworks.js';
import { AUDIENCE, accessToken, decodeHeader, GO_ZERO_SECRET, goZeroToken, ISSUER } from './support/tokens.js';

describe('a token made exactly as go-zero makes it', () => {
  it('has the header golang-jwt writes and sorted claims, like the tokens go-zero hands out', () => {
    const token = goZeroToken(GO_ZERO_SECRET, { userId: 1 }, { iat: 1_612_780_674, seconds: 86_400 });
    const [header, payload] = token.split('.');
    // base64url of {"alg":"HS256","typ":"JWT"}, the first segment of every go-zero token.
    expect(header).toBe('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9');
    expect(Buffer.from(payload ?? '', 'base64url').toString()).toBe('{"exp":1612867074,"iat":1612780674,"userId":1}');
    expect(token).not.toContain('=');
  });
});

describe.each(frameworks)('go-zero interoperability on $name', (framework: Framework) => {
  let goZeroOnly: Service;
  let mixed: Service;
  beforeAll(async () => {
    // A search-api moved from go-zero: configured with the go-zero service's AccessSecret.
    goZeroOnly = await framework.start(createVerifier({ secret: GO_ZERO_SECRET, algorithms: ['HS256'], goZero: true }));
    // During a migration: the jwtgate server signs with the same secret; both kinds of token pass.
    mixed = await framework.start(
      createVerifier({
        secret: GO_ZERO_SECRET,
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        goZero: true,
      }),
    );
  });
  afterAll(async () => {
    await Promise.all([goZeroOnly.close(), mixed.close()]);
  });

  it('accepts the bare Authorization header go-zero clients send, and exposes userId', async () => {
    const res = await goZeroOnly.request('/claims', { authorization: goZeroToken(GO_ZERO_SECRET, { userId: 1 }) });
    expect(res.status, res.body).toBe(200);
    expect(res.json().claims).toMatchObject({ userId: 1 });
  });

  it('accepts it as a Bearer token too, with every custom claim readable', async () => {
    const token = goZeroToken(GO_ZERO_SECRET, { userId: 1, role: 'admin', tenant: { id: 7 } });
    const res = await goZeroOnly.request('/claims', { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(res.json().claims).toMatchObject({ userId: 1, role: 'admin', tenant: { id: 7 } });
  });

  it('refuses a go-zero token signed with another secret, expired, or tampered with', async () => {
    const now = Math.floor(Date.now() / 1000);
    const tokens = [
      goZeroToken('some-other-go-zero-secret-0123456789ab', { userId: 1 }),
      goZeroToken(GO_ZERO_SECRET, { userId: 1 }, { iat: now - 7200, seconds: 3600 }),
    ];
    const genuine = goZeroToken(GO_ZERO_SECRET, { userId: 1 });
    const [h, , s] = genuine.split('.');
    tokens.push(`${h}.${Buffer.from('{"exp":9999999999,"iat":1,"userId":2}').toString('base64url')}.${s}`);
    for (const token of tokens) {
      const res = await goZeroOnly.request('/claims', { authorization: token });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    }
    expect((await goZeroOnly.request('/claims')).status).toBe(401);
  });

  it('accepts go-zero and jwtgate tokens side by side, so nobody is logged out during a move', async () => {
    const fromGoZero = await mixed.request('/claims', { authorization: goZeroToken(GO_ZERO_SECRET, { userId: 9 }) });
    expect(fromGoZero.status).toBe(200);
    expect(fromGoZero.json().claims).toMatchObject({ userId: 9 });
    const jwtgateToken = accessToken(createSecretJwtKey({ secret: GO_ZERO_SECRET }));
    expect(decodeHeader(jwtgateToken).typ).toBe('at+jwt');
    const fromJwtgate = await mixed.request('/claims', { authorization: `Bearer ${jwtgateToken}` });
    expect(fromJwtgate.status).toBe(200);
    expect(fromJwtgate.json().claims).toMatchObject({ sub: 'user-42', iss: ISSUER, aud: AUDIENCE });
  });

  it('still holds jwtgate tokens to their issuer and audience in the mixed service', async () => {
    const key = createSecretJwtKey({ secret: GO_ZERO_SECRET });
    for (const token of [accessToken(key, { aud: 'another-api' }), accessToken(key, { iss: 'someone-else' })]) {
      expect((await mixed.request('/claims', { authorization: `Bearer ${token}` })).status).toBe(401);
    }
  });
});
