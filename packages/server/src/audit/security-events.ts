import {
  type AccountChange,
  type EmailFlowEvent,
  isAuthError,
  normaliseUsername,
  type RefreshRateExceeded,
  type SessionEvent,
  type UserRecord,
} from '@jwtgate/core';
import type { JwtgateMetrics, SilentRefreshOutcome } from '../metrics/jwtgate-metrics.js';
import { type AdminActor, adminActorFields } from './admin-actor.js';
import type { AuditLog } from './audit-log.js';
import type { ActionOutcome, AuditClient } from './audit-record.js';
import type { UsernameDigest } from './username-digest.js';

/**
 * The security events of a running server. Each call updates the metrics
 * (when on) and writes the audit record (when the trail has somewhere to
 * go): routes report what happened once, here, and never decide how it is
 * counted or recorded.
 */
export interface SecurityEvents {
  loginSucceeded(input: {
    readonly user: UserRecord;
    readonly sessionId: string;
    readonly device: string | null;
    readonly client: AuditClient;
    /** RFC 8176 methods the sign-in used; `['pwd']` when omitted. */
    readonly amr?: readonly string[];
  }): void;
  /** A second factor was set up, removed, or its recovery codes renewed, by the user. */
  mfaChanged(input: {
    readonly change: 'enrolled' | 'removed' | 'recovery-codes-renewed';
    readonly userId: string;
    readonly client: AuditClient;
    /** The factor: `totp` when omitted, `webauthn` for a passkey. */
    readonly method?: 'totp' | 'webauthn';
  }): void;
  /** A second-factor check refused (a wrong or spent code, a misused mfaToken, rate limiting); other errors are not recorded. */
  mfaFailed(input: { readonly userId: string; readonly error: unknown; readonly client: AuditClient }): void;
  /** A recovery code was spent: an alert. */
  recoveryCodeUsed(input: {
    readonly userId: string;
    readonly recoveryCodesLeft: number;
    readonly client: AuditClient;
  }): void;
  /**
   * A passkey answered with a signature counter that did not move forward:
   * two authenticators hold its key (a cloned one). Refused; an alert.
   */
  passkeyCloned(input: {
    readonly userId: string;
    readonly credentialId: string;
    readonly storedCounter: number;
    readonly presentedCounter: number;
    readonly client: AuditClient;
  }): void;
  /**
   * An administrator removed a user's second factors (`removed`: whether
   * there was one to remove); `error` when it failed.
   */
  adminResetMfa(
    input: AdminAction & { readonly userId: string; readonly revokedSessions: number; readonly removed?: boolean },
  ): void;
  /**
   * A login `authenticateUser` refused: wrong credentials (with their internal
   * reason) or rate limiting. Other errors (a store down) are not login outcomes.
   */
  loginRefused(input: { readonly error: unknown; readonly attempted: string; readonly client: AuditClient }): void;
  /** A step of an emailed secret (requested, used, refused); never the secret. */
  emailStep(event: EmailFlowEvent, client: AuditClient): void;
  /** Mails queued by a request. */
  mailQueued(kind: string): void;
  /** A delivery attempt's outcome: `sent`, or `failed` for good. */
  mailDelivered(
    outcome: 'sent' | 'failed',
    input: { readonly kind: string; readonly attempts: number; readonly error?: string },
  ): void;
  /** A password set from a reset link. */
  passwordReset(input: {
    readonly userId: string;
    readonly revokedSessions: number;
    readonly client: AuditClient;
  }): void;
  /** An address change confirmed. */
  emailChanged(input: { readonly userId: string; readonly client: AuditClient }): void;
  /**
   * A new account; `invitationId` when it was made with an invitation, `by`
   * when an operator made it at the command line (`jwtgate user add`).
   */
  registered(input: {
    readonly user: UserRecord;
    readonly client: AuditClient;
    readonly invitationId?: string | undefined;
    readonly by?: Extract<AdminActor, { kind: 'cli' }> | undefined;
  }): void;
  registrationRefused(): void;
  /** A session event from the session manager. */
  session(event: SessionEvent): void;
  /** A refresh that failed; counted when it is a refusal of the refresh token (expired, invalid, revoked). */
  refreshFailed(error: unknown): void;
  silentRefresh(outcome: SilentRefreshOutcome): void;
  /** A session went over its refresh rate (once per window): a warning. */
  refreshRateExceeded(event: RefreshRateExceeded): void;
  /** An administrator's role change; `error` when it failed. */
  adminChangedUser(
    input: AdminAction & {
      readonly userId: string;
      readonly changes: { readonly disabled?: boolean; readonly role?: string };
      readonly revokedSessions: number;
    },
  ): void;
  /** An administrator disabled (`disabled: true`) or enabled an account; `error` when it failed. */
  adminSetUserDisabled(
    input: AdminAction & { readonly userId: string; readonly disabled: boolean; readonly revokedSessions: number },
  ): void;
  /** An administrator ended all of a user's sessions; `error` when it failed. */
  adminSignedUserOut(input: AdminAction & { readonly userId: string; readonly revokedSessions: number }): void;
  /** An account was deleted by its user, or by an administrator or an operator at the command line (`by`); `error` when it failed. */
  userDeleted(input: {
    readonly userId: string;
    readonly by: 'self' | AdminActor;
    readonly revokedSessions: number;
    readonly client: AuditClient;
    readonly error?: unknown;
  }): void;
  /** An administrator made or revoked an invitation; `error` when it failed. */
  adminInvitation(
    input: AdminAction & {
      readonly change: 'created' | 'revoked';
      /** Absent for a creation that failed before the invitation existed. */
      readonly invitationId?: string | undefined;
      readonly role?: string;
    },
  ): void;
  /** An administrator ended one session; `error` when it failed. */
  adminRevokedSession(input: AdminAction & { readonly sessionId: string }): void;
  /** An administrator had a password reset link mailed to a user; `error` when it failed. */
  adminSentPasswordReset(input: AdminAction & { readonly userId: string }): void;
  /** An operator set a user's password (`jwtgate user set-password`); `error` when it failed. */
  adminSetPassword(input: AdminAction & { readonly userId: string; readonly revokedSessions: number }): void;
  /** A signed-in user changed their password. */
  passwordChanged(input: {
    readonly userId: string;
    readonly sessionId: string;
    readonly revokedSessions: number;
    readonly client: AuditClient;
  }): void;
  /**
   * A password change `changePassword` refused: a wrong current password, a
   * new one the policy refuses, or rate limiting. Other errors (a store
   * down) judged nothing and are not recorded.
   */
  passwordChangeRefused(input: {
    readonly userId: string;
    readonly sessionId: string;
    readonly error: unknown;
    readonly client: AuditClient;
  }): void;
  adminAccessDenied(input: {
    readonly userId: string;
    readonly method: string;
    readonly route: string;
    readonly client: AuditClient;
  }): void;
  /** A sign-in or link through an identity provider failed; `error` is what the user was told. */
  oauthFailed(input: {
    readonly provider: string;
    readonly error: unknown;
    readonly userId?: string;
    readonly client: AuditClient;
  }): void;
  /** An identity provider ended sessions, with a logout token or through the browser; `ended` of them were live. */
  providerLogout(input: {
    readonly provider: string;
    readonly ended: number;
    readonly by: 'sid' | 'sub';
    readonly channel: 'back' | 'front';
    readonly client: AuditClient;
  }): void;
  /** An identity was linked to an account, or removed from it. */
  identityChanged(input: {
    readonly change: 'linked' | 'unlinked';
    readonly userId: string;
    readonly provider: string;
    readonly because?: 'sign-up' | 'signed-in' | 'verified-email';
    readonly client: AuditClient;
  }): void;
  /** The first proof of an address removed the ways in added before it (`removeUnprovenWaysIn`). */
  unprovenWaysInRemoved(input: {
    readonly userId: string;
    readonly proof: string;
    readonly identities: readonly string[];
    readonly passkeys: number;
    readonly authenticatorApp: boolean;
    readonly client: AuditClient;
  }): void;
}

