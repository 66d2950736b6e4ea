import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type AsymmetricAlgorithm,
  assertKeyId,
  importJwk,
  isHmacAlgorithm,
  isSupportedAlgorithm,
  type JwtKey,
} from '@jwtgate/core';
import { keyFileProblem, readKeyFileChecked } from './key-files.js';

/**
 * The key set file kept by `jwtgate keys`: every asymmetric key of the
 * issuer with its place in the rotation.
 *
 * - `next`: published in the JWKS and verifying, not signing yet, so that
 *   every verifier and every instance knows it before its first token;
 * - `current`: signs (exactly one);
 * - `previous`: rotated out at `retiredAt`; verifies (and is published) until
 *   `AccessExpire` + `ClockLeeway` later, when every token it signed has
 *   expired. Only its public half is kept.
 */
export type KeyStatus = 'next' | 'current' | 'previous';

/** One key of the set. `jwk` is private for `next` and `current`, public for `previous`. */
export interface KeySetEntry {
  readonly kid: string;
  readonly alg: AsymmetricAlgorithm;
  readonly status: KeyStatus;
  /** ISO 8601. */
  readonly createdAt: string;
  /** ISO 8601; when it stopped signing. `previous` keys only. */
  readonly retiredAt?: string;
  readonly jwk: Readonly<Record<string, unknown>>;
}

/** The whole file. */
export interface KeySet {
  readonly format: typeof KEY_SET_FORMAT;
  readonly keys: readonly KeySetEntry[];
}

/** The `format` member that marks a key set file, with its version. */
export const KEY_SET_FORMAT = 'jwtgate-keys/1';

const STATUSES: readonly KeyStatus[] = ['next', 'current', 'previous'];
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'];

/**
 * Whether parsed JSON is meant as a key set (rather than a single JWK).
 *
 * @example
 * looksLikeKeySet({ format: 'jwtgate-keys/1', keys: [] }); // true
 * looksLikeKeySet({ kty: 'EC' });                         // false
 */
export function looksLikeKeySet(value: unknown): boolean {
  return value !== null && typeof value === 'object' && ('format' in value || 'keys' in value);
}

function isIsoDate(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value)) && /^\d{4}-\d\d-\d\dT/.test(value);
}

/**
 * Checks the shape of a key set and returns it typed, or throws an `Error`
 * whose message lists every problem (never key material).
 *
 * @example
 * const set = parseKeySet(JSON.parse(readFileSync(path, 'utf8')));
 */
export function parseKeySet(value: unknown): KeySet {
  const problems: string[] = [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
  const { format, keys } = value as { format?: unknown; keys?: unknown };
  if (format !== KEY_SET_FORMAT) {
    throw new Error(`"format" must be "${KEY_SET_FORMAT}" (files written by \`jwtgate keys\`)`);
  }
  if (!Array.isArray(keys)) throw new Error('"keys" must be a list');
  const kids = new Set<string>();
  keys.forEach((entry: unknown, index) => {
    const where = `key ${index + 1}`;
    if (entry === null || typeof entry !== 'object') {
      problems.push(`${where}: not an object`);
      return;
    }
    const { kid, alg, status, createdAt, retiredAt, jwk } = entry as Record<string, unknown>;
    try {
      assertKeyId(kid as string);
    } catch {
      problems.push(`${where}: "kid" must be 1-128 characters of A-Z a-z 0-9 . _ -`);
    }
    if (typeof kid === 'string' && kids.has(kid)) problems.push(`${where}: the kid "${kid}" is used twice`);
    if (typeof kid === 'string') kids.add(kid);
    if (!isSupportedAlgorithm(alg) || isHmacAlgorithm(alg)) {
      problems.push(`${where}: "alg" must be RS256, PS256, ES256 or EdDSA`);
    }
    if (!STATUSES.includes(status as KeyStatus)) problems.push(`${where}: "status" must be next, current or previous`);
    if (!isIsoDate(createdAt)) problems.push(`${where}: "createdAt" must be an ISO 8601 time`);
    if (status === 'previous' && !isIsoDate(retiredAt)) {
      problems.push(`${where}: a previous key needs "retiredAt", an ISO 8601 time`);
    }
    if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) problems.push(`${where}: "jwk" must be a JWK`);
  });
  const statuses = keys.map((entry) => (entry as { status?: unknown } | null)?.status);
  const current = statuses.filter((status) => status === 'current').length;
  if (current !== 1) problems.push(`exactly one key must be "current", found ${current}`);
  if (statuses.filter((status) => status === 'next').length > 1) problems.push('at most one key can be "next"');
  if (problems.length > 0) throw new Error(problems.join('; '));
  return value as KeySet;
}

