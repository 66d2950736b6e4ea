import { type Clock, systemClock } from '../clock.js';
import { AuthError } from '../errors/auth-error.js';
import { getAlgorithm, type JwsAlgorithm } from './algorithms.js';
import type { JwtKey } from './key.js';
import { createVerifiedTokenCache, type VerifiedTokenCache } from './verified-token-cache.js';

/** Options for {@link createJwtVerifier}. */
export interface JwtVerifierOptions {
  /** Keys accepted for verification; each is bound to its algorithm. */
  keys: readonly JwtKey[];
  /** Required `iss`, or one of several. Omit to not check. */
  issuer?: string | readonly string[];
  /** Required `aud` (any overlap with the token's), or one of several. Omit to not check. */
  audience?: string | readonly string[];
  /** Required `typ` header (compared case-insensitively, `application/` optional). Omit to not check. */
  typ?: string | readonly string[];
  /** Claims that must be present besides `exp`, which always is. */
  requiredClaims?: readonly string[];
  /** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. Defaults to 0. */
  clockToleranceSec?: number;
  /** Longest token accepted, in characters; longer input is refused before any parsing. Defaults to 8192. */
  maxTokenLength?: number;
  /**
   * How many verified tokens to remember (least recently used go first), so
   * that the same token seen again skips its signature check; every hit still
   * checks `exp`, `nbf` and `iat` against the clock and the key's `notAfter`.
   * Defaults to {@link DEFAULT_VERIFIED_TOKEN_CACHE_SIZE}; 0 turns the cache off.
   */
  verifiedTokenCacheSize?: number;
  clock?: Clock;
}

/** A verified token. */
export interface VerifiedJwt<Claims> {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Claims;
  /** The key that verified the signature. */
  readonly key: JwtKey;
}

/** Verifies compact JWS tokens; throws `ERR_TOKEN_INVALID` or `ERR_TOKEN_EXPIRED`. */
export interface JwtVerifier<Claims = Record<string, unknown>> {
  verify(token: string): VerifiedJwt<Claims>;
}

