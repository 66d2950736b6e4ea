/** Hashes and checks passwords; jwtgate's server uses argon2id. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Whether `password` matches `hash`; `false` (never a throw) for a malformed hash. */
  verify(hash: string, password: string): Promise<boolean>;
  /**
   * A hash of a random password with the current parameters. Logins for
   * unknown users are checked against it so they cost the same as real ones.
   */
  readonly dummyHash: string;
  /** Whether a stored hash uses older parameters and should be replaced after the next successful login. */
  needsRehash(hash: string): boolean;
}
