export {
  AUDIT_VERSION,
  type AuditActor,
  type AuditClient,
  type AuditEvent,
  type AuditEventName,
  type AuditRecord,
} from './audit/audit-record.js';
export type { HostPort, JwtgateConfig, RedisConfig, RedisTopology } from './config/config.js';
export { ConfigError } from './config/config-error.js';
export { type LoadConfigOptions, loadConfig } from './config/load-config.js';
export { type AppOptions, buildApp } from './http/app.js';
export { extractAccessToken } from './http/extract-token.js';
export { claimsOf } from './http/plugins/auth-guard.js';
export type { KeyReloadFailureCode, KeyReloadOutcome } from './keys/key-reloader.js';
export type { JwtgateMetrics } from './metrics/jwtgate-metrics.js';
export {
  type CounterSeries,
  createMetricsRegistry,
  type Family,
  type GaugeSeries,
  type HistogramSeries,
  type MetricsRegistry,
  PROMETHEUS_CONTENT_TYPE,
} from './metrics/registry.js';
export { type Argon2Params, createArgon2Hasher, owaspArgon2Params } from './passwords/argon2-hasher.js';
export { type CreateServerOptions, createJwtgateServer, type JwtgateServer } from './runtime/create-server.js';
export { connectRedis, type RedisConnection } from './stores/redis/open-redis.js';
export {
  createRedisSessionStore,
  type RedisSessionStore,
  type RedisSessionStoreOptions,
} from './stores/redis/redis-session-store.js';
export { migrateToLatest } from './stores/sql/migrations.js';
export {
  type OpenSqlDatabaseOptions,
  openSqlDatabase,
  type SqlDatabase,
  type SqlDialectName,
} from './stores/sql/open-database.js';
export { createSqlSessionStore, type SqlSessionStoreOptions } from './stores/sql/sql-session-store.js';
export { createSqlUserStore, type SqlUserStoreOptions } from './stores/sql/sql-user-store.js';
