import type { PasswordHasher } from '@jwtgate/core';
import { createArgon2Hasher } from '../../src/passwords/argon2-hasher.js';

/** Calls held after their result is known, until released. */
export interface HeldVerifications {
  /** Settles once that many calls are held. */
  readonly allHeld: Promise<void>;
  /** Lets them all return their result. */
  release(): void;
}

/** The real argon2id hasher, whose next verifications or hashes can be held at a known point. */
export interface HoldingHasher {
  readonly hasher: PasswordHasher;
  /**
   * Holds the next `count` verifications once each has computed its
   * result, before it is returned: a password check that started before
   * something else and finishes after it.
   */
  holdNextVerifications(count: number): HeldVerifications;
  /**
   * Holds the next `count` hashes once each is computed, before it is
   * returned: a login's rehash of an imported hash (checked by its own
   * scheme, never by this hasher's `verify`) that is about to be stored.
   */
  holdNextHashes(count: number): HeldVerifications;
}

/** A pause button for one kind of call: `arm(n)` holds the next n calls that go through `pass()`. */
function createHold() {
  let toHold = 0;
  let held = 0;
  let onHeld: () => void = () => {};
  let gate: Promise<void> = Promise.resolve();
  return {
    async pass(): Promise<void> {
      if (toHold === 0) return;
      toHold -= 1;
      held += 1;
      const wait = gate;
      onHeld();
      await wait;
    },
    arm(count: number): HeldVerifications {
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
  const verifications = createHold();
  const hashes = createHold();
  return {
    hasher: {
      async hash(password) {
        const result = await inner.hash(password);
        await hashes.pass();
        return result;
      },
      async verify(hash, password) {
        const result = await inner.verify(hash, password);
        await verifications.pass();
        return result;
      },
      dummyHash: inner.dummyHash,
      needsRehash: (hash) => inner.needsRehash(hash),
    },
    holdNextVerifications: (count) => verifications.arm(count),
    holdNextHashes: (count) => hashes.arm(count),
  };
}
