import {
  AUDIT_PAGE_MAX,
  type AuditStore,
  type IdentityStore,
  type MfaStore,
  type PasskeyStore,
  type SessionManager,
  type SessionRecord,
  type StoredAuditRecord,
  type UserRecord,
} from '@jwtgate/core';

/** Everything jwtgate holds about one user, as `GET /auth/me/export` answers it. */
export interface AccountExport {
  readonly exportedAt: string;
  readonly user: {
    readonly id: string;
    readonly username: string;
    readonly role: string;
    readonly disabled: boolean;
    readonly email: string | null;
    readonly emailVerifiedAt: string | null;
    readonly createdAt: string;
    readonly updatedAt: string;
    readonly appMetadata: Readonly<Record<string, unknown>>;
    readonly userMetadata: Readonly<Record<string, unknown>>;
  };
  /** The active sessions, newest first. */
  readonly sessions: readonly SessionRecord[];
  readonly secondFactors: {
    readonly totp: boolean;
    readonly totpSince: string | null;
    readonly recoveryCodesLeft: number;
  } | null;
  /** The user's passkeys (their names and use; public keys are no secret but say nothing to a person); `null` when passkeys are off. */
  readonly passkeys:
    | readonly {
        readonly id: string;
        readonly name: string;
        readonly deviceType: string;
        readonly backedUp: boolean;
        readonly createdAt: string;
        readonly lastUsedAt: string | null;
      }[]
    | null;
  /** The user's identities at identity providers (never the provider's tokens); `null` when that sign-in is off. */
  readonly identities:
    | readonly {
        readonly provider: string;
        readonly subject: string;
        readonly email: string | null;
        readonly emailVerified: boolean;
        readonly displayName: string | null;
        readonly createdAt: string;
        readonly lastSignInAt: string;
      }[]
    | null;
  /** The user's audit records, newest first; `null` when the trail is not kept in the database. */
  readonly audit: readonly StoredAuditRecord[] | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Gathers what jwtgate keeps about `user`: the account (never its password
 * hash or credential version), its active sessions (never their token
 * hashes), whether it has second factors (never their secrets), and its audit
 * records, read page by page, however many.
 *
 * @example
 * const data = await exportAccount({ sessions, factors, audit, now }, user);
 */
export async function exportAccount(
  deps: {
    readonly sessions: Pick<SessionManager, 'list'>;
    readonly factors?: Pick<MfaStore, 'get'> | undefined;
    readonly passkeys?: Pick<PasskeyStore, 'list'> | undefined;
    readonly identities?: Pick<IdentityStore, 'listByUser'> | undefined;
    readonly audit?: Pick<AuditStore, 'query'> | undefined;
    readonly now: number;
  },
  user: UserRecord,
): Promise<AccountExport> {
  const sessions = await deps.sessions.list(user.id);
  const factors = deps.factors === undefined ? null : await deps.factors.get(user.id);
  const passkeys = deps.passkeys === undefined ? null : await deps.passkeys.list(user.id);
  const identities = deps.identities === undefined ? null : await deps.identities.listByUser(user.id);
  let audit: StoredAuditRecord[] | null = null;
  if (deps.audit !== undefined) {
    audit = [];
    let cursor: string | undefined;
    do {
      const page = await deps.audit.query({
        userId: user.id,
        limit: AUDIT_PAGE_MAX,
        ...(cursor === undefined ? {} : { cursor }),
      });
      audit.push(...page.records);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }
  return {
    exportedAt: iso(deps.now),
    user: {
      id: user.id,
      username: user.username,
      role: user.role,
      disabled: user.disabled,
      email: user.email ?? null,
      emailVerifiedAt: user.emailVerifiedAt == null ? null : iso(user.emailVerifiedAt),
      createdAt: iso(user.createdAt),
      updatedAt: iso(user.updatedAt),
      appMetadata: user.appMetadata ?? {},
      userMetadata: user.userMetadata ?? {},
    },
    sessions,
    secondFactors:
      factors === null
        ? null
        : {
            totp: factors.totp?.confirmedAt != null,
            totpSince: factors.totp?.confirmedAt == null ? null : iso(factors.totp.confirmedAt),
            recoveryCodesLeft: factors.recoveryCodesLeft,
          },
    passkeys:
      passkeys?.map((p) => ({
        id: p.id,
        name: p.name,
        deviceType: p.deviceType,
        backedUp: p.backedUp,
        createdAt: iso(p.createdAt),
        lastUsedAt: p.lastUsedAt === null ? null : iso(p.lastUsedAt),
      })) ?? null,
    identities:
      identities?.map((i) => ({
        provider: i.provider,
        subject: i.subject,
        email: i.email,
        emailVerified: i.emailVerified,
        displayName: i.displayName,
        createdAt: iso(i.createdAt),
        lastSignInAt: iso(i.lastSignInAt),
      })) ?? null,
    audit,
  };
}
