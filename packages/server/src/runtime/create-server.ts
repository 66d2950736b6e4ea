import {
  AuthError,
  type Clock,
  type CustomClaimsHook,
  claimsFromUserFields,
  createEmailSecrets,
  createInt64UserIdGenerator,
  createLoginThrottle,
  createMailThrottle,
  createMfaThrottle,
  createRefreshThrottle,
  createRegistrationThrottle,
  createSecretCipher,
  createSessionManager,
  limitRefreshes,
  type PasswordHasher,
  type SessionManager,
  type SessionPolicy,
  systemClock,
  type UserStore,
} from '@jwtgate/core';
import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions } from 'fastify';
import { removeUnprovenWaysIn } from '../accounts/remove-unproven-ways-in.js';
import { type AlertWebhook, createAlertWebhook } from '../audit/alert-webhook.js';
import { currentAuditContext } from '../audit/audit-context.js';
import { openAuditFile } from '../audit/audit-file.js';
import { createAuditLog } from '../audit/audit-log.js';
import { type AuditWriter, createAuditWriter } from '../audit/audit-writer.js';
import { createSecurityEvents } from '../audit/security-events.js';
import { toStoredAuditRecord } from '../audit/stored-audit-record.js';
import { createUsernameDigest } from '../audit/username-digest.js';
import type { JwtgateConfig } from '../config/config.js';
import { buildApp, redactedLogPaths } from '../http/app.js';
import type { InvitationRouteDeps } from '../http/invitation-route-deps.js';
import type { MfaRouteDeps } from '../http/mfa-login.js';
import type { AccountPolicy } from '../http/route-deps.js';
import { SIGN_IN_OPTIONS_PER_MINUTE } from '../http/routes/passkeys.js';
import { keyFilePaths, readKeyFiles } from '../keys/key-files.js';
import { createKeyReloader, type KeyReloader, type KeyReloadOutcome } from '../keys/key-reloader.js';
import { loadKeyRing } from '../keys/load-key-ring.js';
import { instrumentAttemptStore, instrumentSessionStore, instrumentUserStore } from '../metrics/instrument-store.js';
import { createJwtgateMetrics, type JwtgateMetrics } from '../metrics/jwtgate-metrics.js';
import { type MetricsListener, startMetricsListener } from '../metrics/metrics-listener.js';
import { registerProcessMetrics } from '../metrics/process-metrics.js';
import { createArgon2Hasher } from '../passwords/argon2-hasher.js';
import { createBoundedHasher } from '../passwords/bounded-hasher.js';
import { acceptImportedHashes } from '../passwords/imported-hashes.js';
import { createPasswordScreen } from '../passwords/password-screen.js';
import type { RedisConnection } from '../stores/redis/open-redis.js';
import type { SqlDatabase } from '../stores/sql/open-database.js';
import { createSqlAuditStore } from '../stores/sql/sql-audit-store.js';
import { createSqlEmailStore } from '../stores/sql/sql-email-store.js';
import { createSqlIdentityStore } from '../stores/sql/sql-identity-store.js';
import { createSqlInvitationStore } from '../stores/sql/sql-invitation-store.js';
import { devModeBanner } from './dev-mode-banner.js';
import { withEmailClaims } from './email-claims.js';
import { acceptGoZeroTokens } from './go-zero-tokens.js';
import { linkTo } from './mail-link.js';
import { observeSessions } from './observe-sessions.js';
import { openMail } from './open-mail.js';
import { openOAuth } from './open-oauth.js';
import { openStores } from './open-stores.js';
import { reportKeyReload } from './report-key-reload.js';
import { createRevocationJournal } from './revocation-journal.js';
import type { SecurityNotices } from './security-notices.js';

