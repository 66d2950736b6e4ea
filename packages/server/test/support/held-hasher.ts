import type { PasswordHasher } from '@jwtgate/core';
import { createArgon2Hasher } from '../../src/passwords/argon2-hasher.js';

/** Verifications held after their result is known, until released. */
export interface HeldVerifications {
  /** Settles once that many verifications are held. */
  readonly allHeld: Promise<void>;
  /** Lets them all return their result. */
  release(): void;
}

/** The real argon2id hasher, whose next verifications can be held at a known point. */
export interface HoldingHasher {
  readonly hasher: PasswordHasher;
  /**
   * Holds the next `count` verifications once each has computed its
   * result, before it is returned: a password check that started before
   * something else and finishes after it.
   */
  holdNextVerifications(count: number): HeldVerifications;
  /** Whether every stored hash is reported as due for an upgrade (a login then rehashes the password). */
  rehashAll: boolean;
}

/**
 * A real argon2id hasher with a pause button, for races that must happen the
 * same way every time: hold the logins' checks, make a change, let them go.
 *
 * @example
 * const holding = await createHoldingHasher();
 * const held = holding.holdNextVerifications(4);
 */
export async function createHoldingHasher(): Promise<HoldingHasher> {
  const inner = await createArgon2Hasher();
  let toHold = 0;
  let held = 0;
  let onHeld: () => void = () => {};
  let gate: Promise<void> = Promise.resolve();
  const holding: HoldingHasher = {
    rehashAll: false,
    hasher: {
      hash: (password) => inner.hash(password),
      async verify(hash, password) {
        const result = await inner.verify(hash, password);
        if (toHold > 0) {
          toHold -= 1;
          held += 1;
          const wait = gate;
          onHeld();
          await wait;
        }
        return result;
      },
      dummyHash: inner.dummyHash,
      needsRehash: (hash) => holding.rehashAll || inner.needsRehash(hash),
    },
    holdNextVerifications(count) {
      let release: () => void = () => {};
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      toHold = count;
      held = 0;
      const allHeld = new Promise<void>((resolve) => {
        onHeld = () => {
          if (held === count) resolve();
        };
      });
      return { allHeld, release: () => release() };
    },
  };
  return holding;
}
