import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { owaspArgon2Params } from '@jwtgate/server';
import { type Algorithm, hash, verify } from '@node-rs/argon2';
import { betterAuth } from 'better-auth';
import { toNodeHandler } from 'better-auth/node';
import Database from 'better-sqlite3';
import type { RunningServer } from '../http/listen.js';
import { loginUser } from './login-users.js';

/** A benchmark-only secret of better-auth's (it signs the session cookie). */
const BETTER_AUTH_SECRET = 'bench-better-auth-secret-0123456789abcdefghij';
// @node-rs/argon2 declares its algorithm enum as `const enum`, which isolated modules cannot read.
const ARGON2ID = 2 as Algorithm;
/** Sign-ups hashing at once while seeding: as many as libuv has threads. */
const SEEDING_AT_ONCE = 4;

/**
 * better-auth 1.7 as its documentation sets it up for Node: `betterAuth` on a
 * real SQLite file (better-sqlite3, WAL mode, its own migrations), email and
 * password sign-in, mounted with `toNodeHandler` on a `node:http` server on
 * 127.0.0.1, telemetry off (there is no network here) and its rate limit
 * off (every login comes from one address). Its password hashing is argon2id
 * through @node-rs/argon2 with jwtgate's default parameters (OWASP: m=19 MiB,
 * t=2, p=1), so a login costs both servers the same hash; better-auth's own
 * default is scrypt. `/healthz` answers beside better-auth's routes, as an
 * app's own route would. `users` accounts are signed up through
 * better-auth's API before the server listens; `tokens` holds one session
 * cookie (`name=value`) for the guarded `GET /api/auth/get-session`.
 *
 * @example
 * const server = await startBetterAuthServer(100);
 */
export async function startBetterAuthServer(users: number): Promise<RunningServer> {
  process.env.BETTER_AUTH_TELEMETRY = '0';
  const dir = mkdtempSync(join(tmpdir(), 'jwtgate-bench-better-auth-'));
  const database = new Database(join(dir, 'auth.sqlite'));
  database.pragma('journal_mode = WAL');
  const server = createServer();
  const removeAll = () => {
    database.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const argon2 = { algorithm: ARGON2ID, ...owaspArgon2Params };
    const auth = betterAuth({
      database,
      secret: BETTER_AUTH_SECRET,
      baseURL: `http://127.0.0.1:${port}`,
      emailAndPassword: {
        enabled: true,
        password: {
          hash: (password) => hash(password, argon2),
          verify: ({ hash: stored, password }) => verify(stored, password),
        },
      },
      telemetry: { enabled: false },
      rateLimit: { enabled: false },
      logger: { disabled: true },
    });
    await (await auth.$context).runMigrations();
    for (let first = 0; first < users; first += SEEDING_AT_ONCE) {
      const batch = Array.from({ length: Math.min(SEEDING_AT_ONCE, users - first) }, (_, i) => loginUser(first + i));
      await Promise.all(
        batch.map((user) =>
          auth.api.signUpEmail({ body: { email: user.email, password: user.password, name: user.username } }),
        ),
      );
    }
    const handle = toNodeHandler(auth);
    server.on('request', (request, response) => {
      if (request.url === '/healthz') {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      }
      void handle(request, response);
    });
    // A session for the probe of the guarded route, through the real sign-in route.
    const first = loginUser(0);
    const signedIn = await fetch(`http://127.0.0.1:${port}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: `http://127.0.0.1:${port}` },
      body: JSON.stringify({ email: first.email, password: first.password }),
    });
    const cookie = signedIn.headers.get('set-cookie')?.split(';')[0];
    if (signedIn.status !== 200 || cookie === undefined) {
      throw new Error(`better-auth's sign-in answered ${signedIn.status} to the first benchmark user`);
    }
    return {
      port,
      tokens: [cookie],
      async close() {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        removeAll();
      },
    };
  } catch (error) {
    server.close();
    removeAll();
    throw error;
  }
}