/** Options for {@link createJwtgateServer}. */
export interface CreateServerOptions {
  readonly config: JwtgateConfig;
  /** Adds claims to every access token. */
  readonly customClaims?: CustomClaimsHook;
  readonly clock?: Clock;
  /** Fastify logger options; defaults to JSON logs at `Log.Level` with credentials redacted. */
  readonly logger?: FastifyServerOptions['logger'];
  /**
   * Hashes and checks passwords; argon2id with the OWASP parameters when
   * omitted. An embedding app may bring its own (one that also checks hashes
   * imported from another system); `Hashing.MaxConcurrent` and
   * `Hashing.MaxQueue` bound it all the same.
   */
  readonly passwordHasher?: PasswordHasher;
  /** Where the default logger writes its JSON lines (stdout when omitted); ignored with `logger`. */
  readonly logStream?: { write(line: string): void };
  /**
   * Where the development-mode banner goes: standard error when omitted,
   * `false` for nowhere (tests). Printed once, before the stores open, when
   * the configuration is in development mode.
   */
  readonly devModeBanner?: { write(text: string): void } | false;
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
  /** The metrics when `Metrics.Enabled` (an embedding app may declare its own on `metrics.registry`). */
  readonly metrics: JwtgateMetrics | undefined;
  /** `http://host:port` of the metrics listener once `listen()` has started it; else `undefined`. */
  readonly metricsUrl: string | undefined;
  /**
   * Delivers the mails due now instead of at the sender's next round (it
   * polls every 2 s and wakes when a request queues one); for tests and
   * scripts. Resolves once they were tried.
   */
  drainMail(): Promise<void>;
  /** Starts listening on `Host:Port` (and on `Metrics.Host:Metrics.Port` when metrics are on); resolves to the API's address. */
  listen(): Promise<string>;
  /** Reopens the audit file after it was rotated away (`jwtgate start` does this on SIGHUP). */
  reopenAuditFile(): void;
  /**
   * Reads `Auth.KeyFile` and `Auth.PreviousKeyFiles` now and swaps in their
   * keys if they changed (`jwtgate start` does this on SIGHUP; see
   * {@link createKeyReloader}); `undefined` when no key file is configured.
   * The outcome is logged, counted and audited as well.
   */
  reloadKeys(): KeyReloadOutcome | undefined;
  /**
   * Writes the audit records queued for the database now rather than at the
   * next batch (for tests, and before reading `GET /admin/audit` right after
   * an event); resolves when the queue is empty or an insert failed.
   */
  flushAudit(): Promise<void>;
  /** Stops accepting connections, finishes in-flight requests, closes the stores. */
  close(): Promise<void>;
}

/**
 * The claims every access token gets beyond jwtgate's own: those configured
 * from user fields (`Auth.Claims`, go-zero's `userId`), then the embedding
 * app's hook, which may add to them or set them differently.
 */
function composeClaims(config: JwtgateConfig, hook: CustomClaimsHook | undefined): { customClaims?: CustomClaimsHook } {
  if (Object.keys(config.auth.claims).length === 0) return hook === undefined ? {} : { customClaims: hook };
  const fromFields = claimsFromUserFields(config.auth.claims, { largeIdsAsNumbers: config.auth.largeIdsAsNumbers });
  if (hook === undefined) return { customClaims: fromFields };
  return {
    customClaims: async (input) => ({ ...(await fromFields(input)), ...(await hook(input)) }),
  };
}

/**
 * `Register` and `Accounts` as the routes and the command line take them.
 *
 * @example
 * accountPolicyOf(loadConfig()).registrationOpen; // true unless Register.Enabled: false
 */
export function accountPolicyOf(config: JwtgateConfig): AccountPolicy {
  return {
    registrationOpen: config.register.enabled,
    concealTakenEmail: config.register.concealTakenEmail,
    invitationTtlSec: config.register.invitationTtl,
    usernameQuarantineSec: config.accounts.usernameQuarantine,
    userMetadataMaxBytes: config.accounts.userMetadataMaxBytes,
  };
}

/**
 * The session policy `Auth` configures, for the server and the command line alike.
 *
 * @example
 * createSessionManager({ ...stores, policy: sessionPolicyOf(config), signingKey, refreshSecret });
 */
