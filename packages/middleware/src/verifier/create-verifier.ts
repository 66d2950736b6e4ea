import { createPublicKey, KeyObject } from 'node:crypto';
import {
  type AsymmetricAlgorithm,
  AuthError,
  accessTokenType,
  assertAuthentication,
  type Clock,
  createAccessTokenVerifier,
  createAsymmetricJwtKey,
  createJwtVerifier,
  createSecretJwtKey,
  type HmacAlgorithm,
  importJwk,
  isHmacAlgorithm,
  isSupportedAlgorithm,
  type JwsAlgorithm,
  type JwtKey,
  type PublicJwk,
  publicKeyOf,
  type StepUpRequirement,
  systemClock,
} from '@jwtgate/core';
import type { AuthClaims, VerifiedClaims } from './claims.js';
import { type CsrfOption, createCrossSiteGuard } from './cross-site-guard.js';
import { type FailureResponse, toFailureResponse } from './failure-response.js';
import { createJwksKeySource, type JwksKeySource, type JwksOptions, parseJwksUrl } from './jwks-source.js';
import {
  assertTokenSources,
  findToken,
  findTokenAndSource,
  type TokenCarrier,
  type TokenSource,
} from './token-source.js';

/** An HMAC secret shared with the issuer: its text (go-zero's `AccessSecret`), bytes, or both with an algorithm and key id. */
export type SecretInput =
  | string
  | Uint8Array
  | { readonly secret: string | Uint8Array; readonly alg?: HmacAlgorithm; readonly kid?: string };

/** A public key given directly: PEM text, a JWK, a `KeyObject`, with the algorithm it is for when the key does not say. */
export type PublicKeyInput =
  | JwtKey
  | {
      readonly key: string | KeyObject | PublicJwk | Readonly<Record<string, unknown>>;
      readonly alg?: AsymmetricAlgorithm;
      readonly kid?: string;
    };

/** Something that knows revoked session ids: a {@link RevocationFeed}, or your own. */
export interface RevocationCheck {
  has(sessionId: string): boolean;
  /**
   * Throws a coded `AuthError` (such as 503 `ERR_STORE_UNAVAILABLE`) while
   * the list cannot be trusted, so that a token is refused rather than
   * accepted on a stale list; called before `has`.
   */
  assertCurrent?(): void;
}

/** Options for {@link createVerifier}. */
export interface VerifierOptions {
  /** Algorithms accepted, e.g. `['ES256']`. Required: the token never chooses beyond this list. */
  readonly algorithms: readonly JwsAlgorithm[];
  /** Required `iss` of jwtgate tokens (the server's `Auth.Issuer`). */
  readonly issuer?: string | readonly string[];
  /** Required `aud` of jwtgate tokens: any one of these (the server's `Auth.Audience`). */
  readonly audience?: string | readonly string[];
  /** HMAC secret(s) shared with the issuer. Every one listed verifies: list two while rotating. */
  readonly secret?: SecretInput | readonly SecretInput[];
  /** Public keys given directly. */
  readonly publicKeys?: readonly PublicKeyInput[];
  /** The issuer's JWK Set, such as `https://auth.example.com/.well-known/jwks.json`. */
  readonly jwksUrl?: string | URL;
  readonly jwks?: JwksOptions;
  /**
   * Also accept tokens made the way go-zero makes them (`typ: JWT`, HS256,
   * `exp` and `iat` plus custom keys, no `iss`/`aud`/`sub`), signed with
   * `secret` (`true`) or with other secrets. They are judged by signature,
   * algorithm and time only.
   */
  readonly goZero?: boolean | { readonly secret: SecretInput | readonly SecretInput[] };
  /** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. Default 5. */
  readonly clockToleranceSec?: number;
  /** Where tokens are read from, first match wins. Default `['bearer']`, plus `'bare'` with `goZero`. */
  readonly tokenFrom?: readonly TokenSource[];
  /**
   * A token read from a cookie on a state-changing request (not GET, HEAD,
   * OPTIONS) is refused with 403 `ERR_ORIGIN_NOT_ALLOWED` unless the request
   * comes from the service's own pages (`Sec-Fetch-Site: same-origin`) or a
   * trusted origin: see {@link CsrfOption}. `false` turns this off, which
   * leaves such routes open to cross-site request forgery.
   */
  readonly csrf?: CsrfOption;
  /** Refuses tokens of revoked sessions, e.g. `createRevocationFeed(…)`. */
  readonly revocations?: RevocationCheck;
  /** The `realm` of `WWW-Authenticate` challenges; none by default. */
  readonly realm?: string;
  /** Longest token accepted, in characters. Default 8192. */
  readonly maxTokenLength?: number;
  /**
   * Verified tokens remembered, so that a token seen again skips its
   * signature check (what keeps ES256 and EdDSA affordable per request);
   * every hit still checks the time claims, and revocation is checked after.
   * Default 1000; 0 turns the cache off.
   */
  readonly verifiedTokenCacheSize?: number;
  readonly clock?: Clock;
  /** Told about JWKS fetch failures and ignored keys; never receives a token. */
  readonly onError?: (error: Error) => void;
}