/** A change to how an account signs in, made and committed: what a security notice tells the user. */
export interface AccountChangeReport {
  readonly userId: string;
  readonly change: AccountChange;
  /** The identity provider of an identity linked or unlinked. */
  readonly provider?: string;
  /** Where the change came from; both `null` for an administrator's change (their network is not the user's business). */
  readonly client: AuditClient;
}

/** The refusals of a password change that the trail records, by code, with their reason. */
const PASSWORD_CHANGE_REFUSALS: ReadonlyMap<string, string> = new Map([
  ['ERR_WRONG_CURRENT_PASSWORD', 'wrong-password'],
  ['ERR_RATE_LIMITED', 'rate-limited'],
  ['ERR_INVALID_PASSWORD', 'weak-password'],
]);

/** The change a notice names for each second-factor change, by factor. */
const MFA_CHANGES: Readonly<
  Record<'enrolled' | 'removed' | 'recovery-codes-renewed', Readonly<Record<'totp' | 'webauthn', AccountChange>>>
> = {
  enrolled: { totp: 'authenticator-app-added', webauthn: 'passkey-added' },
  removed: { totp: 'authenticator-app-removed', webauthn: 'passkey-removed' },
  'recovery-codes-renewed': { totp: 'recovery-codes-renewed', webauthn: 'recovery-codes-renewed' },
};

