import { createCipheriv, pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import type { PasswordHasher } from '@jwtgate/core';
import { verify as verifyArgon2 } from '@node-rs/argon2';
import { verify as verifyBcrypt } from '@node-rs/bcrypt';

/**
 * A password hash made by another system, in a format jwtgate verifies:
 * bcrypt, argon2 (i, d, id), scrypt (PHC and Firebase's variant) and
 * PBKDF2-SHA256 (Django's and Keycloak's). Each is bounded in cost, so an
 * imported row cannot make one login cost minutes.
 */
export type ImportedHash =
  | { readonly kind: 'bcrypt'; readonly cost: number }
  | { readonly kind: 'argon2'; readonly variant: 'argon2i' | 'argon2d' | 'argon2id' }
  | {
      readonly kind: 'scrypt';
      readonly log2N: number;
      readonly r: number;
      readonly p: number;
      readonly salt: Buffer;
      readonly hash: Buffer;
    }
  | {
      readonly kind: 'firebase-scrypt';
      readonly rounds: number;
      readonly memCost: number;
      readonly saltSeparator: Buffer;
      readonly signerKey: Buffer;
      readonly salt: Buffer;
      readonly hash: Buffer;
    }
  | { readonly kind: 'pbkdf2-sha256'; readonly iterations: number; readonly salt: Buffer; readonly hash: Buffer };

/**
 * The highest costs accepted: a hash beyond them is refused at import, never
 * verified. Anyone who knows an imported user's name can make the server
 * verify that user's hash once per guess the login limits allow, so each
 * scheme's bound is about a second of one core (measured on the development
 * machine: bcrypt 14 1.0 s, argon2 over 1 GiB of passes 0.5 s, scrypt over
 * 256 MiB 1.0 s, PBKDF2 5,000,000 rounds 1.0 s); the bounds before allowed
 * 2 to 16 s, an amplification of a few hundred times over jwtgate's own
 * hash for a flood of guesses. The costs found in practice are well within:
 * bcrypt 10 to 13, Django's 1,000,000 rounds, Keycloak's 27,500 to 600,000,
 * passlib's scrypt (2^16, 8, 1).
 */
export const importedHashLimits = {
  bcryptCost: 14,
  /** KiB. */
  argon2Memory: 262_144,
  argon2Time: 64,
  argon2Parallelism: 16,
  /** KiB times passes: the memory filled, once per pass. */
  argon2Work: 1_048_576,
  /** Bytes scrypt may use (128 · N · r). */
  scryptMemory: 256 * 1024 * 1024,
  scryptParallelism: 16,
  /** Bytes scrypt fills in all (128 · N · r · p): p runs one after another. */
  scryptWork: 256 * 1024 * 1024,
  pbkdf2Iterations: 5_000_000,
} as const;

const BCRYPT = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;
const ARGON2 =
  /^\$(argon2id|argon2i|argon2d)\$v=(16|19)\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,2})\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{16,}$/;
