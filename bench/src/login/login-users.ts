import { BENCH_PASSWORD } from '../support/jwtgate-fixture.js';

/** One of the users both login servers hold, with the same password in both. */
export interface LoginUser {
  /** jwtgate's username. */
  readonly username: string;
  /** better-auth's sign-in name (email and password). */
  readonly email: string;
  readonly password: string;
}

/**
 * The `index`-th benchmark user: the same names in every server, so the load
 * generator knows them without being told.
 *
 * @example
 * loginUser(0); // { username: 'login-user-0', email: 'login-user-0@bench.example', password: … }
 */
export function loginUser(index: number): LoginUser {
  const username = `login-user-${index}`;
  return { username, email: `${username}@bench.example`, password: BENCH_PASSWORD };
}

/** A wrong password for any benchmark user, of the same length as the right one. */
export const WRONG_PASSWORD = BENCH_PASSWORD.replace(/.$/, (c) => (c === 'x' ? 'y' : 'x'));
