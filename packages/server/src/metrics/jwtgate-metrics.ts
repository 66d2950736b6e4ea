import type { ErrorCode, RevokeReason } from '@jwtgate/core';
import { type CounterSeries, createMetricsRegistry, type HistogramSeries, type MetricsRegistry } from './registry.js';

/** How a password login ended. */
export type LoginOutcome = 'success' | 'failure' | 'rate-limited';
/** How a refresh ended; the last three are refusals. */
export type RefreshOutcome = 'rotated' | 'grace-replay' | 'reuse-detected' | 'expired' | 'invalid' | 'revoked';
/** Whether an expired access token was renewed during a request (cookie mode). */
export type SilentRefreshOutcome = 'renewed' | 'refused';
/** What became of an alert the webhook was given. */
export type AlertDeliveryOutcome = 'delivered' | 'failed' | 'dropped';
/** What a breach check (`Passwords.BreachCheck`) found: not in the corpus, in it, or could not tell. */
export type BreachCheckOutcome = 'clean' | 'breached' | 'unavailable';
/** The severity of an alert (see `ALERT_CLASSES`). */
export type AlertSeverityLabel = 'high' | 'low';
/** Why an alert was dropped before delivery. */
export type AlertDropReason = 'queue-full' | 'shutdown';
/** How a check of the key files that found them changed ended: swapped in, or why not (the old keys stay). */
export type KeyReloadOutcomeLabel = 'reloaded' | 'unreadable' | 'invalid' | 'algorithm-changed';
/** Where a 503 `ERR_STORE_UNAVAILABLE` came from. */
export type StoreBackend = 'database' | 'redis';
/** The kind of store an operation went to (the in-memory attempt store has no I/O and is not measured). */
export type StoreKind = 'sql' | 'redis';

/** The series of one store operation (`sessions.rotate` on `redis`...), looked up once when a store is wrapped. */
export interface StoreOperationSeries {
  readonly duration: HistogramSeries;
  readonly errors: CounterSeries;
}

/** What the gauges read at each scrape. */
export interface MetricsSources {
  /** Session ids in this instance's revocation list. */
  readonly revocationListSize: () => number;
  /** Whether the Redis revocation feed is subscribed; `null` without Redis (no feed to follow). */
  readonly revocationFeedConnected: () => boolean | null;
  /** Milliseconds since the Redis revocation feed was last known complete (0 while live); `null` without Redis. */
  readonly revocationFeedBehindMs: () => number | null;
}

/** jwtgate's series, each updated by one call that does no more than a counter increment. */
export interface JwtgateMetrics {
  readonly registry: MetricsRegistry;
  /** One answered request: its route pattern (`undefined` when no route matched), method, status, duration. */
  httpRequest(route: string | undefined, method: string, status: number, durationMs: number): void;
  /** A password login; `failureReason` is the internal reason of a failure. */
  login(outcome: LoginOutcome, failureReason?: string): void;
  registration(outcome: 'created' | 'refused'): void;
  refresh(outcome: RefreshOutcome): void;
  silentRefresh(outcome: SilentRefreshOutcome): void;
  sessionRevoked(reason: string): void;
  /** A request refused for its access token (`ERR_TOKEN_*`). */
  accessTokenRejected(code: ErrorCode): void;
  /** A request answered 503 `ERR_STORE_UNAVAILABLE`. */
  storeUnavailable(backend: StoreBackend): void;
  /** An audit record that could not be written to the audit file. */
  auditWriteFailed(): void;
  /** One access-token verification by the route guard, valid or refused, and how long it took. */
  tokenVerified(seconds: number, valid: boolean): void;
  /** The series of one store operation, for a wrapper that times it (see `instrument-store.ts`). */
  storeOperation(kind: StoreKind, operation: string): StoreOperationSeries;
  /** A batch of audit records the database did not take (they stay queued and are retried). */
  auditDatabaseWriteFailed(): void;
  /** Audit records dropped before reaching the database: the queue was full, or shutdown could not wait. */
  auditRecordsDropped(count: number): void;
  /** An alert that reached the webhook, was given up on after its retries, or never got a chance. */
  alertDelivery(outcome: AlertDeliveryOutcome): void;
  /** One webhook attempt that failed (a retry follows if any is left). */
  alertAttemptFailed(): void;
  /** One new password checked against Have I Been Pwned's range API. */
  breachCheck(outcome: BreachCheckOutcome): void;
  /** An alert dropped before delivery, by severity and why (`queue-full`, `shutdown`). */
  alertDropped(severity: AlertSeverityLabel, why: AlertDropReason): void;
  /** A record counted into an aggregate alert instead of being sent on its own. */
  alertAggregated(severity: AlertSeverityLabel): void;
  /** A mail queued, sent or given up on (`failed`), by kind (`reset-password`, `verify-email`…). */
  mail(outcome: 'queued' | 'sent' | 'failed', kind: string): void;
  /** An emailed secret (link or code) presented: `used` or `refused`, by purpose. */
  emailToken(outcome: 'used' | 'refused', purpose: string): void;
  /** Key files found changed and swapped in, or left unused (each check that tries them again counts again). */
  keyReload(outcome: KeyReloadOutcomeLabel): void;
  /** Starts reading the gauges from the running server. */
  watch(sources: MetricsSources): void;
}

