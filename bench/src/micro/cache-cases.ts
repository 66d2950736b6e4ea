import type { JwtKey, JwtVerifier } from '@jwtgate/core';
import { signAccessTokens } from '../support/bench-tokens.js';
import type { TimedOperation } from './measure.js';
import { createBenchJwtVerifier } from './verify-cases.js';

/** Sizes of full caches in which a hit is timed: a hit must cost the same in each. */
export const fullCacheSizes = [1_000, 10_000, 100_000] as const;

/**
 * One operation per size: a jwtgate verifier whose cache of verified tokens
 * is full (every entry a distinct token that verified), asked for one of
 * them over and over, as one busy user among many. Each verifier had every
 * token verified once before timing, and the hot token is checked to be a
 * hit (no JSON parsing) before the operation is returned.
 *
 * @example
 * const operations = createFullCacheOperations(key);
 */
export function createFullCacheOperations(key: JwtKey): { operations: TimedOperation[]; verifiers: JwtVerifier[] } {
  const operations: TimedOperation[] = [];
  const verifiers: JwtVerifier[] = [];
  for (const size of fullCacheSizes) {
    const verifier = createBenchJwtVerifier(key, { verifiedTokenCacheSize: size });
    const tokens = signAccessTokens(size, key).map(({ token }) => token);
    for (const token of tokens) verifier.verify(token);
    const hot = tokens[Math.floor(size / 2)] as string;
    const first = verifier.verify(hot);
    if (verifier.verify(hot) !== first) throw new Error(`a hot token in a full cache of ${size} was not a hit`);
    verifiers.push(verifier);
    operations.push({
      name: `hit in a full cache of ${size.toLocaleString('en')}`,
      async: false,
      run: () => verifier.verify(hot),
    });
  }
  return { operations, verifiers };
}