interface ParsedHeader {
  readonly header: Readonly<Record<string, unknown>>;
  readonly candidates: readonly JwtKey[];
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Header members that carry or point at keys, which must never be trusted (RFC 8725 §3.10). */
const KEY_CARRYING_MEMBERS = ['jwk', 'jku', 'x5u', 'x5c'] as const;
const HEADER_CACHE_LIMIT = 32;
/**
 * Verified tokens remembered per verifier by default: enough for the active
 * users of one instance within an access token's lifetime to hit, about a
 * megabyte when full with tokens of the usual size.
 */
export const DEFAULT_VERIFIED_TOKEN_CACHE_SIZE = 1000;

function invalid(reason: string): AuthError {
  return new AuthError('ERR_TOKEN_INVALID', { reason });
}

function decodeJsonObject(segment: string, what: string): Record<string, unknown> {
  if (!BASE64URL.test(segment)) throw invalid(`${what}-encoding`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw invalid(`${what}-json`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(`${what}-shape`);
  return value as Record<string, unknown>;
}

function normaliseTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

function asList<T>(value: T | readonly T[] | undefined): readonly T[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/**
 * Creates a verifier that pins each key to its algorithm, requires `exp`,
 * checks `iss`/`aud`/`typ` when asked, and refuses `alg: none`, unknown
 * `crit` extensions and embedded or remote keys.
 *
 * Verification runs on every protected request, so it uses `node:crypto`
 * directly and caches parsed headers, but only headers of tokens whose
 * signature already verified, so forged tokens cannot fill the cache. It
 * also remembers whole tokens that passed every check (see
 * `verifiedTokenCacheSize`): a repeat of the exact same string skips the
 * signature, never the checks that depend on the time.
 *
 * @example
 * const verifier = createJwtVerifier({ keys: [key], issuer: 'jwtgate', audience: 'api' });
 * const { claims } = verifier.verify(token);
 */
export function createJwtVerifier<Claims = Record<string, unknown>>(options: JwtVerifierOptions): JwtVerifier<Claims> {
  if (options.keys.length === 0) throw new TypeError('createJwtVerifier needs at least one key');
  const byKid = new Map<string, JwtKey>();
  const byAlg = new Map<JwsAlgorithm, JwtKey[]>();
  for (const key of options.keys) {
    getAlgorithm(key.alg).assertKey(key.key, 'verify');
    if (byKid.has(key.kid)) throw new TypeError(`duplicate key id "${key.kid}"`);
    byKid.set(key.kid, key);
    const list = byAlg.get(key.alg) ?? [];
    list.push(key);
    byAlg.set(key.alg, list);
  }
  const issuers = asList(options.issuer);
  const audiences = asList(options.audience);
  const types = asList(options.typ)?.map(normaliseTyp);
  const required = options.requiredClaims ?? [];
  const tolerance = options.clockToleranceSec ?? 0;
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new TypeError('clockToleranceSec must be >= 0');
  const maxLength = options.maxTokenLength ?? 8192;
  const clock = options.clock ?? systemClock;
  const headerCache = new Map<string, ParsedHeader>();
  const cacheSize = options.verifiedTokenCacheSize ?? DEFAULT_VERIFIED_TOKEN_CACHE_SIZE;
  if (!Number.isSafeInteger(cacheSize) || cacheSize < 0) throw new TypeError('verifiedTokenCacheSize must be >= 0');
  const verified: VerifiedTokenCache<VerifiedJwt<Claims>> | null =
    cacheSize === 0 ? null : createVerifiedTokenCache(cacheSize);

  /** The checks that depend on the clock, run on every verification, cached or not. */
  function checkTimes(claims: Readonly<Record<string, unknown>>, nowMs: number): void {
    const now = nowMs / 1000;
    const exp = claims.exp;
    if (typeof exp !== 'number' || !Number.isFinite(exp)) throw invalid('exp-missing');
    if (now >= exp + tolerance) throw new AuthError('ERR_TOKEN_EXPIRED', { reason: 'exp' });
    if (claims.nbf !== undefined) {
      if (typeof claims.nbf !== 'number' || !Number.isFinite(claims.nbf)) throw invalid('nbf-type');
      if (now + tolerance < claims.nbf) throw invalid('nbf');
    }
    if (claims.iat !== undefined) {
      if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat)) throw invalid('iat-type');
      if (claims.iat > now + tolerance) throw invalid('iat-future');
    }
  }

  function parseHeader(segment: string): ParsedHeader {
    // Frozen: a parsed header is shared by every token that carries it.
    const header = Object.freeze(decodeJsonObject(segment, 'header'));
    const alg = header.alg;
    if (typeof alg !== 'string') throw invalid('alg-missing');
    // Only algorithms some key is bound to are candidates; `none` never is.
    const keysForAlg = byAlg.get(alg as JwsAlgorithm);
    if (keysForAlg === undefined) throw invalid('alg');
    for (const member of KEY_CARRYING_MEMBERS) {
      if (member in header) throw invalid(`header-${member}`);
    }
    // No extension is understood, so any `crit` must be refused (RFC 7515 §4.1.11).
    if ('crit' in header) throw invalid('header-crit');
    if (types !== undefined) {
      if (typeof header.typ !== 'string' || !types.includes(normaliseTyp(header.typ))) {
        throw invalid('typ');
      }
    }
    if (header.kid === undefined) return { header, candidates: keysForAlg };
    if (typeof header.kid !== 'string') throw invalid('kid-type');
    const key = byKid.get(header.kid);
    if (key === undefined || key.alg !== alg) throw invalid('kid');
    return { header, candidates: [key] };
  }

  return {
    verify(token) {
      if (typeof token !== 'string' || token.length === 0 || token.length > maxLength) {
        throw invalid('length');
      }
      const firstDot = token.indexOf('.');
      const secondDot = token.indexOf('.', firstDot + 1);
      if (firstDot <= 0 || secondDot <= firstDot + 1 || secondDot === token.length - 1) {
        throw invalid('segments');
      }
      if (token.indexOf('.', secondDot + 1) !== -1) throw invalid('segments');

      if (verified !== null) {
        const nowMs = clock.now();
        const hit = verified.get(token, nowMs);
        if (hit !== undefined) {
          // Only the exact string of a token that passed every check can hit;
          // time moves on, so the checks that depend on it run again.
          checkTimes(hit.value.claims as Readonly<Record<string, unknown>>, nowMs);
          return hit.value;
        }
      }

      const headerSegment = token.slice(0, firstDot);
      const cached = headerCache.get(headerSegment);
      const parsed = cached ?? parseHeader(headerSegment);

      const signingInput = token.slice(0, secondDot);
      const signature = token.slice(secondDot + 1);
      if (!BASE64URL.test(signature)) throw invalid('signature-encoding');
      let verifiedBy: JwtKey | undefined;
      let retired = false;
      for (const candidate of parsed.candidates) {
        // A key rotated out stops vouching for anything once its tokens can all have expired.
        if (candidate.notAfter !== undefined && clock.now() > candidate.notAfter) {
          retired = true;
          continue;
        }
        if (getAlgorithm(candidate.alg).verify(signingInput, signature, candidate.key)) {
          verifiedBy = candidate;
          break;
        }
      }
      if (verifiedBy === undefined) throw invalid(retired ? 'key-retired' : 'signature');
      if (cached === undefined && headerCache.size < HEADER_CACHE_LIMIT) {
        headerCache.set(headerSegment, parsed);
      }

      const claims = decodeJsonObject(token.slice(firstDot + 1, secondDot), 'payload');
      checkTimes(claims, clock.now());
      if (claims.sub !== undefined && typeof claims.sub !== 'string') throw invalid('sub-type');
      if (issuers !== undefined) {
        if (typeof claims.iss !== 'string' || !issuers.includes(claims.iss)) throw invalid('iss');
      }
      if (audiences !== undefined) {
        const aud = claims.aud;
        const tokenAudiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
        if (!tokenAudiences.some((entry) => typeof entry === 'string' && audiences.includes(entry))) {
          throw invalid('aud');
        }
      }
      for (const name of required) {
        if (claims[name] === undefined) throw invalid(`claim-${name}`);
      }
      // Frozen all the way down, because a cached result is handed to every later caller of the same token.
      const result: VerifiedJwt<Claims> = Object.freeze({
        header: parsed.header,
        claims: deepFreeze(claims) as Claims,
        key: verifiedBy,
      });
      if (verified !== null) {
        // An entry never outlives the token's exp nor the moment its key retires.
        const expiresAt = Math.min(
          ((claims.exp as number) + tolerance) * 1000,
          // The first whole millisecond past notAfter, when the full check would call the key retired.
          verifiedBy.notAfter === undefined ? Number.POSITIVE_INFINITY : Math.floor(verifiedBy.notAfter) + 1,
        );
        verified.set(token, { value: result, expiresAt });
      }
      return result;
    },
  };
}

/** Freezes a parsed JSON value and everything in it (a cached token's `aud` array, nested custom claims). */
function deepFreeze(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
