import { getAlgorithm } from './algorithms.js';
import type { JwtKey } from './key.js';

/** Signs JWTs with one key. */
export interface JwtSigner {
  /** The key tokens are signed with; its `kid` goes into every header. */
  readonly key: JwtKey;
  /** Serialises `claims` into a compact JWS. */
  sign(claims: Readonly<Record<string, unknown>>): string;
}

/** Options for {@link createJwtSigner}. */
export interface JwtSignerOptions {
  key: JwtKey;
  /** The `typ` header; access tokens use `at+jwt` so no other JWT can pass for one. */
  typ?: string;
}

/**
 * Creates a signer. The header is encoded once, since it never changes.
 *
 * @example
 * const signer = createJwtSigner({ key, typ: 'at+jwt' });
 * const jwt = signer.sign({ sub: 'u1', exp: 1900000000 });
 */
export function createJwtSigner(options: JwtSignerOptions): JwtSigner {
  const { key } = options;
  const algorithm = getAlgorithm(key.alg);
  algorithm.assertKey(key.key, 'sign');
  const header: Record<string, string> = { alg: key.alg };
  if (options.typ !== undefined) header.typ = options.typ;
  header.kid = key.kid;
  const encodedHeader = Buffer.from(JSON.stringify(header)).toString('base64url');
  return {
    key,
    sign(claims) {
      const signingInput = `${encodedHeader}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
      return `${signingInput}.${algorithm.sign(signingInput, key.key)}`;
    },
  };
}
