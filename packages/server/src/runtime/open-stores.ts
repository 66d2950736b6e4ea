import {
  type AttemptStore,
  AuthError,
  type Clock,
  createMemoryAttemptStore,
  type LoginChallengeStore,
  type LogoutTokenReplayStore,
  type MfaStore,
  type PasskeyChallengeStore,
  type PasskeyStore,
  type ProviderSessionStore,
  REVOCATION_PAGE,
  type SessionManager,
  type SessionStore,
  type UserStore,
} from '@jwtgate/core';
import type { FastifyBaseLogger } from 'fastify';
import type { JwtgateConfig } from '../config/config.js';
import type { Readiness, StoreState } from '../http/routes/health.js';
import { connectRedis, type RedisConnection } from '../stores/redis/open-redis.js';
import { createRedisAttemptStore } from '../stores/redis/redis-attempt-store.js';
import { createRedisLogoutTokenReplayStore } from '../stores/redis/redis-logout-token-replay-store.js';
import { createRedisPasskeyChallengeStore } from '../stores/redis/redis-passkey-challenge-store.js';
import { createRedisSessionStore, type RedisSessionStore } from '../stores/redis/redis-session-store.js';
import type { RevocationLogCursor } from '../stores/redis/revocation-log.js';
import { type RevocationSubscriber, startRevocationSubscriber } from '../stores/redis/revocation-subscriber.js';
import { migrateDatabase } from '../stores/sql/migrate-database.js';
import { pingDatabase } from '../stores/sql/migrations.js';
import { openSqlDatabase, type SqlDatabase } from '../stores/sql/open-database.js';
import { createSqlAttemptStore } from '../stores/sql/sql-attempt-store.js';
import { createSqlLoginChallengeStore } from '../stores/sql/sql-login-challenge-store.js';
import { createSqlLogoutTokenReplayStore } from '../stores/sql/sql-logout-token-replay-store.js';
import { createSqlMfaStore } from '../stores/sql/sql-mfa-store.js';
import { createSqlPasskeyChallengeStore } from '../stores/sql/sql-passkey-challenge-store.js';
import { createSqlPasskeyStore } from '../stores/sql/sql-passkey-store.js';
import { createSqlProviderSessionStore } from '../stores/sql/sql-provider-session-store.js';
import { createSqlSessionStore } from '../stores/sql/sql-session-store.js';
import { createSqlUserStore } from '../stores/sql/sql-user-store.js';
import { withStoreErrors } from '../stores/store-errors.js';
import { type RevocationPolling, startRevocationPolling } from './revocation-polling.js';

/** The stores an instance runs on, and how revocations reach it from the others. */
export interface JwtgateStores {
  readonly database: SqlDatabase;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  /** Second factors, always in the database with the users. */
  readonly factors: MfaStore;
  /** Logins waiting for their second factor, in the database every instance shares. */
  readonly loginChallenges: LoginChallengeStore;
  /** Passkeys, in the database with the users. */
  readonly passkeys: PasskeyStore;
  /** WebAuthn challenges: in Redis when configured (they expire there by themselves), else in the database. */
  readonly passkeyChallenges: PasskeyChallengeStore;
  /** The provider sessions of sessions begun at providers with back-channel logout, in the database beside the identities. */
  readonly providerSessions: ProviderSessionStore;
  /** Logout tokens already accepted: in Redis when configured (they expire there by themselves), else in the database. */
  readonly logoutTokens: LogoutTokenReplayStore;
  /**
   * Attempt counts (login, registration, refresh limits): in Redis when
   * configured, else in PostgreSQL or MySQL, so the limits hold across
   * instances; on SQLite (one instance) in this process.
   */
  readonly attempts: AttemptStore;
  /** Where {@link attempts} counts: `memory` does no I/O. */
  readonly attemptsIn: 'redis' | 'sql' | 'memory';
  /** Deletes attempt counts whose window has ended, where nothing expires them by itself; returns how many. */
  deleteExpiredAttempts(now: number): Promise<number>;
  /** Set when sessions live in Redis. */
  readonly redis: RedisConnection | undefined;
  /** SQL keeps ended sessions until deleted; Redis expires them by itself. */
  readonly deletesEndedSessions: boolean;
  /**
   * Fills the session manager's revocation list with what the store knows
   * and keeps it in step with the other instances from then on: the Redis
   * feed, or polling the database. Resolves once caught up.
   */
  startRevocationSync(sessions: SessionManager, clock: Clock): Promise<void>;
  /**
   * Probes every store, and says whether this instance is ready: not while
   * its revocation feed is behind although Redis answers (it is catching up,
   * or its subscription alone is broken), nor once the feed has been down
   * longer than `Revocation.MaxFeedLag` with Redis not answering, nor once
   * its polls of the database have failed for that long.
   */
  readiness(): Promise<Readiness>;
  /** Whether the Redis revocation feed is subscribed, caught up and heard from; `null` without Redis. */
  revocationFeedLive(): boolean | null;
  /** Milliseconds since the Redis revocation feed was last known complete (0 while live); `null` without Redis. */
  revocationFeedBehindMs(): number | null;
  /**
   * Whether revocations made on other instances are reaching this one now:
   * the Redis feed is live, or the last poll of the database succeeded
   * (always, with neither: one instance).
   */
  revocationsCurrent(): boolean;
  close(): Promise<void>;
}

