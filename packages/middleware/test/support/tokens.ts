import { constants, createHmac, randomUUID, sign } from 'node:crypto';
import { createJwtSigner, type JwtKey, newSessionId } from '@jwtgate/core';

export const ISSUER = 'jwtgate';
export const AUDIENCE = 'search-api';
export const SECRET = 'middleware-test-access-secret-0123456789';
export const GO_ZERO_SECRET = 'a6b3c0d9-4e21-4f6a-9b7c-0d1e2f3a4b5c';

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The claims of a jwtgate access token, as the server's session manager writes them. */
export function accessClaims(overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    plan: 'pro',
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-42',
    sid: newSessionId(),
    role: 'user',
    iat: now,
    exp: now + 900,
    jti: randomUUID(),
    ...overrides,
  };
}

/** A jwtgate access token signed with `key`, through core's signer, as the server makes it. */
export function accessToken(key: JwtKey, overrides: Readonly<Record<string, unknown>> = {}): string {
  return createJwtSigner({ key, typ: 'at+jwt' }).sign(accessClaims(overrides));
}

/** JSON as Go's encoding/json writes it, a `bigint` written as the bare integer an int64 claim is. */
function goJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'bigint' ? `\u0000int64:${item}` : item,
  ).replace(/"\\u0000int64:(-?\d+)"/g, '$1');
}

/**
 * A token built exactly as go-zero builds one (golang-jwt `jwt.New(jwt.SigningMethodHS256)`
 * with `MapClaims`): header `{"alg":"HS256","typ":"JWT"}`, claims serialised
 * with their keys in sorted order, as Go's encoding/json writes a map, signed
 * with the bytes of `AccessSecret`, base64url without padding.
 */
export function goZeroToken(
  secret: string,
  payload: Readonly<Record<string, unknown>> = {},
  options: { iat?: number; seconds?: number } = {},
): string {
  const iat = options.iat ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { exp: iat + (options.seconds ?? 86_400), iat, ...payload };
  const sorted = Object.fromEntries(
    Object.keys(claims)
      .sort()
      .map((key) => [key, claims[key]]),
  );
  const signingInput = `${encode({ alg: 'HS256', typ: 'JWT' })}.${Buffer.from(goJson(sorted)).toString('base64url')}`;
  return `${signingInput}.${createHmac('sha256', Buffer.from(secret)).update(signingInput).digest('base64url')}`;
}

/** An HMAC-signed token with any header and payload, to forge exactly the token an attack needs. */
export function hmacToken(
  header: Readonly<Record<string, unknown>>,
  payload: Readonly<Record<string, unknown>>,
  secret: string | Uint8Array,
): string {
  const hash = header.alg === 'HS512' ? 'sha512' : header.alg === 'HS384' ? 'sha384' : 'sha256';
  const signingInput = `${encode(header)}.${encode(payload)}`;
  return `${signingInput}.${createHmac(hash, secret).update(signingInput).digest('base64url')}`;
}

/** Replaces the header of a token, keeping payload and signature. */
export function withHeader(token: string, header: Readonly<Record<string, unknown>>): string {
  const [, payload, signature] = token.split('.');
  return `${encode(header)}.${payload}.${signature}`;
}

/** Replaces the signature of a token. */
export function withSignature(token: string, signature: Uint8Array | string): string {
  const [header, payload] = token.split('.');
  const encoded = typeof signature === 'string' ? signature : Buffer.from(signature).toString('base64url');
  return `${header}.${payload}.${encoded}`;
}

export function decodeHeader(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'));
}

/** Signs any header and payload with `key` the way its algorithm does, to forge a token around a real signature. */
export function signedToken(
  key: JwtKey,
  header: Readonly<Record<string, unknown>>,
  payload: Readonly<Record<string, unknown>>,
): string {
  const signingInput = `${encode(header)}.${encode(payload)}`;
  const data = Buffer.from(signingInput);
  let signature: Buffer;
  switch (key.alg) {
    case 'HS256':
    case 'HS384':
    case 'HS512':
      signature = createHmac(`sha${key.alg.slice(2)}`, key.key)
        .update(data)
        .digest();
      break;
    case 'ES256':
      signature = sign('sha256', data, { key: key.key, dsaEncoding: 'ieee-p1363' });
      break;
    case 'PS256':
      signature = sign('sha256', data, {
        key: key.key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      });
      break;
    case 'RS256':
      signature = sign('sha256', data, key.key);
      break;
    case 'EdDSA':
      signature = sign(null, data, key.key);
      break;
  }
  return `${signingInput}.${signature.toString('base64url')}`;
}
