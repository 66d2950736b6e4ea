import { type Clock, systemClock } from '../clock.js';
import { AuthError } from '../errors/auth-error.js';
import { getAlgorithm, type JwsAlgorithm } from './algorithms.js';
import type { JwtKey } from './key.js';
import { parseJsonLosslessly } from './lossless-json.js';
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
   * How many verified tokens to remember, so that the same token seen again
   * skips its signature check; every hit still checks `exp`, `nbf` and `iat`
   * against the clock and the key's `notAfter`. Once full, a token takes the
   * place of one not used lately only when it is seen a second time (see
   * `createVerifiedTokenCache`), about 0.9 KB per entry. Defaults to
   * {@link DEFAULT_VERIFIED_TOKEN_CACHE_SIZE}; 0 turns the cache off.
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
  /**
   * The same verification, with an asymmetric signature (ES256, EdDSA,
   * RS256, PS256) checked on libuv's thread pool, so that the event loop
   * keeps serving other requests meanwhile and a second core is put to use.
   * A cache hit and an HMAC signature are checked at once and returned as
   * they are, without a promise; refusals found before the signature check
   * throw, later ones reject.
   */
  verifyOffLoop(token: string): VerifiedJwt<Claims> | Promise<VerifiedJwt<Claims>>;
}

interface ParsedHeader {
  readonly header: Readonly<Record<string, unknown>>;
  readonly candidates: readonly JwtKey[];
  /** Whether some candidate's signature is worth checking on the thread pool (an asymmetric one). */
  readonly offLoop: boolean;
  /** Whether it is in the header cache: set once a token carrying it verified. */
  remembered: boolean;
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

/**
 * Where segments are decoded before their text is read: one buffer for the
 * process, reused by every synchronous verification, so that decoding a
 * payload allocates only its text. Larger segments get a buffer of their own.
 */
const decodeScratch = Buffer.alloc(6144);

/**
 * The UTF-8 text of a segment if it is base64url, else `null`. Node's decoder
 * skips a character outside both base64 alphabets (or stops at `=`), so a
 * segment that holds one decodes to fewer bytes than its length promises:
 * comparing the two, and looking for the two characters of the other
 * alphabet, which it would read, is the whole check, at a tenth of the cost
 * of a regular expression run over every character (about 40 ns against
 * 280 ns for an access token's payload). A length of 4n + 1 is never
 * base64url, and would hide a skipped character.
 */
function decodeBase64urlText(segment: string): string | null {
  if (segment.length % 4 === 1) return null;
  const expected = (segment.length * 3) >> 2;
  let text: string;
  if (expected > decodeScratch.length) {
    const bytes = Buffer.from(segment, 'base64url');
    if (bytes.length !== expected) return null;
    text = bytes.toString('utf8');
  } else {
    if (decodeScratch.write(segment, 0, 'base64url') !== expected) return null;
    text = decodeScratch.toString('utf8', 0, expected);
  }
  return segment.indexOf('+') === -1 && segment.indexOf('/') === -1 ? text : null;
}

function decodeJsonObject(segment: string, what: string): Record<string, unknown> {
  const text = decodeBase64urlText(segment);
  if (text === null) throw invalid(`${what}-encoding`);
  let value: unknown;
  try {
    value = parseJsonLosslessly(text);
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
 * Integer claims never lose precision: an integer beyond ±(2^53 - 1) in the
 * payload (a 64-bit id such as `1234567890123456789`, which `JSON.parse`
 * would round to the same number as `1234567890123456790`) comes out as its
 * exact decimal string, in every claim; a time claim (`exp`, `nbf`, `iat`)
 * that large is then not a number and the token is refused. Integers within
 * the safe range stay numbers.
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
    const offLoop = getAlgorithm(alg as JwsAlgorithm).verifyOffLoop !== undefined;
    if (header.kid === undefined) return { header, candidates: keysForAlg, offLoop, remembered: false };
    if (typeof header.kid !== 'string') throw invalid('kid-type');
    const key = byKid.get(header.kid);
    if (key === undefined || key.alg !== alg) throw invalid('kid');
    return { header, candidates: [key], offLoop, remembered: false };
  }

  /** The compact token's two dots, after the checks every token gets before anything is decoded. */
  function splitToken(token: string): { firstDot: number; secondDot: number } {
    if (typeof token !== 'string' || token.length === 0 || token.length > maxLength) {
      throw invalid('length');
    }
    const firstDot = token.indexOf('.');
    const secondDot = token.indexOf('.', firstDot + 1);
    if (firstDot <= 0 || secondDot <= firstDot + 1 || secondDot === token.length - 1) {
      throw invalid('segments');
    }
    if (token.indexOf('.', secondDot + 1) !== -1) throw invalid('segments');
    return { firstDot, secondDot };
  }

  /** The remembered result for exactly this token, its time claims checked again; `undefined` on a miss. */
  function cachedResult(token: string, nowMs: number): VerifiedJwt<Claims> | undefined {
    if (verified === null) return undefined;
    const hit = verified.get(token, nowMs);
    if (hit === undefined) return undefined;
    // Only the exact string of a token that passed every check can hit;
    // time moves on, so the checks that depend on it run again.
    checkTimes(hit.value.claims as Readonly<Record<string, unknown>>, nowMs);
    return hit.value;
  }

  /** The header segment seen last, which nearly every token of a service shares. */
  let lastHeader: { readonly segment: string; readonly parsed: ParsedHeader } | null = null;

  function headerOf(token: string, firstDot: number): ParsedHeader {
    // The common case compares characters in place: no slice, and no hash of a new string for the map.
    if (lastHeader !== null && firstDot === lastHeader.segment.length && token.startsWith(lastHeader.segment)) {
      return lastHeader.parsed;
    }
    const headerSegment = token.slice(0, firstDot);
    const remembered = headerCache.get(headerSegment);
    if (remembered === undefined) return parseHeader(headerSegment);
    lastHeader = { segment: headerSegment, parsed: remembered };
    return remembered;
  }

  /** Whether a key rotated out has stopped vouching: once its tokens can all have expired. */
  function isRetired(key: JwtKey, nowMs: number): boolean {
    return key.notAfter !== undefined && nowMs > key.notAfter;
  }

  /** Everything after the signature: the claims, the checks on them, the frozen result and the cache. */
  function accept(
    token: string,
    firstDot: number,
    secondDot: number,
    parsed: ParsedHeader,
    key: JwtKey,
    nowMs: number,
  ) {
    if (!parsed.remembered && headerCache.size < HEADER_CACHE_LIMIT) {
      parsed.remembered = true;
      headerCache.set(token.slice(0, firstDot), parsed);
    }
    const claims = decodeJsonObject(token.slice(firstDot + 1, secondDot), 'payload');
    checkTimes(claims, nowMs);
    if (claims.sub !== undefined && typeof claims.sub !== 'string') throw invalid('sub-type');
    if (issuers !== undefined) {
      if (typeof claims.iss !== 'string' || !issuers.includes(claims.iss)) throw invalid('iss');
    }
    if (audiences !== undefined && !audienceMatches(claims.aud, audiences)) throw invalid('aud');
    for (const name of required) {
      if (claims[name] === undefined) throw invalid(`claim-${name}`);
    }
    // Frozen all the way down, because a cached result is handed to every later caller of the same token,
    // and frozen whether cached or not, so that no caller sees claims that are mutable only sometimes.
    const result: VerifiedJwt<Claims> = Object.freeze({
      header: parsed.header,
      claims: freezeClaims(claims) as Claims,
      key,
    });
    if (verified !== null) {
      // An entry never outlives the token's exp nor the moment its key retires.
      const expiresAt = Math.min(
        ((claims.exp as number) + tolerance) * 1000,
        // The first whole millisecond past notAfter, when the full check would call the key retired.
        key.notAfter === undefined ? Number.POSITIVE_INFINITY : Math.floor(key.notAfter) + 1,
      );
      verified.set(token, { value: result, expiresAt });
    }
    return result;
  }

  async function checkOffLoop(
    token: string,
    firstDot: number,
    secondDot: number,
    parsed: ParsedHeader,
  ): Promise<VerifiedJwt<Claims>> {
    const signingInput = token.slice(0, secondDot);
    const signature = token.slice(secondDot + 1);
    let retired = false;
    for (const candidate of parsed.candidates) {
      if (isRetired(candidate, clock.now())) {
        retired = true;
        continue;
      }
      const algorithm = getAlgorithm(candidate.alg);
      const valid =
        algorithm.verifyOffLoop === undefined
          ? algorithm.verify(signingInput, signature, candidate.key)
          : await algorithm.verifyOffLoop(signingInput, signature, candidate.key);
      if (!valid) continue;
      // The clock moved while the thread pool worked: the key must still vouch, and the times are checked now.
      const nowMs = clock.now();
      if (isRetired(candidate, nowMs)) throw invalid('key-retired');
      return accept(token, firstDot, secondDot, parsed, candidate, nowMs);
    }
    throw invalid(retired ? 'key-retired' : 'signature');
  }

  function verifyNow(token: string): VerifiedJwt<Claims> {
    const { firstDot, secondDot } = splitToken(token);
    // One reading of the clock serves the cache, the key's retirement and the time claims.
    const nowMs = clock.now();
    const hit = cachedResult(token, nowMs);
    if (hit !== undefined) return hit;
    return checkNow(token, firstDot, secondDot, headerOf(token, firstDot), nowMs);
  }

  /** The signature checked on the event loop, and everything after it. */
  function checkNow(
    token: string,
    firstDot: number,
    secondDot: number,
    parsed: ParsedHeader,
    nowMs: number,
  ): VerifiedJwt<Claims> {
    const signingInput = token.slice(0, secondDot);
    const signature = token.slice(secondDot + 1);
    let retired = false;
    for (const candidate of parsed.candidates) {
      if (isRetired(candidate, nowMs)) {
        retired = true;
        continue;
      }
      // Every algorithm accepts only the canonical base64url spelling of a valid signature, so a
      // signature that is not base64url at all never passes: the check of its characters can wait
      // for a refusal, to name the reason as before, instead of running on every accepted token.
      if (getAlgorithm(candidate.alg).verify(signingInput, signature, candidate.key)) {
        return accept(token, firstDot, secondDot, parsed, candidate, nowMs);
      }
    }
    if (!BASE64URL.test(signature)) throw invalid('signature-encoding');
    throw invalid(retired ? 'key-retired' : 'signature');
  }

  return {
    verify: verifyNow,
    verifyOffLoop(token) {
      const { firstDot, secondDot } = splitToken(token);
      const nowMs = clock.now();
      const hit = cachedResult(token, nowMs);
      if (hit !== undefined) return hit;
      const parsed = headerOf(token, firstDot);
      if (!parsed.offLoop) return checkNow(token, firstDot, secondDot, parsed, nowMs);
      if (!BASE64URL.test(token.slice(secondDot + 1))) throw invalid('signature-encoding');
      return checkOffLoop(token, firstDot, secondDot, parsed);
    },
  };
}

function audienceMatches(aud: unknown, audiences: readonly string[]): boolean {
  if (typeof aud === 'string') return audiences.includes(aud);
  return Array.isArray(aud) && aud.some((entry) => typeof entry === 'string' && audiences.includes(entry));
}

/**
 * Freezes the claims and every object or array in them (a cached token's
 * `aud` list, nested custom claims). A `for...in` over the parsed object
 * allocates nothing, unlike `Object.values`.
 */
function freezeClaims(claims: Record<string, unknown>): Readonly<Record<string, unknown>> {
  for (const name in claims) {
    const value = claims[name];
    if (typeof value === 'object' && value !== null) deepFreeze(value);
  }
  return Object.freeze(claims);
}

/**
 * Walks arrays by index and objects with `for...in`: `Object.values` made an
 * array per nested value, and every jwtgate access token has one (`amr`).
 */
function deepFreeze(value: object): void {
  if (Object.isFrozen(value)) return;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const child: unknown = value[index];
      if (typeof child === 'object' && child !== null) deepFreeze(child);
    }
  } else {
    for (const name in value) {
      const child: unknown = (value as Record<string, unknown>)[name];
      if (typeof child === 'object' && child !== null) deepFreeze(child);
    }
  }
  Object.freeze(value);
}