const SCRYPT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/.]+={0,2})\$([A-Za-z0-9+/.]+={0,2})$/;
const FIREBASE =
  /^\$firebase-scrypt\$r=(\d{1,2}),m=(\d{1,2})\$([A-Za-z0-9+/]*={0,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;
const DJANGO = /^pbkdf2_sha256\$(\d{1,8})\$([^$]{1,128})\$([A-Za-z0-9+/]+={0,2})$/;
const KEYCLOAK = /^\$pbkdf2-sha256\$i=(\d{1,8})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/** Base64 in either alphabet, and passlib's `.` for `+`. */
function base64(text: string): Buffer {
  return Buffer.from(text.replace(/\./g, '+'), 'base64');
}

/**
 * Recognises an imported hash and checks its parameters, or returns `null`
 * for anything else (a plaintext password, an unknown scheme, a cost past
 * {@link importedHashLimits}). Never looks at a password.
 *
 * @example
 * parseImportedHash('$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy'); // { kind: 'bcrypt', cost: 10 }
 * parseImportedHash('pbkdf2_sha256$870000$salt$…'); // { kind: 'pbkdf2-sha256', iterations: 870000, … }
 */
export function parseImportedHash(text: string): ImportedHash | null {
  const limits = importedHashLimits;
  let m = BCRYPT.exec(text);
  if (m !== null) {
    const cost = Number(m[1]);
    return cost >= 4 && cost <= limits.bcryptCost ? { kind: 'bcrypt', cost } : null;
  }
  m = ARGON2.exec(text);
  if (m !== null) {
    const [memory, time, lanes] = [Number(m[3]), Number(m[4]), Number(m[5])];
    const ok =
      memory >= 8 * lanes &&
      memory <= limits.argon2Memory &&
      time >= 1 &&
      time <= limits.argon2Time &&
      memory * time <= limits.argon2Work &&
      lanes >= 1 &&
      lanes <= limits.argon2Parallelism;
    return ok ? { kind: 'argon2', variant: m[1] as 'argon2i' | 'argon2d' | 'argon2id' } : null;
  }
  m = SCRYPT.exec(text);
  if (m !== null) {
    const [log2N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const salt = base64(m[4] as string);
    const hash = base64(m[5] as string);
    return scryptFits(log2N, r, p) && salt.length > 0 && hash.length >= 16
      ? { kind: 'scrypt', log2N, r, p, salt, hash }
      : null;
  }
  m = FIREBASE.exec(text);
  if (m !== null) {
    const [rounds, memCost] = [Number(m[1]), Number(m[2])];
    const signerKey = base64(m[4] as string);
    const hash = base64(m[6] as string);
    return scryptFits(memCost, rounds, 1) && signerKey.length > 0 && hash.length === signerKey.length
      ? {
          kind: 'firebase-scrypt',
          rounds,
          memCost,
          saltSeparator: base64(m[3] as string),
          signerKey,
          salt: base64(m[5] as string),
          hash,
        }
      : null;
  }
  m = DJANGO.exec(text) ?? KEYCLOAK.exec(text);
  if (m !== null) {
    const iterations = Number(m[1]);
    // Django's salt is text, used as its UTF-8 bytes; Keycloak's is base64 of random bytes.
    const salt = text.startsWith('pbkdf2_') ? Buffer.from(m[2] as string, 'utf8') : base64(m[2] as string);
    const hash = base64(m[3] as string);
    return iterations >= 1 && iterations <= limits.pbkdf2Iterations && salt.length > 0 && hash.length >= 16
      ? { kind: 'pbkdf2-sha256', iterations, salt, hash }
      : null;
  }
  return null;
}

function scryptFits(log2N: number, r: number, p: number): boolean {
  return (
    log2N >= 1 &&
    log2N <= 24 &&
    r >= 1 &&
    p >= 1 &&
    p <= importedHashLimits.scryptParallelism &&
    128 * 2 ** log2N * r <= importedHashLimits.scryptMemory &&
    128 * 2 ** log2N * r * p <= importedHashLimits.scryptWork
  );
}

function scryptAsync(password: Buffer, salt: Buffer, length: number, log2N: number, r: number, p: number) {
  const N = 2 ** log2N;
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, length, { N, r, p, maxmem: 128 * N * r * 2 + 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Whether `password` matches an imported hash; `false` for anything
 * malformed. Every scheme runs off the event loop (libuv's pool, or the
 * native bindings' threads) and compares in constant time.
 *
 * @example
 * await verifyImportedHash('$2y$10$…', 'secret123'); // true
 */
export async function verifyImportedHash(text: string, password: string): Promise<boolean> {
  const parsed = parseImportedHash(text);
  if (parsed === null) return false;
  const secret = Buffer.from(password, 'utf8');
  try {
    switch (parsed.kind) {
      case 'bcrypt':
        // bcrypt reads at most 72 bytes; the library refuses nothing longer, it truncates as every bcrypt does.
        return await verifyBcrypt(secret, text);
      case 'argon2':
        return await verifyArgon2(text, secret);
      case 'scrypt': {
        const { log2N, r, p, salt, hash } = parsed;
        return equal(await scryptAsync(secret, salt, hash.length, log2N, r, p), hash);
      }
      case 'firebase-scrypt': {
        // Firebase: scrypt over salt ‖ separator gives an AES-256 key; the hash is the project's
        // signer key encrypted with it in CTR mode from a zero counter.
        const { rounds, memCost, saltSeparator, signerKey, salt, hash } = parsed;
        const derived = await scryptAsync(secret, Buffer.concat([salt, saltSeparator]), 64, memCost, rounds, 1);
        const cipher = createCipheriv('aes-256-ctr', derived.subarray(0, 32), Buffer.alloc(16));
        return equal(Buffer.concat([cipher.update(signerKey), cipher.final()]), hash);
      }
      case 'pbkdf2-sha256': {
        const { iterations, salt, hash } = parsed;
        const derived = await new Promise<Buffer>((resolve, reject) =>
          pbkdf2(secret, salt, iterations, hash.length, 'sha256', (error, key) =>
            error ? reject(error) : resolve(key),
          ),
        );
        return equal(derived, hash);
      }
    }
  } catch {
    return false;
  }
}

/**
 * The hasher with imported hashes verified too. jwtgate's own argon2id hashes
 * go to `hasher` as before; a hash in another format (see
 * {@link parseImportedHash}) is checked by its own scheme, and since
 * `hasher.needsRehash` answers `true` for it, the login that succeeds with it
 * replaces it with argon2id (`authenticateUser` does), so imported hashes
 * disappear as their users log in.
 *
 * @example
 * const hasher = acceptImportedHashes(await createArgon2Hasher());
 */
export function acceptImportedHashes(hasher: PasswordHasher): PasswordHasher {
  return {
    hash: (password) => hasher.hash(password),
    // Only jwtgate's own hashes (current parameters) skip the imported schemes' cost limits.
    async verify(stored, password) {
      if (!hasher.needsRehash(stored)) return hasher.verify(stored, password);
      if (parseImportedHash(stored) !== null) return verifyImportedHash(stored, password);
      // A hash no scheme takes (a format or a cost refused since it was stored) answers after the
      // dummy verification, as an unknown user does: refused at once, it would tell that the account exists.
      await hasher.verify(hasher.dummyHash, password);
      return false;
    },
    dummyHash: hasher.dummyHash,
    needsRehash: (stored) => hasher.needsRehash(stored),
  };
}