export function sessionPolicyOf(config: JwtgateConfig): SessionPolicy {
  return {
    issuer: config.auth.issuer,
    audience: config.auth.audience.length === 1 ? (config.auth.audience[0] as string) : config.auth.audience,
    accessTtlSec: config.auth.accessExpire,
    refreshAfterSec: config.auth.refreshAfter,
    refreshTtlSec: config.auth.refreshExpire,
    sessionMaxAgeSec: config.auth.sessionMaxAge,
    refreshGraceSec: config.auth.refreshGrace,
    maxSessionsPerUser: config.auth.maxSessions,
    clockToleranceSec: config.auth.clockLeeway,
  };
}

/** New users' ids as `Auth.UserIdFormat` says; `undefined` keeps random UUIDs. */
export function newUserIds(config: JwtgateConfig, clock: Clock): (() => string) | undefined {
  return config.auth.userIdFormat === 'int64'
    ? createInt64UserIdGenerator({ nodeId: config.auth.nodeId, clock })
    : undefined;
}

const HOUSEKEEPING_INTERVAL_MS = 10 * 60_000;
/** How long shutdown waits for queued audit records to reach the database. */
const AUDIT_FLUSH_ON_CLOSE_MS = 5_000;
const DAY_MS = 86_400_000;

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
  if (config.mode === 'development' && options.devModeBanner !== false) {
    (options.devModeBanner ?? process.stderr).write(`${devModeBanner(config.warnings)}\n`);
  }
  const clock = options.clock ?? systemClock;
  // Before anything is opened: a bad key file stops the start with nothing to clean up.
  // Read once: a reload compares later readings with this very one.
  const keyFiles = readKeyFiles(config);
  const keyRing = loadKeyRing(config, clock.now(), keyFiles);
  let log: FastifyBaseLogger | undefined;
  const metrics = config.metrics.enabled ? createJwtgateMetrics() : undefined;
  // Also before anything is opened: a missing common-password list stops the start.
  const passwordScreen = createPasswordScreen(config.passwords, {
    breachCheck: (outcome) => metrics?.breachCheck(outcome),
    breachCheckUnavailable: (why) =>
      log?.warn(
        { why },
        config.passwords.breachCheck?.whenUnavailable === 'refuse'
          ? 'the Pwned Passwords range API gives no usable answer: new passwords are refused with 503 until it does'
          : 'the Pwned Passwords range API gives no usable answer: new passwords are accepted without it until it does',
      ),
    breachCheckRecovered: () => log?.info('the Pwned Passwords range API answers again'),
  });
  // Also before the stores: an audit file that cannot be used stops the start.
  const auditFile = config.audit.file === undefined ? undefined : openAuditFile(config.audit.file);
  // Both need the stores or the app's log, made later; records made before then have no request behind them.
  let auditWriter: AuditWriter | undefined;
  const webhook = createWebhook(config, clock, metrics, () => log);
  const audit = createAuditLog({
    clock,
    // During a request, its own logger: the record carries the request's `reqId`.
    log: () => (config.audit.log ? (currentAuditContext()?.log ?? log) : undefined),
    ...(auditFile === undefined ? {} : { file: auditFile }),
    onFileError: (error, firstInARow) => {
      metrics?.auditWriteFailed();
      if (firstInARow) log?.error({ err: error }, 'audit file write failed; retrying with each record');
    },
    sinks: [
      (record) => auditWriter?.write(toStoredAuditRecord(record)),
      ...(webhook === undefined ? [] : [webhook.notify]),
    ],
  });
  // Made with the mail, later: the changes reported before then had no request behind them.
  let notices: SecurityNotices | undefined;
  const events = createSecurityEvents({
    metrics,
    audit,
    usernameDigest: createUsernameDigest(config.auth.refreshSecret),
    accountChanged: (report) => notices?.notify(report),
  });
  let stores: Awaited<ReturnType<typeof openStores>>;
  try {
    stores = await openStores(config, () => log);
  } catch (error) {
    audit.close();
    throw error;
  }
  const { database } = stores;
  // Measured where they are handed out, so every caller (sessions, throttles, routes) is counted.
  const sessionKind = stores.redis === undefined ? 'sql' : 'redis';
  const users = metrics === undefined ? stores.users : instrumentUserStore(stores.users, 'sql', metrics);
  const sessionStore =
    metrics === undefined ? stores.sessions : instrumentSessionStore(stores.sessions, sessionKind, metrics);
  // Attempts counted in this process's memory do no I/O to measure.
  const attempts =
    metrics === undefined || stores.attemptsIn === 'memory'
      ? stores.attempts
      : instrumentAttemptStore(stores.attempts, stores.attemptsIn, metrics);
  const auditStore = config.audit.database
    ? createSqlAuditStore(database.db, { timeoutMs: database.timeoutMs })
    : undefined;
  if (auditStore !== undefined) {
    auditWriter = createAuditWriter({
      store: auditStore,
      onWriteFailed: (error, firstOfOutage) => {
        metrics?.auditDatabaseWriteFailed();
        if (firstOfOutage) {
          log?.warn(
            { err: error instanceof AuthError ? error.reason : error },
            'audit records cannot be written to the database; queued in memory and retried (the log has them all)',
          );
        }
      },
      onDropped: (count, firstOfOutage) => {
        metrics?.auditRecordsDropped(count);
        if (firstOfOutage) log?.warn('audit queue full: dropping the oldest records not yet in the database');
      },
      onRecovered: (dropped) => log?.info({ dropped }, 'audit records reach the database again'),
    });
  }
  // Imported hashes (bcrypt, scrypt, PBKDF2, other argon2) verify too, and become argon2id at their next login.
  const hasher = createBoundedHasher(acceptImportedHashes(options.passwordHasher ?? (await createArgon2Hasher())), {
    maxConcurrent: config.hashing.maxConcurrent,
    maxQueue: config.hashing.maxQueue,
  });
  const manager = createSessionManager({
    sessions: sessionStore,
    users,
    signingKey: keyRing.signingKey,
    verificationKeys: keyRing.verificationKeys,
    refreshSecret: config.auth.refreshSecret,
    policy: sessionPolicyOf(config),
    clock,
    ...withEmailClaims(config.auth.emailClaims, composeClaims(config, options.customClaims).customClaims),
    onEvent: events.session,
  });
  const refreshThrottle = createRefreshThrottle({
    store: attempts,
    clock,
    policy: {
      maxFailuresPerIp: config.refresh.maxFailuresPerIp,
      failureWindowSec: config.refresh.failureWindow,
      maxPerSession: config.refresh.maxPerSession,
      sessionWindowSec: config.refresh.sessionWindow,
    },
    onRateExceeded: events.refreshRateExceeded,
  });
  // Throttled outside the observer: a refresh refused for its rate was never tried, so it is no refresh failure.
  const observed = limitRefreshes(observeSessions(manager, events), refreshThrottle);
  const sessions = config.auth.goZero
    ? acceptGoZeroTokens(observed, {
        secrets: [
          ...(config.auth.accessSecret === undefined ? [] : [config.auth.accessSecret]),
          ...config.auth.previousAccessSecrets,
        ],
        clockToleranceSec: config.auth.clockLeeway,
        clock,
      })
    : observed;

  // Before the list is filled, so that the feed passes on every revocation it holds.
  const revocationJournal = createRevocationJournal({
    list: sessions.revocations,
    clock,
    handoverMs: revocationHandoverMs(config),
  });
  try {
    // Revocations made before a restart, or elsewhere, must hold here.
    await stores.startRevocationSync(sessions, clock);
  } catch (error) {
    audit.close();
    await stores.close();
    throw error;
  }
  metrics?.watch({
    revocationListSize: () => sessions.revocations.size,
    revocationFeedConnected: () => stores.revocationFeedLive(),
    revocationFeedBehindMs: () => stores.revocationFeedBehindMs(),
  });

  const throttle = createLoginThrottle({
    store: attempts,
    clock,
    policy: {
      maxFailuresPerAccountAndIp: config.login.maxFailures,
      maxFailuresPerIp: config.login.maxFailuresPerIp,
      windowSec: config.login.failureWindow,
      maxFailuresPerAccount: config.login.maxFailuresPerAccount,
      lockSec: config.login.lockDuration,
      maxLockSec: config.login.maxLockDuration,
      knownNetworkSec: config.login.knownNetworkWindow,
    },
  });

  const registrationThrottle = createRegistrationThrottle({
    store: attempts,
    clock,
    policy: { maxPerIp: config.register.maxPerIp, windowSec: config.register.window },
  });

  // Identities are removed at a first proof even with OAuth off now: they may date from when it was on.
  const unprovenWaysIn = {
    identities: createSqlIdentityStore(database.db, { timeoutMs: database.timeoutMs }),
    factors: stores.factors,
    passkeys: stores.passkeys,
    events,
  };
  const mail = config.mail.enabled
    ? openMail({
        config,
        store: createSqlEmailStore(database.db, { timeoutMs: database.timeoutMs }),
        users,
        sessions,
        hasher,
        passwordScreen,
        clock,
        attempts,
        loginThrottle: throttle,
        events,
        log: () => log,
        beforeFirstProof: (user, proof) =>
          removeUnprovenWaysIn(
            unprovenWaysIn,
            user.id,
            proof,
            currentAuditContext()?.client() ?? { ip: null, userAgent: null },
          ),
      })
    : undefined;
  notices = mail?.notices;
  const mfaKey = config.mfa.encryptionKey;
  const mfa: MfaRouteDeps | undefined =
    mfaKey === undefined
      ? undefined
      : {
          factors: stores.factors,
          challenges: stores.loginChallenges,
          cipher: createSecretCipher({ current: mfaKey, previous: config.mfa.previousEncryptionKeys }),
          clock,
          throttle: createMfaThrottle({
            store: attempts,
            clock,
            policy: {
              maxFailures: config.mfa.maxFailures,
              windowSec: config.mfa.failureWindow,
              maxFailuresPerDay: config.mfa.maxFailuresPerDay,
            },
          }),
          issuer: config.mfa.issuer,
          requiredForRoles: new Set(config.mfa.requiredForRoles),
          passkeys:
            config.mfa.passkeys === undefined
              ? undefined
              : {
                  passkeys: stores.passkeys,
                  challenges: stores.passkeyChallenges,
                  relyingParty: config.mfa.passkeys,
                  clock,
                  signInOptionsThrottle: createRegistrationThrottle({
                    store: attempts,
                    clock,
                    policy: { maxPerIp: SIGN_IN_OPTIONS_PER_MINUTE, windowSec: 60 },
                    scope: 'passkey-options',
                  }),
                  signInThrottle: createMfaThrottle({
                    store: attempts,
                    clock,
                    policy: {
                      maxFailures: config.mfa.maxFailures,
                      windowSec: config.mfa.failureWindow,
                      maxFailuresPerDay: 0,
                    },
                  }),
                },
        };

  const invitations: InvitationRouteDeps = {
    store: createSqlInvitationStore(database.db, { timeoutMs: database.timeoutMs }),
    secrets: createEmailSecrets(config.auth.refreshSecret),
    link: (secret) => linkTo(config.mail.publicUrl, 'invitation', secret),
    compose: mail?.compose,
    queued: mail?.routes.queued,
    // Counted whether or not mail is on: an invitation's link may have been handed over by the administrator.
    linkThrottle: createMailThrottle({
      store: attempts,
      clock,
      policy: { maxPerAddress: 0, maxPerIp: config.mail.maxPerIp, windowSec: config.mail.window },
    }),
  };

  const newUserId = newUserIds(config, clock);
  const oauth = openOAuth({
    config,
    database,
    users,
    clock,
    events,
    attempts,
    registrationThrottle,
    newUserId,
    sessions,
    providerSessions: stores.providerSessions,
    logoutTokens: stores.logoutTokens,
  });

  const app = await buildApp({
    sessions,
    users,
    hasher,
    passwordScreen,
    contextWords: config.passwords.contextWords,
    clock,
    throttle,
    registrationThrottle,
    events,
    ...(mfa === undefined ? {} : { mfa }),
    emailPolicy: { requireEmail: config.auth.requireEmail, requireVerifiedEmail: config.auth.requireVerifiedEmail },
    newUserId,
    ...(metrics === undefined ? {} : { metrics }),
    realm: config.name,
    bodyLimit: config.server.bodyLimit,
    trustProxy: config.server.trustProxy,
    readiness: stores.readiness,
    strictRevocation: config.revocation.strict,
    gateway: config.gateway,
    issuer: config.auth.issuer,
    logger: options.logger ?? {
      level: config.log.level,
      redact: { paths: redactedLogPaths, censor: '[redacted]' },
      ...(options.logStream === undefined ? {} : { stream: options.logStream }),
    },
    // The ring the sessions sign and verify with, so that a reload changes what is published in the same step.
    jwks: { keys: () => manager.keyRing().verificationKeys, maxAgeSec: config.jwks.maxAge },
    browser: { cookie: config.cookie, allowedOrigins: config.cors.allowedOrigins, web: config.web.enabled },
    openApi: config.openApi.enabled,
    ...(auditStore === undefined ? {} : { auditStore }),
    accounts: accountPolicyOf(config),
    invitations,
    ...(auditStore === undefined
      ? {}
      : { auditTrail: { store: auditStore, flush: async () => void (await auditWriter?.flush()) } }),
    ...(mail === undefined ? {} : { mail: mail.routes, emailStore: mail.store }),
    ...(mail?.devMail === undefined ? {} : { devMail: mail.devMail }),
    oauth,
    revocationFeed: { journal: revocationJournal, live: () => stores.revocationsCurrent() },
  });
  log = app.log;
  const keyReloader: KeyReloader | undefined =
    keyFilePaths(config).length === 0
      ? undefined
      : createKeyReloader({
          config,
          clock,
          loadedFrom: keyFiles,
          current: () => manager.keyRing(),
          apply: (ring) => manager.replaceKeys(ring),
          intervalMs: config.auth.keyReloadIntervalMs,
          onOutcome: (outcome, trigger) => reportKeyReload(outcome, trigger, { log: app.log, metrics, audit }),
        });
  const mailSender = mail?.start();
  const processMetrics = metrics === undefined ? undefined : registerProcessMetrics(metrics.registry);

  const housekeeping = setInterval(() => {
    sessions.revocations.prune();
    stores
      .deleteExpiredAttempts(clock.now())
      .catch((error: unknown) =>
        app.log.warn({ err: error instanceof AuthError ? error.code : error }, 'attempt count clean-up failed'),
      );
    mail?.store.purge(clock.now() - config.mail.retentionDays * DAY_MS).then(
      ({ tokens, mails }) =>
        tokens + mails > 0 && app.log.info({ tokens, mails }, 'deleted old mails and expired secrets'),
      (error: unknown) =>
        app.log.warn({ err: error instanceof AuthError ? error.reason : error }, 'mail clean-up failed'),
    );
    stores.loginChallenges
      .deleteExpired(clock.now())
      .catch((error: unknown) =>
        app.log.warn({ err: error instanceof AuthError ? error.code : error }, 'mfaToken clean-up failed'),
      );
    stores.providerSessions
      .deleteExpired(clock.now())
      .catch((error: unknown) =>
        app.log.warn({ err: error instanceof AuthError ? error.code : error }, 'provider session clean-up failed'),
      );
    stores.passkeyChallenges
      .deleteExpired(clock.now())
      .catch((error: unknown) =>
        app.log.warn({ err: error instanceof AuthError ? error.code : error }, 'passkey challenge clean-up failed'),
      );
    auditStore?.prune(clock.now() - config.audit.retentionDays * DAY_MS).then(
      (deleted) => deleted > 0 && app.log.info({ deleted }, 'deleted audit records past Audit.RetentionDays'),
      (error: unknown) =>
        app.log.warn({ err: error instanceof AuthError ? error.reason : error }, 'audit clean-up failed'),
    );
    if (!stores.deletesEndedSessions) return;
    sessions.deleteEnded().then(
      (deleted) => deleted > 0 && app.log.info({ deleted }, 'deleted ended sessions'),
      (error: unknown) =>
        app.log.warn({ err: error instanceof AuthError ? error.code : error }, 'session clean-up failed'),
    );
  }, HOUSEKEEPING_INTERVAL_MS);
  housekeeping.unref();

  let closing: Promise<void> | undefined;
  let metricsListener: MetricsListener | undefined;
  return {
    app,
    sessions,
    users,
    config,
    database,
    redis: stores.redis,
    metrics,
    get metricsUrl() {
      return metricsListener?.url;
    },
    async listen() {
      if (metrics !== undefined && metricsListener === undefined) {
        metricsListener = await startMetricsListener({
          host: config.metrics.host,
          port: config.metrics.port,
          render: () => metrics.registry.render(),
          onError: (error) => app.log.error({ err: error }, 'metrics could not be rendered'),
        });
      }
      try {
        return await app.listen({ host: config.host, port: config.port });
      } catch (error) {
        await metricsListener?.close();
        metricsListener = undefined;
        throw error;
      }
    },
    drainMail: async () => {
      await notices?.settled();
      await mailSender?.drain();
    },
    reopenAuditFile: () => audit.reopen(),
    reloadKeys: () => keyReloader?.check('signal'),
    flushAudit: async () => {
      await auditWriter?.flush();
    },
    close() {
      closing ??= (async () => {
        clearInterval(housekeeping);
        keyReloader?.close();
        revocationJournal.close();
        processMetrics?.close();
        try {
          await Promise.all([app.close(), metricsListener?.close()]);
        } finally {
          // Notices of the last requests' changes reach the outbox before the database closes.
          await notices?.settled();
          // The attempt under way finishes; what is still queued waits in the outbox for the next start.
          await mailSender?.close();
          // No request is left to add records: what is queued goes to the database before it closes.
          const lost = (await auditWriter?.close(AUDIT_FLUSH_ON_CLOSE_MS)) ?? 0;
          if (lost > 0) app.log.warn({ lost }, 'audit records not written to the database before shutdown');
          await webhook?.close();
          audit.close();
          await stores.close();
        }
      })();
      return closing;
    },
  };
}