/**
 * Opens the database (running migrations) and, when configured, Redis.
 * Users always live in the database; sessions in Redis when it is
 * configured, else in the database too.
 *
 * @example
 * const stores = await openStores(config, () => app.log);
 */
export async function openStores(
  config: JwtgateConfig,
  log: () => FastifyBaseLogger | undefined,
): Promise<JwtgateStores> {
  const database = openSqlDatabase({
    url: config.database.url,
    timeoutMs: config.database.timeoutMs,
    poolSize: config.database.poolSize,
  });
  // SQLite calls are synchronous and bounded by its busy timeout; network databases get a deadline.
  const sqlTimeout = database.dialect === 'sqlite' ? {} : { timeoutMs: config.database.timeoutMs };
  let redis: RedisConnection | undefined;
  try {
    await migrateDatabase(config.database, database);
    if (config.redis !== undefined) {
      redis = await connectRedis(config.redis, { startupTimeoutMs: Math.max(10_000, 5 * config.redis.timeoutMs) });
    }
  } catch (error) {
    await database.close();
    throw error;
  }

  const retentionMs = (config.auth.accessExpire + config.auth.clockLeeway) * 1000;
  let redisSessions: RedisSessionStore | undefined;
  if (redis !== undefined && config.redis !== undefined) {
    redisSessions = createRedisSessionStore(redis.client, {
      keyPrefix: config.redis.keyPrefix,
      retentionMs,
      timeoutMs: config.redis.timeoutMs,
    });
  }
  const sessions = redisSessions ?? createSqlSessionStore(database.db, sqlTimeout);

  const sqlAttempts =
    redis === undefined && database.dialect !== 'sqlite'
      ? createSqlAttemptStore(database.db, database.dialect, sqlTimeout)
      : undefined;
  let subscriber: RevocationSubscriber | undefined;
  let polling: RevocationPolling | undefined;

  return {
    database,
    users: createSqlUserStore(database.db, sqlTimeout),
    sessions,
    factors: createSqlMfaStore(database.db, sqlTimeout),
    loginChallenges: createSqlLoginChallengeStore(database.db, sqlTimeout),
    passkeys: createSqlPasskeyStore(database.db, sqlTimeout),
    passkeyChallenges:
      redis !== undefined && config.redis !== undefined
        ? createRedisPasskeyChallengeStore(redis.client, {
            keyPrefix: config.redis.keyPrefix,
            timeoutMs: config.redis.timeoutMs,
          })
        : createSqlPasskeyChallengeStore(database.db, sqlTimeout),
    providerSessions: createSqlProviderSessionStore(database.db, sqlTimeout),
    logoutTokens:
      redis !== undefined && config.redis !== undefined
        ? createRedisLogoutTokenReplayStore(redis.client, {
            keyPrefix: config.redis.keyPrefix,
            timeoutMs: config.redis.timeoutMs,
          })
        : createSqlLogoutTokenReplayStore(database.db, sqlTimeout),
    attempts:
      redis !== undefined && config.redis !== undefined
        ? createRedisAttemptStore(redis.client, {
            keyPrefix: config.redis.keyPrefix,
            timeoutMs: config.redis.timeoutMs,
          })
        : (sqlAttempts ?? createMemoryAttemptStore()),
    attemptsIn:
      redis !== undefined && config.redis !== undefined ? 'redis' : sqlAttempts === undefined ? 'memory' : 'sql',
    deleteExpiredAttempts: async (now) => (sqlAttempts === undefined ? 0 : sqlAttempts.deleteExpired(now)),
    redis,
    deletesEndedSessions: redisSessions === undefined,

    async startRevocationSync(manager, clock) {
      if (redis !== undefined && redisSessions !== undefined) {
        const revocationLog = redisSessions.revocationLog;
        const redisCall = { backend: 'redis', deadlineMs: config.redis?.timeoutMs ?? 1_000 };
        subscriber = startRevocationSubscriber({
          connect: redis.subscriberConnection,
          channel: redisSessions.keys.channel,
          onNotices: (revoked) => {
            for (const session of revoked) manager.revocations.add(session.id, session.revokedAt);
          },
          catchUpPage: async (cursor) => {
            const from = (cursor as RevocationLogCursor | null) ?? {
              score: clock.now() - manager.revocations.retentionMs,
              skip: 0,
            };
            const page = await withStoreErrors(() => revocationLog.page(from, REVOCATION_PAGE), redisCall);
            for (const entry of page.revocations) manager.revocations.add(entry.id, entry.revokedAt);
            return page.next;
          },
          heartbeatMs: config.redis?.timeoutMs ?? 1_000,
          onError: (error, during) =>
            log()?.warn({ err: error instanceof AuthError ? error.code : error, during }, 'revocation feed: retrying'),
        });
        await subscriber.ready(Math.max(10_000, 5 * (config.redis?.timeoutMs ?? 1_000)));
        return;
      }
      // Revocations made before a restart must hold after it.
      await manager.syncRevocations();
      if (config.revocation.pollIntervalMs > 0) {
        polling = startRevocationPolling({
          sessions: manager,
          clock,
          intervalMs: config.revocation.pollIntervalMs,
          overlapMs: config.auth.clockLeeway * 1000 + 10 * config.database.timeoutMs,
          onError: (error) =>
            log()?.warn({ err: error instanceof AuthError ? error.code : error }, 'revocation polling failed'),
        });
      }
    },

    async readiness() {
      const probe = (check: Promise<unknown>): Promise<StoreState> =>
        check.then(
          () => 'up',
          () => 'down',
        );
      const connection = redis;
      const [database_, redis_] = await Promise.all([
        probe(withStoreErrors(() => pingDatabase(database.db), { deadlineMs: config.database.timeoutMs })),
        connection === undefined
          ? undefined
          : probe(
              withStoreErrors(() => connection.ping(), {
                backend: 'redis',
                deadlineMs: config.redis?.timeoutMs ?? 1_000,
              }),
            ),
      ]);
      const stores = { database: database_, ...(redis_ === undefined ? {} : { redis: redis_ }) };
      if (subscriber === undefined) {
        if (polling === undefined) return { ready: true, stores, revocationFeed: { state: 'none' } };
        // A database outage stops revocations everywhere, as a Redis outage does; an instance cut
        // off from it alone misses those made elsewhere, so the same bound applies.
        const behindMs = polling.behindMs;
        if (behindMs === 0) return { ready: true, stores, revocationFeed: { state: 'polling' } };
        return {
          ready: behindMs <= config.revocation.maxFeedLagMs,
          stores,
          revocationFeed: { state: 'polling', behindSeconds: Math.ceil(behindMs / 1000) },
        };
      }
      if (subscriber.live) return { ready: true, stores, revocationFeed: { state: 'live', behindSeconds: 0 } };
      const behindMs = subscriber.behindMs;
      // Redis answers, yet the feed is behind: this instance alone misses what the others hear.
      const ready = redis_ === 'down' && behindMs <= config.revocation.maxFeedLagMs;
      return { ready, stores, revocationFeed: { state: 'behind', behindSeconds: Math.ceil(behindMs / 1000) } };
    },

    revocationFeedLive: () => (redisSessions === undefined ? null : (subscriber?.live ?? false)),
    revocationFeedBehindMs: () => (redisSessions === undefined ? null : (subscriber?.behindMs ?? null)),
    revocationsCurrent: () =>
      redisSessions === undefined ? (polling?.behindMs ?? 0) === 0 : (subscriber?.live ?? false),

    async close() {
      subscriber?.close();
      polling?.close();
      redisSessions?.close();
      try {
        await redis?.close();
      } finally {
        await database.close();
      }
    },
  };
}