// Records keyed by every member of a union: the compiler then insists the lists are complete.
const revokeReasons: Record<RevokeReason, null> = {
  logout: null,
  'logout-others': null,
  'logout-all': null,
  kicked: null,
  'session-limit': null,
  'refresh-token-reuse': null,
  'user-disabled': null,
  'user-deleted': null,
  admin: null,
  'password-changed': null,
  'password-reset': null,
  'credentials-changed': null,
  'provider-logout': null,
};
const loginOutcomes: Record<LoginOutcome, null> = { success: null, failure: null, 'rate-limited': null };
const refreshOutcomes: Record<RefreshOutcome, null> = {
  rotated: null,
  'grace-replay': null,
  'reuse-detected': null,
  expired: null,
  invalid: null,
  revoked: null,
};
const silentOutcomes: Record<SilentRefreshOutcome, null> = { renewed: null, refused: null };
const alertOutcomes: Record<AlertDeliveryOutcome, null> = { delivered: null, failed: null, dropped: null };
const breachOutcomes: Record<BreachCheckOutcome, null> = { clean: null, breached: null, unavailable: null };
const alertSeverities: Record<AlertSeverityLabel, null> = { high: null, low: null };
const alertDropReasons: Record<AlertDropReason, null> = { 'queue-full': null, shutdown: null };
const backends: Record<StoreBackend, null> = { database: null, redis: null };
const keyReloadOutcomes: Record<KeyReloadOutcomeLabel, null> = {
  reloaded: null,
  unreadable: null,
  invalid: null,
  'algorithm-changed': null,
};
/** The internal reasons `authenticateUser` gives; anything new is counted as `other` until listed here. */
const loginFailureReasons = [
  'unknown-user',
  'wrong-password',
  'disabled',
  'password-too-long',
  'email-not-verified',
  'credentials-changed',
  'other',
] as const;
const tokenCodes = ['ERR_TOKEN_MISSING', 'ERR_TOKEN_INVALID', 'ERR_TOKEN_EXPIRED', 'ERR_TOKEN_REVOKED'] as const;

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** The route label of requests no route matched (404s): their paths are the client's, not ours. */
export const UNMATCHED_ROUTE = '(unmatched)';
const STATUS_CLASSES = ['other', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** From a fraction of a millisecond (the guard) to the seconds a hung store may take. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** A verification takes a few microseconds (`bench/`); the upper buckets catch a stalled process. */
const VERIFICATION_BUCKETS = [
  0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005,
];
/** From a local SQLite read (tens of microseconds) to a store call running into its deadline. */
const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Series created up front, one per label value, so that they read 0 rather than missing before their first event. */
function seriesFor<K extends string>(
  values: readonly K[],
  family: { with(value: string): CounterSeries },
): Record<K, CounterSeries> {
  return Object.fromEntries(values.map((value) => [value, family.with(value)])) as Record<K, CounterSeries>;
}

function keysOf<K extends string>(record: Record<K, null>): K[] {
  return Object.keys(record) as K[];
}

interface RouteSeries {
  readonly byStatusClass: (CounterSeries | undefined)[];
  readonly duration: HistogramSeries;
}

/**
 * Declares jwtgate's metrics on a fresh registry (or `registry`). Label
 * values come only from fixed lists and route patterns, never from a
 * request's data: no user id, username, address or token is ever a label.
 *
 * @example
 * const metrics = createJwtgateMetrics();
 * metrics.login('failure', 'wrong-password');
 * metrics.registry.render();
 */
export function createJwtgateMetrics(registry: MetricsRegistry = createMetricsRegistry()): JwtgateMetrics {
  const requests = registry.counter({
    name: 'jwtgate_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status class.',
    labels: ['route', 'method', 'status'],
  });
  const durations = registry.histogram({
    name: 'jwtgate_http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to answering it, by route pattern and method.',
    labels: ['route', 'method'],
    buckets: DURATION_BUCKETS,
  });
  const logins = seriesFor(
    keysOf(loginOutcomes),
    registry.counter({ name: 'jwtgate_logins_total', help: 'Password logins, by outcome.', labels: ['outcome'] }),
  );
  const loginFailures = seriesFor(
    loginFailureReasons,
    registry.counter({
      name: 'jwtgate_login_failures_total',
      help: 'Failed password logins, by internal reason (clients are told only ERR_INVALID_CREDENTIALS).',
      labels: ['reason'],
    }),
  );
  const mails = registry.counter({
    name: 'jwtgate_mails_total',
    help: 'Mails queued, sent and failed for good, by kind.',
    labels: ['outcome', 'kind'],
  });
  const emailTokens = registry.counter({
    name: 'jwtgate_email_tokens_total',
    help: 'Emailed links and codes presented, by outcome (used, refused) and purpose.',
    labels: ['outcome', 'purpose'],
  });
  const registrations = seriesFor(
    ['created', 'refused'] as const,
    registry.counter({
      name: 'jwtgate_registrations_total',
      help: 'Registrations, by outcome (refused: invalid or taken username, invalid password).',
      labels: ['outcome'],
    }),
  );
  const refreshes = seriesFor(
    keysOf(refreshOutcomes),
    registry.counter({
      name: 'jwtgate_refreshes_total',
      help: 'Refresh-token presentations (explicit and silent), by outcome.',
      labels: ['outcome'],
    }),
  );
  const silentRefreshes = seriesFor(
    keysOf(silentOutcomes),
    registry.counter({
      name: 'jwtgate_silent_refreshes_total',
      help: 'Expired access tokens a request tried to renew with the refresh cookie, by outcome.',
      labels: ['outcome'],
    }),
  );
  const revocations = seriesFor(
    [...keysOf(revokeReasons), 'other'],
    registry.counter({
      name: 'jwtgate_sessions_revoked_total',
      help: 'Sessions revoked by this instance, by reason.',
      labels: ['reason'],
    }),
  );
  const rejections = seriesFor(
    tokenCodes,
    registry.counter({
      name: 'jwtgate_access_tokens_rejected_total',
      help: 'Requests refused for their access token, by error code.',
      labels: ['code'],
    }),
  );
  const storeErrors = seriesFor(
    keysOf(backends),
    registry.counter({
      name: 'jwtgate_store_errors_total',
      help: 'Requests answered 503 ERR_STORE_UNAVAILABLE, by the backend that failed.',
      labels: ['backend'],
    }),
  );
  const auditFailures = registry
    .counter({ name: 'jwtgate_audit_write_failures_total', help: 'Audit records the audit file did not take.' })
    .with();
  const auditDatabaseFailures = registry
    .counter({
      name: 'jwtgate_audit_database_write_failures_total',
      help: 'Batches of audit records the database did not take; they stay queued and are retried.',
    })
    .with();
  const auditDrops = registry
    .counter({
      name: 'jwtgate_audit_records_dropped_total',
      help: 'Audit records that never reached the database (queue full during an outage, or shutdown); the log has them.',
    })
    .with();
  const alertDeliveries = seriesFor(
    keysOf(alertOutcomes),
    registry.counter({
      name: 'jwtgate_alert_webhook_deliveries_total',
      help: 'Alerts given to the webhook, by outcome (failed: every attempt failed; dropped: queue full or shutdown).',
      labels: ['outcome'],
    }),
  );
  const alertAttemptFailures = registry
    .counter({ name: 'jwtgate_alert_webhook_attempt_failures_total', help: 'Webhook attempts that failed.' })
    .with();
  const breachChecks = seriesFor(
    keysOf(breachOutcomes),
    registry.counter({
      name: 'jwtgate_password_breach_checks_total',
      help: 'New passwords checked against the Pwned Passwords range API, by outcome (unavailable: no usable answer in time).',
      labels: ['outcome'],
    }),
  );
  const alertDrops = registry.counter({
    name: 'jwtgate_alerts_dropped_total',
    help: 'Alerts dropped before delivery, by severity and reason (queue-full: made room in the bounded queue; shutdown).',
    labels: ['severity', 'reason'],
  });
  const alertDropSeries = Object.fromEntries(
    keysOf(alertSeverities).flatMap((severity) =>
      keysOf(alertDropReasons).map((reason) => [`${severity} ${reason}`, alertDrops.with(severity, reason)]),
    ),
  ) as Record<`${AlertSeverityLabel} ${AlertDropReason}`, CounterSeries>;
  const alertAggregations = seriesFor(
    keysOf(alertSeverities),
    registry.counter({
      name: 'jwtgate_alerts_aggregated_total',
      help: 'Alerting records counted into an aggregate alert (one per group and window) instead of being sent one by one, by severity.',
      labels: ['severity'],
    }),
  );
  const keyReloads = seriesFor(
    keysOf(keyReloadOutcomes),
    registry.counter({
      name: 'jwtgate_key_reloads_total',
      help: 'Checks that found the key files changed, by outcome (reloaded; else the keys in use stayed: unreadable, invalid, algorithm-changed).',
      labels: ['outcome'],
    }),
  );

  const verifications = registry.histogram({
    name: 'jwtgate_token_verification_duration_seconds',
    help: 'Time the route guard took to verify an access token (signature, claims, revocation list), by outcome.',
    labels: ['outcome'],
    buckets: VERIFICATION_BUCKETS,
  });
  const validVerification = verifications.with('valid');
  const refusedVerification = verifications.with('refused');
  const storeDurations = registry.histogram({
    name: 'jwtgate_store_operation_duration_seconds',
    help: 'Time a store operation took, failures included, by store kind and operation.',
    labels: ['store', 'operation'],
    buckets: STORE_BUCKETS,
  });
  const storeOperationErrors = registry.counter({
    name: 'jwtgate_store_operation_errors_total',
    help: 'Store operations that failed (driver error or deadline), by store kind and operation.',
    labels: ['store', 'operation'],
  });

  let sources: MetricsSources | undefined;
  registry.collectedGauge({
    name: 'jwtgate_revocation_list_entries',
    help: 'Revoked sessions this instance remembers (for one access-token lifetime) to refuse their tokens.',
    collect: () => sources?.revocationListSize() ?? null,
  });
  registry.collectedGauge({
    name: 'jwtgate_revocation_feed_connected',
    help: 'Whether this instance is subscribed to the Redis revocation feed (1) or not (0); absent without Redis.',
    collect: () => {
      const connected = sources?.revocationFeedConnected() ?? null;
      return connected === null ? null : connected ? 1 : 0;
    },
  });
  registry.collectedGauge({
    name: 'jwtgate_revocation_feed_behind_seconds',
    help: 'Seconds since the Redis revocation feed was last known complete on this instance (0 while live); absent without Redis.',
    collect: () => {
      const behindMs = sources?.revocationFeedBehindMs() ?? null;
      return behindMs === null ? null : behindMs / 1000;
    },
  });

  const routes = new Map<string, Map<string, RouteSeries>>();
  function seriesOfRoute(route: string, method: string): RouteSeries {
    let byMethod = routes.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      routes.set(route, byMethod);
    }
    let series = byMethod.get(method);
    if (series === undefined) {
      series = { byStatusClass: [], duration: durations.with(route, method) };
      byMethod.set(method, series);
    }
    return series;
  }

  return {
    registry,
    httpRequest(route, method, status, durationMs) {
      const pattern = route ?? UNMATCHED_ROUTE;
      const knownMethod = HTTP_METHODS.has(method) ? method : 'other';
      const series = seriesOfRoute(pattern, knownMethod);
      const statusClass = status >= 100 && status < 600 ? Math.floor(status / 100) : 0;
      let counter = series.byStatusClass[statusClass];
      if (counter === undefined) {
        counter = requests.with(pattern, knownMethod, STATUS_CLASSES[statusClass] as string);
        series.byStatusClass[statusClass] = counter;
      }
      counter.inc();
      series.duration.observe(durationMs / 1000);
    },
    login(outcome, failureReason) {
      logins[outcome].inc();
      if (outcome !== 'failure') return;
      const reason = loginFailureReasons.find((r) => r === failureReason) ?? 'other';
      loginFailures[reason].inc();
    },
    registration: (outcome) => registrations[outcome].inc(),
    refresh: (outcome) => refreshes[outcome].inc(),
    silentRefresh: (outcome) => silentRefreshes[outcome].inc(),
    sessionRevoked(reason) {
      (Object.hasOwn(revokeReasons, reason) ? revocations[reason as RevokeReason] : revocations.other).inc();
    },
    accessTokenRejected(code) {
      const known = tokenCodes.find((c) => c === code);
      if (known !== undefined) rejections[known].inc();
    },
    storeUnavailable: (backend) => storeErrors[backend].inc(),
    auditWriteFailed: () => auditFailures.inc(),
    tokenVerified(seconds, valid) {
      (valid ? validVerification : refusedVerification).observe(seconds);
    },
    storeOperation: (kind, operation) => ({
      duration: storeDurations.with(kind, operation),
      errors: storeOperationErrors.with(kind, operation),
    }),
    auditDatabaseWriteFailed: () => auditDatabaseFailures.inc(),
    auditRecordsDropped: (count) => auditDrops.inc(count),
    keyReload: (outcome) => keyReloads[outcome].inc(),
    alertDelivery: (outcome) => alertDeliveries[outcome].inc(),
    alertAttemptFailed: () => alertAttemptFailures.inc(),
    breachCheck: (outcome) => breachChecks[outcome].inc(),
    alertDropped: (severity, why) => alertDropSeries[`${severity} ${why}`].inc(),
    alertAggregated: (severity) => alertAggregations[severity].inc(),
    mail: (outcome, kind) => mails.with(outcome, kind).inc(),
    emailToken: (outcome, purpose) => emailTokens.with(outcome, purpose).inc(),
    watch(next) {
      sources = next;
    },
  };
}
