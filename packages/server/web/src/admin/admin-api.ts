import type { JwtgateClient, JwtgateClientError, PublicUser, SessionInfo } from '@jwtgate/client';

/** A user as the admin API shows them. */
export interface AdminUser extends PublicUser {
  readonly disabled: boolean;
  readonly updatedAt: string;
}

/** A user in a listing: with whether they have a second factor. */
export interface ListedUser extends AdminUser {
  readonly secondFactor: boolean;
}

/** A session as the admin API shows it. */
export interface AdminSession extends SessionInfo {
  readonly expiresAt: string;
  readonly authTime: string;
}

/** One user's page: the account, their active sessions, their second factors. */
export interface UserDetail {
  readonly user: AdminUser;
  readonly sessions: readonly AdminSession[];
  readonly factors: {
    readonly available: boolean;
    readonly totp: boolean;
    readonly totpSince: string | null;
    readonly recoveryCodesLeft: number;
    readonly passkeys: readonly {
      readonly name: string;
      readonly createdAt: string;
      readonly lastUsedAt: string | null;
      readonly backedUp: boolean;
    }[];
  };
  readonly identities: readonly {
    readonly provider: string;
    readonly subject: string;
    readonly email: string | null;
    readonly emailVerified: boolean;
    readonly displayName: string | null;
    readonly linkedAt: string;
    readonly lastSignInAt: string;
  }[];
  /** How long the username stays taken after a deletion. */
  readonly usernameQuarantineSeconds: number;
}

/** What a listing of users is narrowed by (`GET /admin/users`). */
export interface UserQuery {
  readonly search?: string;
  readonly searchIn?: 'username' | 'email';
  readonly role?: string;
  readonly disabled?: boolean;
  readonly verified?: boolean;
  readonly secondFactor?: boolean;
  readonly cursor?: string;
  readonly limit?: number;
}

/** One audit record (`GET /admin/audit`). */
export interface AuditEntry {
  readonly id: string;
  readonly at: string;
  readonly event: string;
  readonly outcome: 'success' | 'failure' | 'denied' | 'alert';
  readonly userId: string | null;
  readonly sessionId: string | null;
  readonly actorId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly requestId: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

/** What the audit trail is filtered by. */
export interface AuditQuery {
  readonly userId?: string;
  readonly sessionId?: string;
  readonly event?: readonly string[];
  readonly outcome?: string;
  readonly ip?: string;
  readonly since?: string;
  readonly until?: string;
  readonly cursor?: string;
}

/** A count that may have stopped at its limit. */
export interface Count {
  readonly count: number;
  readonly capped: boolean;
}

/** The figures of `GET /admin/overview`. */
export interface Overview {
  readonly at: string;
  readonly users: Count;
  readonly admins: Count;
  readonly disabledUsers: Count;
  readonly activeSessions: Count;
  readonly last24h: {
    readonly logins: Count;
    readonly loginFailures: Count;
    readonly reuseDetections: Count;
    readonly rateLimited: Count;
    readonly hourly: readonly { readonly hour: string; readonly logins: number; readonly failures: number }[];
  } | null;
}

/** What a change of a user's access answers. */
export interface UserChanged {
  readonly user: AdminUser;
  readonly revokedSessions: number;
}

/** An invitation to register (`GET /admin/invitations`); never its link. */
export interface Invitation {
  readonly id: string;
  readonly email: string;
  readonly role: string;
  readonly status: 'pending' | 'used' | 'expired' | 'revoked';
  /** The administrator who made it; `null` when made with `jwtgate invite create`. */
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly usedAt: string | null;
  readonly userId: string | null;
  readonly revokedAt: string | null;
}

/** What making an invitation answers: `link` only when the server sends no mail. */
export interface InvitationMade {
  readonly invitation: Invitation;
  readonly mailed: boolean;
  readonly link?: string;
}

/** The `/admin/*` API as the console calls it: every method one request, refused by the server for a non-administrator. */
export interface AdminApi {
  listUsers(query: UserQuery): Promise<{ users: readonly ListedUser[]; nextCursor: string | null }>;
  user(id: string): Promise<UserDetail>;
  setDisabled(id: string, disabled: boolean): Promise<UserChanged>;
  setRole(id: string, role: string): Promise<UserChanged>;
  logout(id: string): Promise<{ revoked: number }>;
  deleteUser(id: string): Promise<{ deleted: AdminUser; revokedSessions: number }>;
  resetSecondFactors(id: string): Promise<{ removed: boolean; revokedSessions: number }>;
  endSession(id: string): Promise<void>;
  sendPasswordReset(id: string): Promise<{ email: string }>;
  audit(query: AuditQuery): Promise<{ records: readonly AuditEntry[]; nextCursor: string | null }>;
  overview(): Promise<Overview>;
  invite(email: string, role: string): Promise<InvitationMade>;
  invitations(query: {
    readonly status?: string;
    readonly cursor?: string;
  }): Promise<{ invitations: readonly Invitation[]; nextCursor: string | null }>;
  revokeInvitation(id: string): Promise<{ invitation: Invitation }>;
}

/** Turns an answer that is not a success into the SDK's coded error. */
export type ErrorReader = (response: Response) => Promise<JwtgateClientError>;

function queryString(values: Readonly<Record<string, unknown>>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === '') continue;
    for (const one of Array.isArray(value) ? value : [value]) params.append(name, String(one));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * The console's calls to the admin API, through the SDK's `fetch` (access
 * token attached, refreshed once on a 401). A refusal is the server's coded
 * error; `refused` hears of every `ERR_FORBIDDEN` first, so the console can
 * close itself when the account stops being an administrator mid-session.
 *
 * @example
 * const api = createAdminApi(client, errorFromResponse, () => showRefused());
 * const { users } = await api.listUsers({ search: 'ali' });
 */
export function createAdminApi(client: JwtgateClient, readError: ErrorReader, refused: () => void): AdminApi {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await client.fetch(path, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    if (!response.ok) {
      const error = await readError(response);
      if (error.code === 'ERR_FORBIDDEN') refused();
      throw error;
    }
    return (response.status === 204 ? undefined : await response.json()) as T;
  }
  const user = (id: string) => `/admin/users/${encodeURIComponent(id)}`;
  return {
    listUsers: (query) => call('GET', `/admin/users${queryString({ limit: 25, ...query })}`),
    user: (id) => call('GET', user(id)),
    setDisabled: (id, disabled) => call('POST', `${user(id)}/${disabled ? 'disable' : 'enable'}`),
    setRole: (id, role) => call('PATCH', user(id), { role }),
    logout: (id) => call('POST', `${user(id)}/logout`),
    deleteUser: (id) => call('DELETE', user(id)),
    resetSecondFactors: (id) => call('DELETE', `${user(id)}/mfa`),
    endSession: (id) => call('DELETE', `/admin/sessions/${encodeURIComponent(id)}`),
    sendPasswordReset: (id) => call('POST', `${user(id)}/password-reset`),
    audit: (query) => call('GET', `/admin/audit${queryString({ limit: 50, ...query })}`),
    overview: () => call('GET', '/admin/overview'),
    invite: (email, role) => call('POST', '/admin/invitations', { email, role }),
    invitations: (query) => call('GET', `/admin/invitations${queryString({ limit: 25, ...query })}`),
    revokeInvitation: (id) => call('DELETE', `/admin/invitations/${encodeURIComponent(id)}`),
  };
}
