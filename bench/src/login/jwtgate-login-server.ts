import { normaliseUsername } from '@jwtgate/core';
import { buildUserRecord } from '@jwtgate/core/testing';
import { createArgon2Hasher } from '@jwtgate/server';
import type { RunningServer } from '../http/listen.js';
import { startJwtgateFixture } from '../support/jwtgate-fixture.js';
import { loginUser } from './login-users.js';

/** Hashes at once while seeding: as many as libuv has threads. */
const SEEDING_AT_ONCE = 4;

/**
 * The real jwtgate server (`createJwtgateServer`, SQLite, argon2id with its
 * default parameters, every setting at its default) listening on 127.0.0.1,
 * with `users` accounts written through its user store, each with its own
 * argon2id hash of the shared password made by the server's own hasher
 * before it listens. `tokens` holds one access token, from a login through
 * the route, for the guarded `GET /auth/me`.
 *
 * @example
 * const server = await startJwtgateLoginServer(100);
 */
export async function startJwtgateLoginServer(users: number): Promise<RunningServer> {
  const fixture = await startJwtgateFixture({ register: false });
  try {
    const hasher = await createArgon2Hasher();
    for (let first = 0; first < users; first += SEEDING_AT_ONCE) {
      const batch = Array.from({ length: Math.min(SEEDING_AT_ONCE, users - first) }, (_, i) => loginUser(first + i));
      await Promise.all(
        batch.map(async (user) => {
          const { username, key } = normaliseUsername(user.username);
          await fixture.server.users.create(
            buildUserRecord({ username, usernameKey: key, passwordHash: await hasher.hash(user.password) }),
          );
        }),
      );
    }
    const url = new URL(await fixture.server.listen());
    const first = loginUser(0);
    const loggedIn = await fetch(new URL('/auth/login', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: first.username, password: first.password }),
    });
    if (loggedIn.status !== 200)
      throw new Error(`jwtgate's login answered ${loggedIn.status} to the first benchmark user`);
    const { accessToken } = (await loggedIn.json()) as { accessToken: string };
    return { port: Number(url.port), tokens: [accessToken], close: () => fixture.close() };
  } catch (error) {
    await fixture.close();
    throw error;
  }
}
