import { hrtime } from 'node:process';
import { type AttemptStore, isAuthError, type SessionStore, type UserStore } from '@jwtgate/core';
import type { JwtgateMetrics, StoreKind } from './jwtgate-metrics.js';

// Records keyed by every method of a contract: a method added to a contract
// without being listed here is a compile error, not an unmeasured operation.
const sessionStoreMethods: Record<keyof SessionStore, null> = {
  create: null,
  get: null,
  listActive: null,
  countActive: null,
  rotate: null,
  revoke: null,
  revokeAll: null,
  listRevokedSince: null,
  deleteEnded: null,
};
const userStoreMethods: Record<keyof UserStore, null> = {
  create: null,
  findById: null,
  findByUsernameKey: null,
  findByEmailKey: null,
  list: null,
  update: null,
  delete: null,
};
const attemptStoreMethods: Record<keyof AttemptStore, null> = { peek: null, hit: null, release: null, clear: null };

/**
 * A failure of the backend, as opposed to an answer: stores turn every driver
 * failure and deadline into `ERR_STORE_UNAVAILABLE`, while other coded errors
 * (a username already taken) are results the store reached.
 */
function isStoreFailure(error: unknown): boolean {
  return !isAuthError(error) || error.code === 'ERR_STORE_UNAVAILABLE';
}

type AsyncMethod = (...args: unknown[]) => Promise<unknown>;

function instrument<S extends object>(
  store: S,
  methods: Record<keyof S, null>,
  contract: string,
  kind: StoreKind,
  metrics: JwtgateMetrics,
): S {
  // Inherits from the store, so members outside the contract (a Redis store's
  // `keys`, `close`) still answer; only the contract's methods are shadowed.
  const wrapped = Object.create(store) as Record<string, AsyncMethod>;
  for (const name of Object.keys(methods)) {
    const original = (store as unknown as Record<string, AsyncMethod>)[name];
    if (typeof original !== 'function') throw new TypeError(`the ${contract} store has no method ${name}`);
    // Series looked up once here, so that a call costs two clock reads and one observation.
    const series = metrics.storeOperation(kind, `${contract}.${name}`);
    wrapped[name] = async (...args: unknown[]) => {
      const started = hrtime.bigint();
      try {
        return await original.apply(store, args);
      } catch (error) {
        if (isStoreFailure(error)) series.errors.inc();
        throw error;
      } finally {
        series.duration.observe(Number(hrtime.bigint() - started) / 1e9);
      }
    };
  }
  return wrapped as unknown as S;
}

/**
 * The session store, timing every operation into
 * `jwtgate_store_operation_duration_seconds` and counting its failures into
 * `jwtgate_store_operation_errors_total`, labelled `store` (`sql`, `redis`)
 * and `operation` (`sessions.rotate`...). Results and errors pass through unchanged.
 *
 * @example
 * const sessions = instrumentSessionStore(createSqlSessionStore(db), 'sql', metrics);
 */
export function instrumentSessionStore(store: SessionStore, kind: StoreKind, metrics: JwtgateMetrics): SessionStore {
  return instrument(store, sessionStoreMethods, 'sessions', kind, metrics);
}

/**
 * The user store, measured as {@link instrumentSessionStore} measures sessions (operations `users.*`).
 *
 * @example
 * const users = instrumentUserStore(createSqlUserStore(db), 'sql', metrics);
 */
export function instrumentUserStore(store: UserStore, kind: StoreKind, metrics: JwtgateMetrics): UserStore {
  return instrument(store, userStoreMethods, 'users', kind, metrics);
}

/**
 * The attempt store of the login, registration and refresh limits, measured as
 * {@link instrumentSessionStore} measures sessions (operations `attempts.*`).
 *
 * @example
 * const attempts = instrumentAttemptStore(createRedisAttemptStore(redis, options), 'redis', metrics);
 */
export function instrumentAttemptStore(store: AttemptStore, kind: StoreKind, metrics: JwtgateMetrics): AttemptStore {
  return instrument(store, attemptStoreMethods, 'attempts', kind, metrics);
}
