import { createSecretJwtKey } from '@jwtgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type VerifierOptions } from '../src/index.js';
import { type Answer, type Framework, frameworks, type Service } from './support/frameworks.js';
import { AUDIENCE, accessToken, ISSUER, SECRET } from './support/tokens.js';

const token = accessToken(createSecretJwtKey({ secret: SECRET }));
const cookie = { cookie: `access_token=${token}` };
const base: VerifierOptions = {
  secret: SECRET,
  algorithms: ['HS256'],
  issuer: ISSUER,
  audience: AUDIENCE,
  tokenFrom: ['bearer', { cookie: 'access_token' }],
};

function expectAccepted(answer: Answer): void {
  expect(answer.status, answer.body).toBe(200);
  expect(answer.json().claims?.sub).toBe('user-42');
}

function expectForbidden(answer: Answer): void {
  expect(answer.status, answer.body).toBe(403);
  expect(answer.json()).toEqual({
    error: { code: 'ERR_ORIGIN_NOT_ALLOWED', message: 'Requests from this origin are not allowed' },
  });
}

describe.each(frameworks)('a $name service reading the token from a cookie', (framework: Framework) => {
  let service: Service;
  let trusting: Service;
  let unguarded: Service;
  beforeAll(async () => {
    service = await framework.start(createVerifier(base));
    trusting = await framework.start(
      createVerifier({
        ...base,
        csrf: { trustedOrigins: ['https://app.example.com'], allowWithoutOrigin: true },
      }),
    );
    unguarded = await framework.start(createVerifier({ ...base, csrf: false }));
  });
  afterAll(async () => {
    await Promise.all([service.close(), trusting.close(), unguarded.close()]);
  });

  it('refuses a cross-site POST that carries the cookie with 403, not 401', async () => {
    const forged = { ...cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };
    expectForbidden(await service.request('/claims', forged, 'POST'));
    expectForbidden(await trusting.request('/claims', forged, 'POST'));
    // A sibling subdomain is same-site, and SameSite cookies do not stop it.
    expectForbidden(
      await service.request(
        '/claims',
        { ...cookie, origin: 'https://blog.example.com', 'sec-fetch-site': 'same-site' },
        'POST',
      ),
    );
    // A browser too old for Sec-Fetch-Site still sends Origin.
    expectForbidden(await service.request('/claims', { ...cookie, origin: 'https://evil.example' }, 'POST'));
    expectForbidden(await service.request('/claims', { ...cookie, origin: 'null' }, 'POST'));
  });

  it('accepts a same-origin POST, and one from a trusted origin', async () => {
    expectAccepted(await service.request('/claims', { ...cookie, 'sec-fetch-site': 'same-origin' }, 'POST'));
    expectAccepted(await service.request('/claims', { ...cookie, 'sec-fetch-site': 'none' }, 'POST'));
    const fromApp = { ...cookie, origin: 'https://app.example.com', 'sec-fetch-site': 'same-site' };
    expectAccepted(await trusting.request('/claims', fromApp, 'POST'));
    expectForbidden(await service.request('/claims', fromApp, 'POST'));
  });

  it('refuses a POST with neither Sec-Fetch-Site nor Origin unless allowWithoutOrigin says so', async () => {
    expectForbidden(await service.request('/claims', cookie, 'POST'));
    expectAccepted(await trusting.request('/claims', cookie, 'POST'));
    // Sec-Fetch-Site without Origin is a browser: the option is for old clients only.
    expectForbidden(await trusting.request('/claims', { ...cookie, 'sec-fetch-site': 'cross-site' }, 'POST'));
  });

  it('accepts a cross-site GET with the cookie, which must not change state', async () => {
    expectAccepted(
      await service.request('/claims', { ...cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }),
    );
  });

  it('accepts a cross-site POST whose token is in the Authorization header, which no other site can set', async () => {
    const headers = {
      ...cookie,
      authorization: `Bearer ${token}`,
      origin: 'https://evil.example',
      'sec-fetch-site': 'cross-site',
    };
    expectAccepted(await service.request('/claims', headers, 'POST'));
  });

  it('accepts the cross-site POST with csrf: false', async () => {
    const forged = { ...cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };
    expectAccepted(await unguarded.request('/claims', forged, 'POST'));
  });

  it('still answers a bad cookie token with 401 on a same-origin POST', async () => {
    const answer = await service.request(
      '/claims',
      { cookie: `access_token=${token.slice(0, -2)}`, 'sec-fetch-site': 'same-origin' },
      'POST',
    );
    expect(answer.status).toBe(401);
  });
});

describe('the csrf option', () => {
  it('counts a request handed to authenticate without a method as state-changing', async () => {
    const verifier = createVerifier(base);
    await expect(verifier.authenticate(cookie)).rejects.toMatchObject({ code: 'ERR_ORIGIN_NOT_ALLOWED' });
    await expect(verifier.authenticate({ ...cookie, method: 'get' })).resolves.toMatchObject({ sub: 'user-42' });
  });

  it('throws at start-up on an origin that browsers never send', () => {
    for (const origin of ['https://app.example.com/', 'app.example.com', 'https://app.example.com/path', 'null']) {
      expect(() => createVerifier({ ...base, csrf: { trustedOrigins: [origin] } })).toThrow(
        /csrf\.trustedOrigins\[0\]/,
      );
    }
  });
});
