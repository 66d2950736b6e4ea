import type { ColumnType } from 'kysely';

/**
 * Millisecond timestamps are BIGINT columns. Some drivers hand BIGINT back as
 * strings (pg) or bigint; rows are mapped through `Number()` on the way out.
 */
type Millis = ColumnType<number | string | bigint, number, number>;
type NullableMillis = ColumnType<number | string | bigint | null, number | null, number | null>;

export interface UsersTable {
  id: string;
  username: string;
  username_key: string;
  password_hash: string;
  role: string;
  /** 0 or 1; booleans differ too much between dialects to be worth it. */
  disabled: ColumnType<number | boolean, number, number>;
  credential_version: ColumnType<number | string, number | undefined, number>;
  created_at: Millis;
  updated_at: Millis;
  /** As the user gave it (trimmed, NFC); `null` for accounts without one. */
  email: ColumnType<string | null, string | null | undefined, string | null>;
  /** The case-folded address; unique where not null. */
  email_key: ColumnType<string | null, string | null | undefined, string | null>;
  email_verified_at: ColumnType<number | string | bigint | null, number | null | undefined, number | null>;
  /** JSON text of the object; `null` while it is empty. */
  app_metadata: ColumnType<string | null, string | null | undefined, string | null>;
  user_metadata: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Usernames of deleted accounts, taken until `until`. */
export interface UsernameQuarantineTable {
  username_key: string;
  until: Millis;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  device: string | null;
  ip: string | null;
  user_agent: string | null;
  created_at: Millis;
  last_used_at: Millis;
  expires_at: Millis;
  refresh_expires_at: Millis;
  generation: ColumnType<number | string, number, number>;
  current_hash: string;
  previous_hash: string | null;
  rotated_at: NullableMillis;
  revoked_at: NullableMillis;
  revoke_reason: string | null;
  /** RFC 8176 methods, space-separated; `null` on sessions from before migration 0012 (a password). */
  amr: string | null;
  auth_time: NullableMillis;
  credential_version: ColumnType<number | string, number | undefined, number>;
}

/** One row per user, locked by session writes so that they take turns per user. */
export interface SessionLocksTable {
  user_id: string;
  locked_at: Millis;
}

/** Failed-attempt counters: one row per key digest, in a fixed window ending at `reset_at`. */
export interface AttemptsTable {
  attempt_key: string;
  failures: ColumnType<number | string, number, number>;
  reset_at: Millis;
}

/** The audit trail: one row per record, the fields queries filter on as columns. */
export interface AuditTable {
  id: string;
  at: Millis;
  event: string;
  outcome: string;
  user_id: string | null;
  session_id: string | null;
  actor_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  /** The event's other fields, as JSON text (the same on every dialect). */
  details: string;
}

/** A user's authenticator-app secret, sealed (`v1.<key id>.…`). */
export interface MfaTotpTable {
  user_id: string;
  secret: string;
  confirmed_at: NullableMillis;
  last_used_step: ColumnType<number | string | bigint | null, number | null, number | null>;
  created_at: Millis;
}

/** One row per recovery code: its hash, and when it was spent. */
export interface MfaRecoveryCodesTable {
  user_id: string;
  code_hash: string;
  used_at: NullableMillis;
  created_at: Millis;
}

/** A passkey: a WebAuthn credential's public key and what is kept of its uses. */
export interface PasskeysTable {
  id: string;
  user_id: string;
  public_key: string;
  counter: ColumnType<number | string | bigint, number, number>;
  /** Space-separated. */
  transports: string;
  device_type: string;
  backup_eligible: ColumnType<number | boolean, number, number>;
  backed_up: ColumnType<number | boolean, number, number>;
  name: string;
  created_at: Millis;
  last_used_at: NullableMillis;
}

/** A WebAuthn challenge waiting for its answer, by the hash of the challenge. */
export interface PasskeyChallengesTable {
  id: string;
  purpose: string;
  user_id: string | null;
  login_challenge_id: string | null;
  expires_at: Millis;
}

/** Logins waiting for their second factor, by the hash of their mfaToken. */
export interface LoginChallengesTable {
  id: string;
  user_id: string;
  purpose: string;
  network: string | null;
  user_agent: string | null;
  device: string | null;
  cookie: ColumnType<number | boolean, number, number>;
  /** Space-separated RFC 8176 methods. */
  amr: string;
  auth_time: Millis;
  expires_at: Millis;
  /** `null` only on rows from before migration 0012_mfa_credential_version. */
  credential_version: ColumnType<number | string | bigint | null, number | null, number | null>;
  /** A provider sign-in's sealed logout hint (0023); `null` for other logins. */
  provider_hint: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Emailed one-time secrets, as keyed hashes. */
export interface EmailTokensTable {
  id: string;
  user_id: string;
  purpose: string;
  email: string;
  link_hash: string;
  code_hash: string | null;
  stamp: string;
  attempts: ColumnType<number | string, number, number>;
  created_at: Millis;
  expires_at: Millis;
  used_at: NullableMillis;
}

/** The mail outbox: written with the secret, delivered by the sender. */
export interface MailOutboxTable {
  id: string;
  user_id: string | null;
  kind: string;
  recipient: string;
  /** Sealed (AES-GCM) subject and bodies; `null` once sent or failed. */
  payload: string | null;
  status: string;
  attempts: ColumnType<number | string, number, number>;
  next_attempt_at: Millis;
  claimed_by: string | null;
  lease_until: NullableMillis;
  last_error: string | null;
  created_at: Millis;
  sent_at: NullableMillis;
}

/** A user's identities at identity providers, keyed by provider and subject. */
export interface IdentitiesTable {
  provider: string;
  subject: string;
  user_id: string;
  email: string | null;
  email_verified: ColumnType<number | boolean, number, number>;
  display_name: string | null;
  created_at: Millis;
  last_sign_in_at: Millis;
  /** The provider's tokens, sealed (AES-GCM), only with `OAuth.StoreProviderTokens`. */
  sealed_tokens: string | null;
}

/** Invitations to register: the link's hash only; `user_id` is the account registered with it. */
export interface InvitationsTable {
  id: string;
  email: string;
  email_key: string;
  role: string;
  link_hash: string;
  created_by: string | null;
  created_at: Millis;
  expires_at: Millis;
  used_at: NullableMillis;
  user_id: string | null;
  revoked_at: NullableMillis;
}

/** A provider sign-in's id token (sealed), kept for the session's logout at the provider. */
export interface ProviderLogoutHintsTable {
  session_id: string;
  user_id: string;
  provider: string;
  sealed_id_token: string;
  expires_at: Millis;
}

/** The provider session of a jwtgate session begun at a provider with back-channel logout (0024). */
export interface ProviderSessionsTable {
  session_id: string;
  user_id: string;
  provider: string;
  subject: string;
  provider_sid: string | null;
  expires_at: Millis;
}

/** Logout tokens already accepted, by a digest of provider and `jti`, until they could not be accepted anyway (0024). */
export interface LogoutTokensTable {
  token_key: string;
  expires_at: Millis;
}

/** Every table jwtgate owns; all are prefixed so they can share a database. */
export interface JwtgateDatabase {
  jwtgate_users: UsersTable;
  jwtgate_sessions: SessionsTable;
  jwtgate_session_locks: SessionLocksTable;
  jwtgate_attempts: AttemptsTable;
  jwtgate_audit: AuditTable;
  jwtgate_mfa_totp: MfaTotpTable;
  jwtgate_mfa_recovery_codes: MfaRecoveryCodesTable;
  jwtgate_login_challenges: LoginChallengesTable;
  jwtgate_passkeys: PasskeysTable;
  jwtgate_passkey_challenges: PasskeyChallengesTable;
  jwtgate_email_tokens: EmailTokensTable;
  jwtgate_mail_outbox: MailOutboxTable;
  jwtgate_username_quarantine: UsernameQuarantineTable;
  jwtgate_identities: IdentitiesTable;
  jwtgate_invitations: InvitationsTable;
  jwtgate_provider_logout_hints: ProviderLogoutHintsTable;
  jwtgate_provider_sessions: ProviderSessionsTable;
  jwtgate_logout_tokens: LogoutTokensTable;
}

export function toMillis(value: number | string | bigint): number {
  return typeof value === 'number' ? value : Number(value);
}

export function toNullableMillis(value: number | string | bigint | null): number | null {
  return value === null ? null : toMillis(value);
}
