import { createSecretKey, webcrypto } from 'node:crypto';
import { accessTokenType, createJwtSigner } from '@jwtgate/core';
import fastJwt from 'fast-jwt';
import { SignJWT } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { BENCH_ACCESS_SECRET } from '../support/jwtgate-fixture.js';
import type { TokenSet } from './token-set.js';

/** One implementation of "sign these access-token claims". */
export interface SignCase {
  readonly name: string;
  readonly library: string;
  readonly setup: string;
  readonly async: boolean;
  /** Returns the compact JWS (or a promise of it). */
  sign(): string | Promise<string>;
}

/**
 * The signers compared. Every one signs the claims of a real jwtgate access
 * token with the header `{ alg: HS256, typ: at+jwt, kid }`, so their output
 * is the same token up to header member order (the check verifies each with
 * jwtgate's verifier).
 *
 * @example
 * const cases = await createSignCases(tokens);
 */
export async function createSignCases(tokens: TokenSet): Promise<SignCase[]> {
  const { claims, key } = tokens;
  const kid = key.kid;
  const jwtgateSigner = createJwtSigner({ key, typ: accessTokenType });
  const secretBytes = new TextEncoder().encode(BENCH_ACCESS_SECRET);
  const joseKey = await webcrypto.subtle.importKey('raw', secretBytes, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const joseHeader = { alg: 'HS256', typ: accessTokenType, kid };
  const fastJwtSigner = fastJwt.createSigner({
    key: BENCH_ACCESS_SECRET,
    algorithm: 'HS256',
    kid,
    header: { alg: 'HS256', typ: accessTokenType },
  });
  const jsonwebtokenKey = createSecretKey(Buffer.from(BENCH_ACCESS_SECRET, 'utf8'));
  const jsonwebtokenOptions: jsonwebtoken.SignOptions = {
    algorithm: 'HS256',
    keyid: kid,
    header: { alg: 'HS256', typ: accessTokenType },
  };
  // None of the four writes to the payload it is given (fast-jwt and jsonwebtoken copy it), so all share one object.
  const payload = claims as Record<string, unknown>;

  return [
    {
      name: 'jwtgate createJwtSigner',
      library: '@jwtgate/core',
      setup: 'node:crypto HMAC, header encoded once',
      async: false,
      sign: () => jwtgateSigner.sign(claims),
    },
    {
      name: 'jose SignJWT',
      library: 'jose',
      setup: 'WebCrypto HMAC key imported once',
      async: true,
      sign: () => new SignJWT(payload).setProtectedHeader(joseHeader).sign(joseKey),
    },
    {
      name: 'jose SignJWT, Uint8Array secret',
      library: 'jose',
      setup: 'the secret as bytes: each call imports it into WebCrypto',
      async: true,
      sign: () => new SignJWT(payload).setProtectedHeader(joseHeader).sign(secretBytes),
    },
    {
      name: 'fast-jwt createSigner',
      library: 'fast-jwt',
      setup: 'signer created once',
      async: false,
      sign: () => fastJwtSigner(payload),
    },
    {
      name: 'jsonwebtoken sign',
      library: 'jsonwebtoken',
      setup: 'KeyObject secret created once',
      async: false,
      sign: () => jsonwebtoken.sign(payload, jsonwebtokenKey, jsonwebtokenOptions),
    },
    {
      name: 'jsonwebtoken sign, string secret',
      library: 'jsonwebtoken',
      setup: 'the secret as a string: each call first tries to parse it as a PEM private key',
      async: false,
      sign: () => jsonwebtoken.sign(payload, BENCH_ACCESS_SECRET, jsonwebtokenOptions),
    },
  ];
}
