import { randomBytes } from 'node:crypto';
import { getAlgorithm } from './algorithms.js';
import type { JwtKey } from './key.js';

/** Signs JWTs with one key. */
export interface JwtSigner {
  /** The key tokens are signed with; its `kid` goes into every header. */
  readonly key: JwtKey;
  /**
   * Serialises `claims` into a compact JWS. A `bigint` claim value (top
   * level) is written as the exact JSON integer, for readers that keep
   * integers exact (Go's `json.Number`).
   */
  sign(claims: Readonly<Record<string, unknown>>): string;
  /**
   * Signs the claims of `token` (a compact JWS, trusted: one this server
   * signed) again under this signer's key, byte for byte the same payload,
   * with this signer's header and signature.
   */
  resign(token: string): string;
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
      const signingInput = `${encodedHeader}.${Buffer.from(serialiseClaims(claims)).toString('base64url')}`;
      return `${signingInput}.${algorithm.sign(signingInput, key.key)}`;
    },
    resign(token) {
      const payload = token.split('.')[1];
      if (payload === undefined) throw new TypeError('not a compact JWS');
      const signingInput = `${encodedHeader}.${payload}`;
      return `${signingInput}.${algorithm.sign(signingInput, key.key)}`;
    },
  };
}

/** Marks a bigint while JSON.stringify runs; random, so no claim text can pass for one. */
const BIGINT_MARK = `bigint-${randomBytes(12).toString('hex')}:`;
const MARKED_BIGINT = new RegExp(`"${BIGINT_MARK}(-?[0-9]+)"`, 'g');

/** JSON text of the claims, top-level bigints as exact integers (JSON.stringify refuses them). */
function serialiseClaims(claims: Readonly<Record<string, unknown>>): string {
  if (!Object.values(claims).some((value) => typeof value === 'bigint')) return JSON.stringify(claims);
  const marked = JSON.stringify(claims, (_key, value: unknown) =>
    typeof value === 'bigint' ? `${BIGINT_MARK}${value}` : value,
  );
  return marked.replace(MARKED_BIGINT, '$1');
}
