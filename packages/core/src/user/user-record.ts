/** A user as stores keep it. Times are milliseconds since the epoch. */
export interface UserRecord {
  readonly id: string;
  /** The username as the user chose it, NFKC-normalised. */
  readonly username: string;
  /** The case-folded form that uniqueness is enforced on. */
  readonly usernameKey: string;
  /** An argon2id PHC string; never leaves the server. */
  readonly passwordHash: string;
  readonly role: string;
  readonly disabled: boolean;
  /**
   * Raised by every change of what lets the user in or what their tokens
   * say (password, role, disabling; and email, factors and password reset as
   * they arrive), always through `changeCredentials`. A session records
   * the version it was started from, and is refused once the user's has moved.
   */
  readonly credentialVersion: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** The email address as given (trimmed, NFC), or `null` (absent: none) for an account without one. */
  readonly email?: string | null;
  /** The case-folded address that uniqueness and look-ups use; set exactly when `email` is. */
  readonly emailKey?: string | null;
  /** When the address was proven to reach the user (a link or code mailed to it was used); `null` until then. */
  readonly emailVerifiedAt?: number | null;
  /** What administrators keep about the user (a plan, a tenant…); absent: `{}`. The user can read it, never change it. */
  readonly appMetadata?: MetadataObject;
  /** What the user keeps about themselves (a display name, preferences…); absent: `{}`. Size-limited. */
  readonly userMetadata?: MetadataObject;
}

/** A JSON object, as metadata is kept: plain JSON values only. */
export type MetadataObject = Readonly<Record<string, unknown>>;

/** What clients may see of a user. */
export interface PublicUser {
  readonly id: string;
  readonly username: string;
  readonly role: string;
  /** ISO 8601. */
  readonly createdAt: string;
  /** Present when the account has an email address. */
  readonly email?: string;
  /** Present with `email`: whether it has been verified. */
  readonly emailVerified?: boolean;
}

/** Strips everything secret or internal from a user. */
export function toPublicUser(user: UserRecord): PublicUser {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    createdAt: new Date(user.createdAt).toISOString(),
    ...(user.email == null ? {} : { email: user.email, emailVerified: user.emailVerifiedAt != null }),
  };
}
