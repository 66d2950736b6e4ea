/**
 * The source of time for all token and session logic. Injected so that
 * expiry, grace windows and rotation can be tested without sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that only moves when told to; for tests and simulations.
 *
 * @example
 * const clock = createManualClock(Date.parse('2030-01-01'));
 * clock.advance(15 * 60_000);
 */
export function createManualClock(start: number): Clock & {
  advance(ms: number): void;
  set(ms: number): void;
} {
  let current = start;
  return {
    now: () => current,
    advance(ms) {
      current += ms;
    },
    set(ms) {
      current = ms;
    },
  };
}
