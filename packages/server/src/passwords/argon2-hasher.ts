import { randomBytes } from 'node:crypto';
import type { PasswordHasher } from '@jwtgate/core';
import { type Algorithm, hash, verify } from '@node-rs/argon2';

/** argon2id cost parameters. */
export interface Argon2Params {
  /** Memory in KiB. */
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

/** OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1. */
export const owaspArgon2Params: Argon2Params = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

// The package declares its algorithm enum as `const enum`, which isolated modules cannot read.
const ARGON2ID = 2 as Algorithm;
const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/;

/**
 * An argon2id hasher. Hashing runs on libuv's thread pool, off the event loop.
 *
 * @example
 * const hasher = await createArgon2Hasher();
 * const stored = await hasher.hash('correct horse battery staple');
 */
export async function createArgon2Hasher(params: Argon2Params = owaspArgon2Params): Promise<PasswordHasher> {
  const options = { algorithm: ARGON2ID, ...params };
  const dummyHash = await hash(randomBytes(32).toString('base64url'), options);
  return {
    hash: (password) => hash(password, options),
    async verify(stored, password) {
      try {
        return await verify(stored, password);
      } catch {
        return false;
      }
    },
    dummyHash,
    needsRehash(stored) {
      const match = PHC.exec(stored);
      return (
        match === null ||
        Number(match[1]) !== params.memoryCost ||
        Number(match[2]) !== params.timeCost ||
        Number(match[3]) !== params.parallelism
      );
    },
  };
}