/**
 * The keys of a set, ready for a key ring: the current key signs; the next
 * key verifies; previous keys verify until `retiredAt + windowMs` and are
 * left out once that has passed.
 *
 * @example
 * const { signingKey, verificationKeys } = keysOfSet(set, { now: Date.now(), windowMs: 905_000 });
 */
export function keysOfSet(
  set: KeySet,
  options: { now: number; windowMs: number },
): { signingKey: JwtKey; verificationKeys: JwtKey[] } {
  let signingKey: JwtKey | undefined;
  const verificationKeys: JwtKey[] = [];
  for (const entry of set.keys) {
    const where = `key "${entry.kid}"`;
    const jwk = { ...entry.jwk };
    if (jwk.kid !== undefined && jwk.kid !== entry.kid) throw new Error(`${where}: its JWK names another kid`);
    if (entry.status === 'previous') {
      const notAfter = Date.parse(entry.retiredAt as string) + options.windowMs;
      if (notAfter < options.now) continue;
      verificationKeys.push(wrap(where, () => importJwk(jwk, { alg: entry.alg, kid: entry.kid, notAfter })));
    } else {
      const key = wrap(where, () => importJwk(jwk, { alg: entry.alg, kid: entry.kid, use: 'sign' }));
      if (entry.status === 'current') signingKey = key;
      else verificationKeys.push(key);
    }
  }
  if (signingKey === undefined) throw new Error('no current key');
  return { signingKey, verificationKeys };
}

function wrap<T>(where: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`);
  }
}

/**
 * The public half of a JWK: what a `previous` entry keeps once its key stops signing.
 *
 * @example
 * withoutPrivateMembers({ kty: 'OKP', crv: 'Ed25519', x: '…', d: '…' }); // { kty: 'OKP', crv: 'Ed25519', x: '…' }
 */
export function withoutPrivateMembers(jwk: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...jwk };
  for (const member of PRIVATE_MEMBERS) delete copy[member];
  return copy;
}

/**
 * Reads and checks a key set file; `null` when it does not exist. Throws
 * for a file the server would refuse unread (writable by any user, not a
 * regular file, too large), as for one it cannot read.
 *
 * @example
 * const set = readKeySetFile('/etc/jwtgate/keys.json');
 */
export function readKeySetFile(path: string): KeySet | null {
  // Checked as the server checks it: `keys rotate` must not carry a key planted in a file anyone may write into a fresh 0600 one.
  const file = readKeyFileChecked(path);
  if ('errorCode' in file) {
    if (file.errorCode === 'ENOENT') return null;
    throw new Error(keyFileProblem(path, file));
  }
  const { text } = file;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON`);
  }
  try {
    return parseKeySet(value);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}

/**
 * Writes a key set so that a reader sees the old file or the new one, never
 * half of one: a private temporary file (mode 0600) renamed over the target.
 *
 * @example
 * writeKeySetFile(path, { format: KEY_SET_FORMAT, keys });
 */
export function writeKeySetFile(path: string, set: KeySet): void {
  parseKeySet(set);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temporary, `${JSON.stringify(set, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
