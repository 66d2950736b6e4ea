import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { deleteKeysWithPrefix } from './redis-servers.js';
import { serviceUrl, uniqueName } from './services.js';
import { makeTempDir } from './temp-dir.js';
import { startTestServer, type TestServer } from './test-server.js';

/** A database, and whether sessions live in Redis beside it. */
export interface Backend {
  readonly name: string;
  readonly kind: 'sqlite' | 'postgres' | 'mysql';
  readonly redis: boolean;
}

/** Every database, and PostgreSQL and MariaDB with sessions in Redis. */
export const everyBackend: readonly Backend[] = [
  { name: 'SQLite', kind: 'sqlite', redis: false },
  { name: 'PostgreSQL', kind: 'postgres', redis: false },
  { name: 'MariaDB', kind: 'mysql', redis: false },
  { name: 'PostgreSQL with Redis sessions', kind: 'postgres', redis: true },
  { name: 'MariaDB with Redis sessions', kind: 'mysql', redis: true },
];

/** Whether the services `backend` needs are configured (under CI a missing one throws). */
export function backendAvailable(backend: Backend): boolean {
  if (backend.kind !== 'sqlite' && serviceUrl(backend.kind) === undefined) return false;
  return !backend.redis || serviceUrl('redis') !== undefined;
}

/** A fresh place on a backend: its `JWTGATE_*` variables and SQLite folder, and how to clear it away. */
export interface BackendPlace {
  readonly env: Record<string, string>;
  /** The SQLite folder every instance shares; `undefined` on the other databases. */
  readonly dataDir: string | undefined;
  remove(): Promise<void>;
}

/**
 * A new database (or SQLite folder) and Redis key prefix for `backend`.
 *
 * @example
 * const place = await openBackend(backend);
 * const t = await startTestServer({ dataDir: place.dataDir, env: place.env });
 */
export async function openBackend(backend: Backend): Promise<BackendPlace> {
  const sqliteDir = backend.kind === 'sqlite' ? makeTempDir() : undefined;
  const database: TestDatabase | undefined =
    backend.kind === 'sqlite' ? undefined : await createTestDatabase(backend.kind);
  const keyPrefix = `${uniqueName('jwtgate_b')}:`;
  return {
    dataDir: sqliteDir?.path,
    env: {
      ...(database === undefined ? {} : { JWTGATE_DATABASE_URL: database.url }),
      ...(backend.redis
        ? { JWTGATE_REDIS_URL: serviceUrl('redis') as string, JWTGATE_REDIS_KEY_PREFIX: keyPrefix }
        : {}),
    },
    async remove() {
      await database?.drop();
      sqliteDir?.remove();
      if (backend.redis) {
        const redis = new Redis(serviceUrl('redis') as string);
        await deleteKeysWithPrefix(redis, keyPrefix);
        redis.disconnect();
      }
    },
  };
}

/**
 * A test server on `place` (its SQLite folder, or its database and Redis
 * prefix), with `env` added.
 *
 * @example
 * const t = await startTestServerOn(place, { JWTGATE_WEB_PUBLIC_URL: 'https://auth.example.com' });
 */
export function startTestServerOn(place: BackendPlace, env: Record<string, string> = {}): Promise<TestServer> {
  return startTestServer({
    ...(place.dataDir === undefined ? {} : { dataDir: place.dataDir }),
    env: { ...env, ...place.env },
  });
}

/**
 * Within a `describe`: opens a fresh place on `backend` and starts a test
 * server on it before its tests, and closes both after them. Returns how to
 * reach the server.
 *
 * @example
 * const server = serverOnBackend(backend, { JWTGATE_WEB_PUBLIC_URL: 'https://auth.example.com' });
 * it('…', async () => { const t = server(); … });
 */
export function serverOnBackend(backend: Backend, env: Record<string, string> = {}): () => TestServer {
  let place: BackendPlace | undefined;
  let t: TestServer | undefined;
  beforeAll(async () => {
    place = await openBackend(backend);
    t = await startTestServerOn(place, env);
  });
  afterAll(async () => {
    await t?.close();
    await place?.remove();
  });
  return () => {
    if (t === undefined) throw new Error('the test server is not started yet');
    return t;
  };
}
