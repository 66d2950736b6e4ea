import type {
  AuditStore,
  Clock,
  IdentityStore,
  LoginThrottle,
  PasswordHasher,
  PasswordScreen,
  RegistrationThrottle,
  SessionManager,
  UserStore,
} from '@jwtgate/core';
import type { FastifyRequest } from 'fastify';
import type { AuditRequestContext } from '../audit/audit-context.js';
import type { SecurityEvents } from '../audit/security-events.js';
import type { ProviderLogout } from '../oauth/provider-logout.js';
import type { InvitationRouteDeps } from './invitation-route-deps.js';
import type { MailRouteDeps } from './mail-route-deps.js';
import type { MfaRouteDeps } from './mfa-login.js';
import type { OriginPolicy } from './origin-policy.js';
import type { RefreshCookie } from './refresh-cookie.js';

/** What the route plugins need; assembled by `buildApp`. */
export interface RouteDeps {
  readonly sessions: SessionManager;
  readonly users: UserStore;
  readonly hasher: PasswordHasher;
  /** Judges new passwords (`Passwords`): common, breached; none when absent. */
  readonly passwordScreen?: PasswordScreen | undefined;
  /** The service's words no new password may be made of (the service name, `Passwords.ContextWords`). */
  readonly contextWords?: readonly string[] | undefined;
  readonly clock: Clock;
  readonly throttle: LoginThrottle;
  readonly registrationThrottle: RegistrationThrottle;
  /** Told of logins, registrations and admin actions, for metrics and the audit trail. */
  readonly events?: SecurityEvents | undefined;
  /** Second factors; absent when they are off (no `Mfa.EncryptionKey` in production). */
  readonly mfa?: MfaRouteDeps | undefined;
  /** Makes new users' ids (`Auth.UserIdFormat`); random UUIDs when absent. */
  readonly newUserId?: (() => string) | undefined;
  /** `Auth.RequireEmail` and `Auth.RequireVerifiedEmail`; both off when omitted. */
  readonly emailPolicy?: EmailPolicy | undefined;
  /** Mail and the flows that use it; omitted, the mail routes do not exist. */
  readonly mail?: MailRouteDeps | undefined;
  /** Invitations to register; omitted, `/admin/invitations` does not exist and no invitation is accepted. */
  readonly invitations?: InvitationRouteDeps | undefined;
  /** Who may register, and what deleting an account and metadata are held to; {@link DEFAULT_ACCOUNT_POLICY} when omitted. */
  readonly accounts?: AccountPolicy | undefined;
  /** Identities at identity providers, for exports; omitted when sign-in with them is off. */
  readonly identities?: Pick<IdentityStore, 'listByUser'> | undefined;
  /** The audit trail kept in the database, for exports and for anonymising it at a deletion; omitted when it is off. */
  readonly auditTrail?: AuditTrail | undefined;
  /** Logout at identity providers; omitted when sign-in with them is off. */
  readonly providerLogout?: ProviderLogout | undefined;
}

/** `Register.Enabled`, `Register.InvitationTtl`, `Register.ConcealTakenEmail` and the `Accounts` section. */
export interface AccountPolicy {
  readonly registrationOpen: boolean;
  /** A registration with a taken address is answered like one with a new address (needs mail); off when absent. */
  readonly concealTakenEmail?: boolean;
  readonly invitationTtlSec: number;
  readonly usernameQuarantineSec: number;
  readonly userMetadataMaxBytes: number;
}

/** The defaults of the configuration, for apps assembled without one. */
export const DEFAULT_ACCOUNT_POLICY: AccountPolicy = {
  registrationOpen: true,
  invitationTtlSec: 7 * 86_400,
  usernameQuarantineSec: 30 * 86_400,
  userMetadataMaxBytes: 4096,
};

/** The audit records in the database. */
export interface AuditTrail {
  readonly store: AuditStore;
  /** Writes the records still queued in memory, so a deletion anonymises them too. */
  flush(): Promise<void>;
}

/** What accounts must have of an email address. */
export interface EmailPolicy {
  readonly requireEmail: boolean;
  readonly requireVerifiedEmail: boolean;
}

/** What the routes that may set, read or delete the refresh cookie also need. */
export interface CookieRouteDeps extends RouteDeps {
  /** `null` when cookie mode is off. */
  readonly refreshCookie: RefreshCookie | null;
  readonly origins: OriginPolicy;
}

const USER_AGENT_MAX = 512;

/** Where a request comes from, as recorded on sessions. */
export function clientInfo(request: FastifyRequest): { ip: string | null; userAgent: string | null } {
  const agent = request.headers['user-agent'];
  return {
    ip: request.ip || null,
    userAgent: typeof agent === 'string' && agent.length > 0 ? agent.slice(0, USER_AGENT_MAX) : null,
  };
}

/**
 * What the audit trail records of a request: its id, its client, and the
 * caller's session once the guard has verified an access token (both read
 * lazily: the session exists only after the guard ran, and most requests
 * record nothing).
 *
 * @example
 * runInAuditContext(auditContextOf(request), done);
 */
export function auditContextOf(request: FastifyRequest): AuditRequestContext {
  return {
    requestId: request.id,
    log: request.log,
    client: () => clientInfo(request),
    sessionId: () => request.auth?.sid,
  };
}