/** Who did what from where, for every administrator's action; `error` is what it failed with. */
export interface AdminAction {
  readonly actor: AdminActor;
  readonly client: AuditClient;
  readonly error?: unknown;
}

/** The audit outcome of an action that threw `error` (or succeeded, without one). */
function outcomeOf(error: unknown): ActionOutcome {
  if (error === undefined) return { outcome: 'success' };
  return { outcome: 'failure', errorCode: isAuthError(error) ? error.code : 'ERR_INTERNAL' };
}

/** Failure reasons that mean the name belongs to an account. */
const EXISTING_ACCOUNT_REASONS = new Set(['wrong-password', 'disabled', 'email-not-verified']);

/** The name as the account spells it, give or take case: what the user typed, normalised. */
function displayName(attempted: string): string {
  try {
    return normaliseUsername(attempted).username;
  } catch {
    return '';
  }
}

/**
 * Creates the security events of a server from its metrics and audit trail;
 * either may be absent.
 *
 * @example
 * const events = createSecurityEvents({ metrics, audit, usernameDigest: createUsernameDigest(secret) });
 * events.registered({ user, client: { ip, userAgent } });
 */
export function createSecurityEvents(options: {
  readonly metrics?: JwtgateMetrics | undefined;
  readonly audit?: AuditLog | undefined;
  readonly usernameDigest: UsernameDigest;
  /**
   * Told of each change to how an account signs in, once it is made (the
   * security notices); must not throw. Not told of an identity linked by the
   * sign-up that made the account: nothing changed for an account that did not exist.
   */
  readonly accountChanged?: ((report: AccountChangeReport) => void) | undefined;
}): SecurityEvents {
  const { metrics, audit, usernameDigest } = options;
  const changed = (report: AccountChangeReport) => options.accountChanged?.(report);
  return {
    loginSucceeded({ user, sessionId, device, client, amr }) {
      metrics?.login('success');
      audit?.record({
        event: 'login.succeeded',
        userId: user.id,
        username: user.username,
        usernameDigest: usernameDigest(user.username),
        sessionId,
        device,
        amr: amr ?? ['pwd'],
        ...client,
      });
    },
    mfaChanged({ change, userId, client, method }) {
      changed({ userId, client, change: MFA_CHANGES[change][method ?? 'totp'] });
      if (change === 'recovery-codes-renewed') {
        audit?.record({ event: 'mfa.recovery-codes-renewed', userId, ...client });
        return;
      }
      audit?.record({
        event: change === 'enrolled' ? 'mfa.enrolled' : 'mfa.removed',
        userId,
        method: method ?? 'totp',
        ...client,
      });
    },
    mfaFailed({ userId, error, client }) {
      if (isAuthError(error, 'ERR_RATE_LIMITED')) {
        const retryAfterSec = Number(error.headers?.['retry-after'] ?? 0);
        audit?.record({ event: 'mfa.rate-limited', userId, retryAfterSec, ...client });
        return;
      }
      if (
        !isAuthError(error, 'ERR_MFA_CODE_INVALID') &&
        !isAuthError(error, 'ERR_MFA_TOKEN_INVALID') &&
        !isAuthError(error, 'ERR_PASSKEY_INVALID')
      ) {
        return;
      }
      audit?.record({ event: 'mfa.failed', userId, reason: error.reason ?? 'unknown', ...client });
    },
    recoveryCodeUsed({ userId, recoveryCodesLeft, client }) {
      audit?.record({ event: 'mfa.recovery-code-used', userId, recoveryCodesLeft, ...client });
    },
    passkeyCloned({ userId, credentialId, storedCounter, presentedCounter, client }) {
      audit?.record({ event: 'mfa.passkey-cloned', userId, credentialId, storedCounter, presentedCounter, ...client });
    },
    adminResetMfa({ actor, userId, revokedSessions, removed, client, error }) {
      if (error === undefined && removed !== false) {
        changed({ userId, change: 'second-factors-reset', client: { ip: null, userAgent: null } });
      }
      audit?.record({
        event: 'admin.mfa-reset',
        ...adminActorFields(actor),
        userId,
        revokedSessions,
        ...outcomeOf(error),
        ...client,
      });
    },
    loginRefused({ error, attempted, client }) {
      if (isAuthError(error, 'ERR_RATE_LIMITED')) {
        metrics?.login('rate-limited');
        const retryAfterSec = Number(error.headers?.['retry-after'] ?? 0);
        audit?.record({
          event: 'login.rate-limited',
          usernameDigest: usernameDigest(attempted),
          retryAfterSec,
          ...client,
        });
        return;
      }
      if (!isAuthError(error, 'ERR_INVALID_CREDENTIALS') && !isAuthError(error, 'ERR_EMAIL_NOT_VERIFIED')) return;
      const reason = error.reason ?? 'unknown';
      metrics?.login('failure', reason);
      audit?.record({
        event: 'login.failed',
        reason,
        // The account was found under this name, so it is a username and not a stray password.
        ...(EXISTING_ACCOUNT_REASONS.has(reason) ? { username: displayName(attempted) } : {}),
        // So that the account's trail, filtered by user, shows the guesses at its password.
        ...(error.userId === undefined ? {} : { userId: error.userId }),
        usernameDigest: usernameDigest(attempted),
        ...client,
      });
    },
    emailStep(event, client) {
      if (event.step === 'requested') {
        audit?.record({
          event: 'email.requested',
          purpose: event.purpose,
          ...(event.userId === undefined ? {} : { userId: event.userId }),
          ...(event.reason === undefined ? {} : { reason: event.reason }),
          ...client,
        });
        return;
      }
      metrics?.emailToken(event.step, event.purpose);
      if (event.step === 'used') {
        audit?.record({ event: 'email.used', purpose: event.purpose, userId: event.userId ?? '', ...client });
        return;
      }
      audit?.record({
        event: 'email.refused',
        purpose: event.purpose,
        reason: event.reason ?? 'unknown',
        ...(event.userId === undefined ? {} : { userId: event.userId }),
        ...client,
      });
    },
    mailQueued(kind) {
      metrics?.mail('queued', kind);
    },
    mailDelivered(outcome, { kind, attempts, error }) {
      metrics?.mail(outcome, kind);
      const client = { ip: null, userAgent: null };
      if (outcome === 'sent') audit?.record({ event: 'email.mailed', kind, attempts, ...client });
      else audit?.record({ event: 'email.failed', kind, attempts, error: error ?? 'unknown', ...client });
    },
    passwordReset({ userId, revokedSessions, client }) {
      changed({ userId, change: 'password-reset', client });
      audit?.record({ event: 'password.reset', userId, revokedSessions, ...client });
    },
    emailChanged({ userId, client }) {
      audit?.record({ event: 'email.changed', userId, ...client });
    },
    registered({ user, client, invitationId, by }) {
      metrics?.registration('created');
      audit?.record({
        event: 'user.registered',
        userId: user.id,
        username: user.username,
        ...(invitationId === undefined ? {} : { invitationId }),
        ...(by === undefined ? {} : { actor: 'cli', operator: by.operator, role: user.role }),
        ...client,
      });
    },
    registrationRefused() {
      metrics?.registration('refused');
    },
    session(event) {
      const client = { ip: event.ip ?? null, userAgent: event.userAgent ?? null };
      switch (event.type) {
        case 'session.created':
          // Sessions are created by a login, whose record (login.succeeded) names the session.
          return;
        case 'session.refreshed':
        case 'session.refresh-replayed':
        case 'session.reuse-detected':
          metrics?.refresh(
            event.type === 'session.refreshed'
              ? 'rotated'
              : event.type === 'session.refresh-replayed'
                ? 'grace-replay'
                : 'reuse-detected',
          );
          audit?.record({
            event: event.type,
            sessionId: event.sessionId,
            userId: event.userId,
            generation: event.generation ?? 0,
            ...client,
          });
          return;
        case 'session.revoked': {
          const reason = event.reason ?? 'unknown';
          metrics?.sessionRevoked(reason);
          const actor = event.actor ?? { kind: 'system' };
          audit?.record({
            event: 'session.revoked',
            sessionId: event.sessionId,
            userId: event.userId,
            reason,
            actor: actor.kind,
            ...(actor.id === undefined ? {} : { actorId: actor.id }),
          });
          return;
        }
      }
    },
    refreshFailed(error) {
      if (metrics === undefined || !isAuthError(error)) return;
      if (error.code === 'ERR_REFRESH_TOKEN_EXPIRED') metrics.refresh('expired');
      else if (error.code === 'ERR_REFRESH_TOKEN_INVALID') metrics.refresh('invalid');
      else if (error.code === 'ERR_SESSION_REVOKED') metrics.refresh('revoked');
    },
    silentRefresh(outcome) {
      metrics?.silentRefresh(outcome);
    },
    refreshRateExceeded({ sessionId, ip, userAgent, retryAfterSec }) {
      audit?.record({ event: 'session.refresh-rate-exceeded', sessionId, retryAfterSec, ip, userAgent });
    },
    adminChangedUser({ actor, userId, changes, revokedSessions, client, error }) {
      const recorded = {
        ...(changes.disabled === undefined ? {} : { disabled: changes.disabled }),
        ...(changes.role === undefined ? {} : { role: changes.role }),
      };
      audit?.record({
        event: 'admin.user-changed',
        ...adminActorFields(actor),
        userId,
        changes: recorded,
        revokedSessions,
        ...outcomeOf(error),
        ...client,
      });
    },
    adminSetUserDisabled({ actor, userId, disabled, revokedSessions, client, error }) {
      audit?.record({
        event: disabled ? 'admin.user-disabled' : 'admin.user-enabled',
        ...adminActorFields(actor),
        userId,
        revokedSessions,
        ...outcomeOf(error),
        ...client,
      });
    },
    adminSignedUserOut({ actor, userId, revokedSessions, client, error }) {
      audit?.record({
        event: 'admin.user-signed-out',
        ...adminActorFields(actor),
        userId,
        revokedSessions,
        ...outcomeOf(error),
        ...client,
      });
    },
    userDeleted({ userId, by, revokedSessions, client, error }) {
      audit?.record({
        event: 'user.deleted',
        userId,
        ...(by === 'self' ? { actor: 'self' } : { actor: by.kind, ...adminActorFields(by) }),
        revokedSessions,
        ...outcomeOf(error),
        ...client,
      });
    },
    adminInvitation({ actor, change, invitationId, role, client, error }) {
      audit?.record({
        event: change === 'created' ? 'admin.invitation-created' : 'admin.invitation-revoked',
        ...adminActorFields(actor),
        ...(invitationId === undefined ? {} : { invitationId }),
        ...(role === undefined ? {} : { role }),
        ...outcomeOf(error),
        ...client,
      });
    },
    adminRevokedSession({ actor, sessionId, client, error }) {
      audit?.record({
        event: 'admin.session-revoked',
        ...adminActorFields(actor),
        sessionId,
        ...outcomeOf(error),
        ...client,
      });
    },
    adminSentPasswordReset({ actor, userId, client, error }) {
      audit?.record({
        event: 'admin.password-reset-sent',
        ...adminActorFields(actor),
        userId,
        ...outcomeOf(error),
        ...client,
      });
    },
    adminSetPassword({ actor, userId, revokedSessions, client, error }) {
      if (error === undefined) changed({ userId, change: 'password-set', client: { ip: null, userAgent: null } });
      audit?.record({
        event: 'admin.password-set',
        ...adminActorFields(actor),
        userId,
        revokedSessions,
        ...outcomeOf(error),
        ...client,
      });
    },
    passwordChanged({ userId, sessionId, revokedSessions, client }) {
      changed({ userId, change: 'password-changed', client });
      audit?.record({ event: 'password.changed', userId, sessionId, revokedSessions, ...client });
    },
    passwordChangeRefused({ userId, sessionId, error, client }) {
      const reason = PASSWORD_CHANGE_REFUSALS.get(isAuthError(error) ? error.code : '');
      if (reason === undefined) return;
      audit?.record({
        event: 'password.change-failed',
        userId,
        sessionId,
        // The current password's own reason (wrong, or too long to hash) when there is one.
        reason: isAuthError(error, 'ERR_WRONG_CURRENT_PASSWORD') ? (error.reason ?? reason) : reason,
        ...client,
      });
    },
    adminAccessDenied({ userId, method, route, client }) {
      audit?.record({ event: 'admin.access-denied', userId, method, route, ...client });
    },
    oauthFailed({ provider, error, userId, client }) {
      audit?.record({
        event: 'oauth.failed',
        provider,
        code: isAuthError(error) ? error.code : 'ERR_INTERNAL',
        reason: (isAuthError(error) ? error.reason : undefined) ?? 'unknown',
        ...(userId === undefined ? {} : { userId }),
        ...client,
      });
    },
    providerLogout({ provider, ended, by, channel, client }) {
      audit?.record({ event: 'session.provider-logout', provider, ended, by, channel, ...client });
    },
    identityChanged({ change, userId, provider, because, client }) {
      if (because !== 'sign-up') {
        changed({ userId, provider, client, change: change === 'linked' ? 'identity-linked' : 'identity-unlinked' });
      }
      if (change === 'unlinked') {
        audit?.record({ event: 'identity.unlinked', userId, provider, ...client });
        return;
      }
      audit?.record({ event: 'identity.linked', userId, provider, because: because ?? 'signed-in', ...client });
    },
    unprovenWaysInRemoved({ client, ...removed }) {
      audit?.record({ event: 'account.unproven-ways-in-removed', ...removed, ...client });
    },
  };
}
