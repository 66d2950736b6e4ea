import {
  AuthError,
  type Clock,
  type CustomClaimsHook,
  createLoginThrottle,
  createSessionManager,
  type SessionEvent,
  type SessionManager,
  systemClock,
  type UserStore,
} from '@jwtgate/core';
import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions } from 'fastify';
import type { JwtgateConfig } from '../config/config.js';
import { buildApp, redactedLogPaths } from '../http/app.js';
import { loadKeyRing } from '../keys/load-key-ring.js';
import { createArgon2Hasher } from '../passwords/argon2-hasher.js';
import type { RedisConnection } from '../stores/redis/open-redis.js';
import type { SqlDatabase } from '../stores/sql/open-database.js';
import { openStores } from './open-stores.js';

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
  /** The Redis deployment sessions live in, when configured. */
  readonly redis: RedisConnection | undefined;
  /** Starts listening on `Host:Port`; resolves to the address. */
  listen(): Promise<string>;
  /** Stops accepting connections, finishes in-flight requests, closes the stores. */
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
 * Opens the stores (running migrations; see `open-stores.ts` for which store
 * holds what), assembles sessions and the HTTP app, and catches up with the
 * revocations other instances made.
 *
 * @example
 * const server = await createJwtgateServer({ config: loadConfig() });
 * await server.listen();
 */
export async function createJwtgateServer(options: CreateServerOptions): Promise<JwtgateServer> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  // Before anything is opened: a bad key file stops the start with nothing to clean up.
  const keyRing = loadKeyRing(config, clock.now());
  let log: FastifyBaseLogger | undefined;
  const stores = await openStores(config, () => log);
  const { database, users, sessions: sessionStore } = stores;
  const hasher = await createArgon2Hasher();

  const sessions = createSessionManager({
    sessions: sessionStore,
    users,
    signingKey: keyRing.signingKey,
    verificationKeys: keyRing.verificationKeys,
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
    // Revocations made before a restart, or elsewhere, must hold here.
    await stores.startRevocationSync(sessions, clock);
  } catch (error) {
    await stores.close();
    throw error;
  }

  const throttle = createLoginThrottle({
    store: stores.attempts,
    clock,
    policy: {
      maxFailuresPerAccountAndIp: config.login.maxFailures,
      maxFailuresPerIp: config.login.maxFailuresPerIp,
      windowSec: config.login.failureWindow,
    },
  });

  const app = await buildApp({
    sessions,
    users,
    hasher,
    clock,
    throttle,
    realm: config.name,
    bodyLimit: config.server.bodyLimit,
    trustProxy: config.server.trustProxy,
    readiness: stores.readiness,
    strictRevocation: config.revocation.strict,
    logger: options.logger ?? { level: config.log.level, redact: { paths: redactedLogPaths, censor: '[redacted]' } },
    jwks: { keys: keyRing.verificationKeys, maxAgeSec: config.jwks.maxAge },
    browser: { cookie: config.cookie, allowedOrigins: config.cors.allowedOrigins, web: config.web.enabled },
    openApi: config.openApi.enabled,
  });
  log = app.log;

  const housekeeping = setInterval(() => {
    sessions.revocations.prune();
    if (!stores.deletesEndedSessions) return;
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
    redis: stores.redis,
    listen: () => app.listen({ host: config.host, port: config.port }),
    close() {
      closing ??= (async () => {
        clearInterval(housekeeping);
        try {
          await app.close();
        } finally {
          await stores.close();
        }
      })();
      return closing;
    },
  };
}