/** Verifies tokens for a service; framework integrations wrap one of these. */
export interface Verifier<Claims extends VerifiedClaims = AuthClaims> {
  /** Verifies a token: its claims, or a rejection with a coded `AuthError`. */
  verify(token: string): Promise<Claims>;
  /** Finds the token in the request headers (see `tokenFrom`) and verifies it; `ERR_TOKEN_MISSING` when there is none. */
  authenticate(headers: TokenCarrier): Promise<Claims>;
  /**
   * `authenticate` for framework integrations on the hot path: the claims
   * themselves when nothing had to wait (a cache hit, an HMAC signature with
   * static keys), else a promise (an asymmetric signature checked on the
   * thread pool, keys being fetched); a refusal found at once is thrown.
   * It saves the promise and the microtask a request would otherwise cost.
   */
  authenticateNow(headers: TokenCarrier): Claims | Promise<Claims>;
  /** How to answer a failure: status, `WWW-Authenticate`, coded JSON body. */
  failure(error: unknown): FailureResponse;
  /**
   * Throws `ERR_INSUFFICIENT_AUTHENTICATION` (RFC 9470) unless verified
   * claims meet a step-up requirement: a second factor (`amr` holds `mfa`),
   * a sign-in (`auth_time`) recent enough on this verifier's clock.
   */
  checkAuthentication(claims: VerifiedClaims, requirement: StepUpRequirement): void;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,128}$/;

function invalid(reason: string): AuthError {
  return new AuthError('ERR_TOKEN_INVALID', { reason });
}

function asList<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** Whether text or bytes are a public key in some encoding: the classic HS/RS confusion, as a misconfiguration. */
function isPublicKeyMaterial(secret: string | Uint8Array): boolean {
  const text = typeof secret === 'string' ? secret : Buffer.from(secret).toString('latin1');
  if (text.includes('-----BEGIN ')) return true;
  const candidates: (() => unknown)[] = [
    () => createPublicKey({ key: JSON.parse(text), format: 'jwk' }),
    () => createPublicKey({ key: Buffer.from(secret), format: 'der', type: 'spki' }),
    () => createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' }),
    () => createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'pkcs1' }),
  ];
  return candidates.some((parse) => {
    try {
      parse();
      return true;
    } catch {
      return false;
    }
  });
}

function secretKeys(inputs: readonly SecretInput[], algorithms: readonly JwsAlgorithm[], option: string): JwtKey[] {
  const defaultAlg = algorithms.find(isHmacAlgorithm);
  return inputs.map((input, index) => {
    const spec = typeof input === 'string' || input instanceof Uint8Array ? { secret: input } : input;
    const alg = spec.alg ?? defaultAlg;
    if (alg === undefined || !algorithms.includes(alg)) {
      throw new TypeError(`${option}: ${alg ?? 'an HMAC algorithm'} is not in \`algorithms\``);
    }
    if (isPublicKeyMaterial(spec.secret)) {
      throw new TypeError(
        `${option}[${index}] is a public key, not a shared secret: pass it in \`publicKeys\` (a public key used as an HMAC secret lets anyone forge tokens)`,
      );
    }
    try {
      return createSecretJwtKey({ secret: spec.secret, alg, ...(spec.kid === undefined ? {} : { kid: spec.kid }) });
    } catch (error) {
      throw new TypeError(`${option}[${index}]: ${(error as Error).message}`);
    }
  });
}