/**
 * The longest a revocation can take to reach one instance after another, clock
 * skew included: the Redis feed delivers within a few round trips, polling
 * within an interval plus the look-back each poll allows for late commits.
 * How far back the revocation feed replays a cursor from another instance.
 */
export function revocationHandoverMs(config: JwtgateConfig): number {
  const skewMs = config.auth.clockLeeway * 1000;
  if (config.redis !== undefined) return skewMs + Math.max(5_000, 5 * config.redis.timeoutMs);
  return skewMs + config.revocation.pollIntervalMs + skewMs + 10 * config.database.timeoutMs;
}

/**
 * The alert webhook of `Alerts.WebhookUrl`, reporting to the metrics and the log; `undefined` without one.
 *
 * @example
 * const webhook = createWebhook(config, systemClock, undefined, () => undefined);
 */
export function createWebhook(
  config: JwtgateConfig,
  clock: Clock,
  metrics: JwtgateMetrics | undefined,
  log: () => FastifyBaseLogger | undefined,
): AlertWebhook | undefined {
  const { webhookUrl, webhookSecret, queueSize, aggregationWindowSec } = config.alerts;
  if (webhookUrl === undefined) return undefined;
  return createAlertWebhook({
    url: webhookUrl,
    secret: webhookSecret,
    clock,
    maxQueue: queueSize,
    aggregationWindowMs: aggregationWindowSec * 1000,
    onAttemptFailed: () => metrics?.alertAttemptFailed(),
    onAggregated: () => metrics?.alertAggregated('low'),
    onOutcome: (outcome, record, why, severity) => {
      metrics?.alertDelivery(outcome);
      if (outcome === 'dropped') metrics?.alertDropped(severity, why === 'shutdown' ? 'shutdown' : 'queue-full');
      if (outcome === 'delivered') return;
      // The record's id and event only: the webhook's URL may carry a token of the receiver's.
      const fields = { alertId: record.id, alertEvent: record.event, severity, why };
      // A high alert lost is a security event nobody was told of: louder than a low one.
      if (severity === 'high') log()?.error(fields, `alert ${outcome}`);
      else log()?.warn(fields, `alert ${outcome}`);
    },
  });
}
