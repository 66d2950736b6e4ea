import {
  AuthError,
  type Clock,
  type CustomClaimsHook,
  createSecretJwtKey,
  createSessionManager,
  type SessionEvent,
  type SessionManager,
  systemClock,
  type UserStore,
} from '@jwtgate/core';
import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions } from 'fastify';
import type { JwtgateConfig } from '../config/config.js';
import { buildApp, redactedLogPaths } from '../http/app.js';
import { createArgon2Hasher } from '../passwords/argon2-hasher.js';
import { migrateToLatest, pingDatabase } from '../stores/sql/migrations.js';
import { openSqlDatabase, type SqlDatabase } from '../stores/sql/open-database.js';
import { createSqlSessionStore } from '../stores/sql/sql-session-store.js';
import { createSqlUserStore } from '../stores/sql/sql-user-store.js';
import { withStoreErrors } from '../stores/store-errors.js';

/** Options for {@link createJwtgateServer}. */
export interface CreateServerOptions {
  readonly config: JwtgateConfig;
  /** Adds claims to every access token. */
  readonly customClaims?: CustomClaimsHook;
  readonly clock?: Clock;
  /** Fastify logger options; defaults to JSON logs at `Log.Level` with credentials redacted. */
  readonly logger?: FastifyServerOptions['logger'];
}

/** A running (or ready to run) jwtgate server. */
export interface JwtgateServer {
  readonly app: FastifyInstance;
  readonly sessions: SessionManager;
  readonly users: UserStore;
  readonly config: JwtgateConfig;
  readonly database: SqlDatabase;
  /** Starts listening on `Host:Port`; resolves to the address. */
  listen(): Promise<string>;
  /** Stops accepting connections, finishes in-flight requests, closes the database. */
  close(): Promise<void>;
}

const HOUSEKEEPING_INTERVAL_MS = 10 * 60_000;

function logEvent(log: FastifyBaseLogger, event: SessionEvent): void {
  const { type, ...fields } = event;
  if (type === 'session.reuse-detected')
    log.warn({ event: type, ...fields }, 'refresh token reuse detected; session revoked');
  else if (type === 'session.refreshed' || type === 'session.refresh-replayed')
    log.debug({ event: type, ...fields }, type);
  else log.info({ event: type, ...fields }, type);
}

/**
 * Opens the stores (running migrations), assembles sessions and the HTTP app.
 *
 * @example
 * const server = await createJwtgateServer({ config: loadConfig() });
 * await server.listen();
 */
export async function createJwtgateServer(options: CreateServerOptions): Promise<JwtgateServer> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const database = openSqlDatabase({ url: config.database.url, timeoutMs: config.database.timeoutMs });
  try {
    await migrateToLatest(database.db);
  } catch (error) {
    await database.close();
    throw error;
  }
  const users = createSqlUserStore(database.db);
  const sessionStore = createSqlSessionStore(database.db);
  const hasher = await createArgon2Hasher();

  let log: FastifyBaseLogger | undefined;
  const sessions = createSessionManager({
    sessions: sessionStore,
    users,
    signingKey: createSecretJwtKey({
      secret: config.auth.accessSecret,
      alg: config.auth.accessAlgorithm,
      ...(config.auth.accessKeyId === undefined ? {} : { kid: config.auth.accessKeyId }),
    }),
    refreshSecret: config.auth.refreshSecret,
    policy: {
      issuer: config.auth.issuer,
      audience: config.auth.audience.length === 1 ? (config.auth.audience[0] as string) : config.auth.audience,
      accessTtlSec: config.auth.accessExpire,
      refreshAfterSec: config.auth.refreshAfter,
      refreshTtlSec: config.auth.refreshExpire,
      sessionMaxAgeSec: config.auth.sessionMaxAge,
      refreshGraceSec: config.auth.refreshGrace,
      maxSessionsPerUser: config.auth.maxSessions,
      clockToleranceSec: config.auth.clockLeeway,
    },
    clock,
    ...(options.customClaims === undefined ? {} : { customClaims: options.customClaims }),
    onEvent: (event) => {
      if (log !== undefined) logEvent(log, event);
    },
  });

  try {
    // Revocations made before a restart must hold after it.
    await sessions.syncRevocations();
  } catch (error) {
    await database.close();
    throw error;
  }

  const app = await buildApp({
    sessions,
    users,
    hasher,
    clock,
    realm: config.name,
    bodyLimit: config.server.bodyLimit,
    trustProxy: config.server.trustProxy,
    readiness: () => withStoreErrors(() => pingDatabase(database.db)),
    logger: options.logger ?? { level: config.log.level, redact: { paths: redactedLogPaths, censor: '[redacted]' } },
  });
  log = app.log;

  const housekeeping = setInterval(() => {
    sessions.revocations.prune();
    sessions.deleteEnded().then(
      (deleted) => deleted > 0 && app.log.info({ deleted }, 'deleted ended sessions'),
      (error: unknown) =>
        app.log.warn({ err: error instanceof AuthError ? error.code : error }, 'session clean-up failed'),
    );
  }, HOUSEKEEPING_INTERVAL_MS);
  housekeeping.unref();

  let closing: Promise<void> | undefined;
  return {
    app,
    sessions,
    users,
    config,
    database,
    listen: () => app.listen({ host: config.host, port: config.port }),
    close() {
      closing ??= (async () => {
        clearInterval(housekeeping);
        try {
          await app.close();
        } finally {
          await database.close();
        }
      })();
      return closing;
    },
  };
}