function publicKeys(inputs: readonly PublicKeyInput[], algorithms: readonly JwsAlgorithm[]): JwtKey[] {
  return inputs.map((input, index) => {
    const binding = {
      ...(input.alg === undefined ? {} : { alg: input.alg as AsymmetricAlgorithm }),
      ...(input.kid === undefined ? {} : { kid: input.kid }),
    };
    let key: JwtKey;
    try {
      if (typeof input.key === 'string') {
        key = createAsymmetricJwtKey({ key: input.key, ...binding });
      } else if (input.key instanceof KeyObject) {
        // Only the public half is kept: a verifier has no use for a private key.
        key = createAsymmetricJwtKey({ key: publicKeyOf(input.key), ...binding });
      } else {
        key = importJwk(input.key, binding);
      }
    } catch (error) {
      throw new TypeError(`publicKeys[${index}]: ${(error as Error).message}`);
    }
    if (!algorithms.includes(key.alg)) throw new TypeError(`publicKeys[${index}]: ${key.alg} is not in \`algorithms\``);
    return key;
  });
}

/** The decoded header of a token, or `null` when it has none that parses; only ever used to route, never to trust. */
function peekHeader(token: string, maxLength: number): Record<string, unknown> | null {
  if (token.length > maxLength) return null;
  const dot = token.indexOf('.');
  if (dot <= 0) return null;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
    return header !== null && typeof header === 'object' ? (header as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function isAccessTokenType(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const lower = typ.toLowerCase();
  return (lower.startsWith('application/') ? lower.slice('application/'.length) : lower) === accessTokenType;
}

/**
 * A verifier for the tokens a service accepts. jwtgate access tokens are
 * checked with core's verifier: the key (from `secret`, `publicKeys` or the
 * issuer's JWKS) decides the algorithm, `typ` must be `at+jwt`, `iss` and
 * `aud` must match, `exp` is required, `nbf`/`iat` are checked, and a
 * revoked session is refused. With `goZero`, tokens that are not
 * `at+jwt` are judged as go-zero tokens: signature, algorithm and time.
 * Bad options throw a `TypeError` here, at start-up.
 *
 * @example
 * const verifier = createVerifier({
 *   jwksUrl: 'https://auth.example.com/.well-known/jwks.json',
 *   algorithms: ['ES256'],
 *   issuer: 'jwtgate',
 *   audience: 'orders-api',
 * });
 * const claims = await verifier.verify(token);
 */
export function createVerifier<Claims extends VerifiedClaims = AuthClaims>(options: VerifierOptions): Verifier<Claims> {
  const algorithms = options.algorithms;
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new TypeError("createVerifier needs `algorithms`, the list of algorithms to accept (e.g. ['HS256'])");
  }
  for (const alg of algorithms) {
    if (!isSupportedAlgorithm(alg)) {
      throw new TypeError(
        `algorithms: ${JSON.stringify(alg)} is not one of HS256, HS384, HS512, RS256, PS256, ES256, EdDSA`,
      );
    }
  }
  const clock = options.clock ?? systemClock;
  const clockToleranceSec = options.clockToleranceSec ?? 5;
  const maxTokenLength = options.maxTokenLength ?? 8192;
  const cacheSize =
    options.verifiedTokenCacheSize === undefined ? {} : { verifiedTokenCacheSize: options.verifiedTokenCacheSize };
  // core's verifier is built on the first request; a bad size must stop the start, not fail every request.
  if (
    options.verifiedTokenCacheSize !== undefined &&
    (!Number.isSafeInteger(options.verifiedTokenCacheSize) || options.verifiedTokenCacheSize < 0)
  ) {
    throw new TypeError('verifiedTokenCacheSize must be an integer >= 0');
  }
  const onError = options.onError ?? (() => {});
  const jwtgateRules = options.issuer !== undefined || options.audience !== undefined;
  if (jwtgateRules && (asList(options.issuer).length === 0 || asList(options.audience).length === 0)) {
    throw new TypeError('createVerifier needs both `issuer` and `audience` to accept jwtgate tokens');
  }
  if (!jwtgateRules && !options.goZero) {
    throw new TypeError(
      'createVerifier needs `issuer` and `audience` (jwtgate tokens), or `goZero: true` (go-zero tokens), or both',
    );
  }

  const sharedSecrets = secretKeys(asList(options.secret), algorithms, 'secret');
  const staticKeys = [...sharedSecrets, ...publicKeys(options.publicKeys ?? [], algorithms)];
  let jwks: JwksKeySource | null = null;
  if (options.jwksUrl !== undefined) {
    const url = parseJwksUrl(options.jwksUrl, options.jwks ?? {});
    jwks = createJwksKeySource(url, {
      algorithms: new Set(algorithms.filter((alg) => !isHmacAlgorithm(alg))),
      clock,
      options: options.jwks ?? {},
      onError,
    });
  }
  if (jwtgateRules && staticKeys.length === 0 && jwks === null) {
    throw new TypeError('createVerifier needs keys for jwtgate tokens: `secret`, `publicKeys` or `jwksUrl`');
  }

  const goZeroKeys =
    options.goZero === undefined || options.goZero === false
      ? null
      : options.goZero === true
        ? sharedSecrets
        : secretKeys(asList(options.goZero.secret), algorithms, 'goZero.secret');
  if (goZeroKeys !== null && goZeroKeys.length === 0) {
    throw new TypeError('goZero: true needs `secret`, the AccessSecret the go-zero service signs with');
  }
  const goZero =
    goZeroKeys === null
      ? null
      : createJwtVerifier<VerifiedClaims>({
          keys: goZeroKeys,
          // golang-jwt writes typ JWT; an at+jwt token must pass the jwtgate rules, never these looser ones.
          typ: 'JWT',
          clockToleranceSec,
          maxTokenLength,
          clock,
          ...cacheSize,
        });

  const tokenFrom = options.tokenFrom ?? (goZero === null ? ['bearer'] : ['bearer', 'bare']);
  assertTokenSources(tokenFrom);
  // Built (so checked) either way; only cookies ride along on requests other sites cause, so without a cookie source it is skipped.
  const csrfGuard = createCrossSiteGuard(options.csrf);
  const crossSiteGuard = tokenFrom.some((source) => typeof source === 'object') ? csrfGuard : null;

  type AccessVerifier = { verifyOffLoop(token: string): VerifiedClaims | Promise<VerifiedClaims> };
  const noKeys: AccessVerifier = {
    verifyOffLoop() {
      throw invalid('no-keys');
    },
  };
  let built: { from: readonly JwtKey[] | null; verifier: AccessVerifier } | null = null;
  /** core's verifier over the static keys and the JWKS keys, rebuilt only when the JWKS changed. */
  function accessVerifier(): AccessVerifier {
    const remote = jwks?.keys() ?? null;
    if (built !== null && built.from === remote) return built.verifier;
    const staticKids = new Set(staticKeys.map((key) => key.kid));
    const keys = [...staticKeys, ...(remote ?? []).filter((key) => !staticKids.has(key.kid))];
    const verifier =
      keys.length === 0
        ? noKeys
        : createAccessTokenVerifier({
            keys,
            issuer: options.issuer as string | readonly string[],
            audience: options.audience as string | readonly string[],
            clockToleranceSec,
            clock,
            ...cacheSize,
          });
    built = { from: remote, verifier };
    return verifier;
  }

  /**
   * Whether a refusal may be a key the cached JWKS does not have yet, so that
   * fetching it again could help: a key id it does not know, or a signature
   * that fails under one it does, as when the issuer replaced the key under
   * the same kid (a key file swapped in place). Until then the cache would
   * refuse every new token and keep honouring the old key for the whole
   * `maxAgeMs`. Forged signatures cost the issuer no more than made-up key
   * ids do: one fetch per cooldown.
   */
  function mayBeUnknownKey(error: unknown, token: string): boolean {
    if (
      !(error instanceof AuthError) ||
      (error.reason !== 'kid' && error.reason !== 'alg' && error.reason !== 'no-keys' && error.reason !== 'signature')
    ) {
      return false;
    }
    const header = peekHeader(token, maxTokenLength);
    if (header === null || !isSupportedAlgorithm(header.alg) || isHmacAlgorithm(header.alg)) return false;
    if (!algorithms.includes(header.alg)) return false;
    // A kid that no key could ever have (a path, SQL, markup) is not worth a request to the issuer.
    return header.kid === undefined || (typeof header.kid === 'string' && KEY_ID.test(header.kid));
  }

  /**
   * Synchronous for a cache hit or an HMAC signature with static keys; an
   * asymmetric signature is checked on the thread pool (a second core, while
   * the event loop serves other requests), and keys may have to be fetched.
   */
  function verifyAccessToken(token: string): VerifiedClaims | Promise<VerifiedClaims> {
    return jwks === null ? accessVerifier().verifyOffLoop(token) : verifyWithJwks(jwks, token);
  }

  async function verifyWithJwks(source: JwksKeySource, token: string): Promise<VerifiedClaims> {
    if (source.keys() === null) await source.refresh('initial');
    if (source.keys() === null && staticKeys.length === 0) {
      throw new AuthError('ERR_KEYS_UNAVAILABLE', { reason: 'jwks-unreachable', headers: { 'retry-after': '5' } });
    }
    if (source.isStale()) void source.refresh('stale');
    try {
      return await accessVerifier().verifyOffLoop(token);
    } catch (error) {
      if (!mayBeUnknownKey(error, token)) throw error;
      if (!(await source.refresh('unknown-key'))) throw error;
      return accessVerifier().verifyOffLoop(token);
    }
  }

  function notRevoked(claims: VerifiedClaims): Claims {
    const revocations = options.revocations;
    if (revocations !== undefined && typeof claims.sid === 'string') {
      revocations.assertCurrent?.();
      if (revocations.has(claims.sid)) throw new AuthError('ERR_TOKEN_REVOKED');
    }
    return claims as Claims;
  }

  function verifyNow(token: string): Claims | Promise<Claims> {
    if (typeof token !== 'string' || token.length === 0 || token.length > maxTokenLength) throw invalid('length');
    if (goZero !== null && (!jwtgateRules || !isAccessTokenType(peekHeader(token, maxTokenLength)?.typ))) {
      // go-zero tokens are HMAC only: verified at once.
      return goZero.verify(token).claims as Claims;
    }
    const claims = verifyAccessToken(token);
    return claims instanceof Promise ? claims.then(notRevoked) : notRevoked(claims);
  }

  /** Always a promise, never a synchronous throw, whichever path `run` took. */
  function settle(run: () => Claims | Promise<Claims>): Promise<Claims> {
    try {
      return Promise.resolve(run());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  function authenticateNow(headers: TokenCarrier): Claims | Promise<Claims> {
    if (crossSiteGuard === null) {
      const token = findToken(headers, tokenFrom);
      if (token === null) throw new AuthError('ERR_TOKEN_MISSING');
      return verifyNow(token);
    }
    const found = findTokenAndSource(headers, tokenFrom);
    if (found === null) throw new AuthError('ERR_TOKEN_MISSING');
    // Before the token is even looked at: a forged request gets no answer about the cookie it carried.
    if (found.fromCookie) crossSiteGuard(headers);
    return verifyNow(found.token);
  }

  return {
    verify: (token) => settle(() => verifyNow(token)),
    authenticate: (headers) => settle(() => authenticateNow(headers)),
    authenticateNow,
    failure: (error) => toFailureResponse(error, options.realm),
    checkAuthentication: (claims, requirement) => assertAuthentication(claims, requirement, clock.now()),
  };
}
