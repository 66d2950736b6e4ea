import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJwtgateServer, type JwtgateServer, loadConfig } from '@jwtgate/server';
import type { FastifyInstance } from 'fastify';

/**
 * The secrets every benchmark uses, for jwtgate and the peers alike, so all
 * of them sign and verify the very same bytes. Benchmark-only values.
 */
export const BENCH_ACCESS_SECRET = 'bench-access-secret-0123456789abcdefghijklmnop';
export const BENCH_REFRESH_SECRET = 'bench-refresh-secret-0123456789abcdefghijklmno';

/** The `iss` and `aud` of every token in the benchmarks (jwtgate's defaults). */
export const BENCH_ISSUER = 'jwtgate';
export const BENCH_AUDIENCE = 'jwtgate';
/** The clock leeway every verifier gets, in seconds (jwtgate's default `Auth.ClockLeeway`). */
export const BENCH_LEEWAY_SEC = 5;

/** A real jwtgate server on a fresh SQLite file, with one signed-in user. */
export interface JwtgateFixture {
  readonly server: JwtgateServer;
  /** Logs the user in once more (a new session) through the real route. */
  login(): Promise<{ accessToken: string; refreshToken: string }>;
  close(): Promise<void>;
}

/** The one user of every fixture. */
export const BENCH_USERNAME = 'bench-user';
export const BENCH_PASSWORD = 'correct horse battery staple';

/**
 * Starts the real `createJwtgateServer` (SQLite in WAL mode on a temporary
 * file, migrations, argon2id) and registers one user through the HTTP routes.
 * `addRoutes` runs before the app is sealed, as an embedder's routes would.
 *
 * @example
 * const fixture = await startJwtgateFixture();
 * const { accessToken } = await fixture.login();
 */
export async function startJwtgateFixture(
  options: {
    addRoutes?: (app: FastifyInstance) => void;
    /** Turn `Metrics.Enabled` on (its listener on a free loopback port). */
    metrics?: boolean;
    /** More settings as environment variables (`JWTGATE_REDIS_URL`, `JWTGATE_REVOCATION_STRICT`…). */
    env?: Readonly<Record<string, string>>;
    /** An existing data directory (shared by two instances); by default a fresh one, removed on close. */
    dataDir?: string;
    /** Register the benchmark user (false for a second instance on the same database). Default true. */
    register?: boolean;
  } = {},
): Promise<JwtgateFixture> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'jwtgate-bench-'));
  const removeDir = () => {
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const config = loadConfig({
    env: {
      JWTGATE_AUTH_ACCESS_SECRET: BENCH_ACCESS_SECRET,
      JWTGATE_AUTH_REFRESH_SECRET: BENCH_REFRESH_SECRET,
      JWTGATE_DATA_DIR: dataDir,
      JWTGATE_HOST: '127.0.0.1',
      JWTGATE_PORT: '0',
      JWTGATE_LOG_LEVEL: 'silent',
      // The rotation benchmark refreshes a few sessions thousands of times a second, far past the
      // per-session rate a real client could reach; the per-address count of refusals stays on.
      JWTGATE_REFRESH_MAX_PER_SESSION: '0',
      ...(options.metrics === true ? { JWTGATE_METRICS_ENABLED: 'true', JWTGATE_METRICS_PORT: '0' } : {}),
      ...options.env,
    },
    cwd: dataDir,
  });
  let server: JwtgateServer;
  try {
    server = await createJwtgateServer({ config, logger: false, devModeBanner: false });
  } catch (error) {
    removeDir();
    throw error;
  }
  const close = async () => {
    try {
      await server.close();
    } finally {
      removeDir();
    }
  };
  try {
    options.addRoutes?.(server.app);
    await server.app.ready();
    if (options.register !== false) {
      const registered = await server.app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { username: BENCH_USERNAME, password: BENCH_PASSWORD },
      });
      if (registered.statusCode !== 201)
        throw new Error(`registering the benchmark user answered ${registered.statusCode}`);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    server,
    async login() {
      const response = await server.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { username: BENCH_USERNAME, password: BENCH_PASSWORD },
      });
      if (response.statusCode !== 200) throw new Error(`logging the benchmark user in answered ${response.statusCode}`);
      const body = response.json() as { accessToken: string; refreshToken: string };
      return { accessToken: body.accessToken, refreshToken: body.refreshToken };
    },
    close,
  };
}
