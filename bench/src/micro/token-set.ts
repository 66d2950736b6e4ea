import { randomUUID } from 'node:crypto';
import { accessTokenType, createJwtSigner, createSecretJwtKey, type JwtKey } from '@jwtgate/core';
import { BENCH_ACCESS_SECRET } from '../support/jwtgate-fixture.js';
import { tamperSignature } from '../support/tamper.js';

/** Tokens a verifier must refuse, each breaking exactly one rule. */
export interface AttackTokens {
  readonly 'tampered signature': string;
  readonly expired: string;
  readonly 'other audience': string;
  readonly 'other issuer': string;
  /** A plain `JWT`, not an access token (RFC 9068 `typ: at+jwt`). */
  readonly 'other typ': string;
}

export type AttackName = keyof AttackTokens;

/** The token every implementation verifies, and the tokens they must refuse. */
export interface TokenSet {
  /** An access token from a real login. */
  readonly token: string;
  /** Its claims, which every signer in the signing benchmark signs again. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The key the server signs with (the same secret, the same derived `kid`). */
  readonly key: JwtKey;
  readonly attacks: AttackTokens;
}

function decodePayload(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (payload === undefined) throw new Error('the login answered something that is not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/**
 * Builds the token set around an access token issued by the real server
 * (or signed with `key`): the attack tokens are signed with that same key, so
 * only the one broken rule can make a verifier refuse them.
 *
 * @example
 * const tokens = createTokenSet((await fixture.login()).accessToken, Math.floor(Date.now() / 1000));
 */
export function createTokenSet(
  token: string,
  nowSec: number,
  key: JwtKey = createSecretJwtKey({ secret: BENCH_ACCESS_SECRET }),
): TokenSet {
  const claims = decodePayload(token);
  const accessSigner = createJwtSigner({ key, typ: accessTokenType });
  const plainSigner = createJwtSigner({ key, typ: 'JWT' });
  const fresh = { ...claims, jti: randomUUID() };
  return {
    token,
    claims,
    key,
    attacks: {
      'tampered signature': tamperSignature(token),
      expired: accessSigner.sign({ ...fresh, iat: nowSec - 1_200, exp: nowSec - 300 }),
      'other audience': accessSigner.sign({ ...fresh, aud: 'another-api' }),
      'other issuer': accessSigner.sign({ ...fresh, iss: 'another-issuer' }),
      'other typ': plainSigner.sign(fresh),
    },
  };
}
