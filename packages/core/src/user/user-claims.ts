import type { CustomClaimsHook } from '../session/session-context.js';
import { reservedClaims } from '../token/claims.js';
import { isInt64Id, userIdClaimValue } from './user-id.js';
import type { MetadataObject, UserRecord } from './user-record.js';

/**
 * The user fields a configured claim can carry, each with the JSON value it
 * takes; beside them, one key of either metadata object (`appMetadata.plan`). A new user field becomes available to `Auth.Claims` by adding one
 * line here. A field without a value for a user (`null` or `undefined`)
 * leaves its claim out of that user's tokens.
 */
export const userClaimFields: Readonly<Record<string, (user: UserRecord, options: UserClaimOptions) => unknown>> = {
  /**
   * The id as {@link userIdClaimValue} spells it: a number when it is a safe
   * integer; beyond 2^53 a decimal string, or with `largeIdsAsNumbers` a
   * bigint, which the signer writes as the exact JSON integer.
   */
  id: (user, options) => {
    const value = userIdClaimValue(user.id);
    return options.largeIdsAsNumbers && typeof value === 'string' && isInt64Id(value) ? BigInt(value) : value;
  },
  username: (user) => user.username,
  role: (user) => user.role,
  /** Seconds since the epoch, like `iat`. */
  createdAt: (user) => Math.floor(user.createdAt / 1000),
  /** The address as the user gave it; left out for users without one. */
  email: (user) => user.email ?? null,
  /** Whether the address is verified; left out for users without one. */
  emailVerified: (user) => (user.email == null ? null : user.emailVerifiedAt != null),
  /** The whole object administrators keep about the user; left out while it is empty. */
  appMetadata: (user) => nonEmpty(user.appMetadata),
  /** The whole object the user keeps about themselves; left out while it is empty. */
  userMetadata: (user) => nonEmpty(user.userMetadata),
};

/** One key of a metadata object, as a claim may name it: `appMetadata.plan`. */
const METADATA_PATH = /^(appMetadata|userMetadata)\.([A-Za-z0-9_-]{1,64})$/;

function nonEmpty(metadata: MetadataObject | undefined): MetadataObject | null {
  return metadata === undefined || Object.keys(metadata).length === 0 ? null : metadata;
}

/** How to read `field` from a user: a user field, or one key of a metadata object; `undefined` for neither. */
function fieldReader(field: string): ((user: UserRecord, options: UserClaimOptions) => unknown) | undefined {
  if (Object.hasOwn(userClaimFields, field)) return userClaimFields[field];
  const path = METADATA_PATH.exec(field);
  if (path === null) return undefined;
  const [, object, key] = path as unknown as [string, 'appMetadata' | 'userMetadata', string];
  return (user) => {
    const metadata = user[object];
    return metadata !== undefined && Object.hasOwn(metadata, key) ? metadata[key] : null;
  };
}

/** How {@link claimsFromUserFields} writes values. */
export interface UserClaimOptions {
  /**
   * Numeric ids beyond 2^53 as exact JSON integers (what Go's `json.Number`
   * reads; JavaScript readers must parse losslessly) instead of decimal strings.
   */
  readonly largeIdsAsNumbers?: boolean;
}

/** The claim go-zero services read the user id from (`ctx.Value("userId")`). */
export const GO_ZERO_USER_ID_CLAIM = 'userId';

/**
 * Why a claim → field mapping cannot be used, one message per problem
 * (empty when it can): a reserved claim jwtgate sets itself, or a field no
 * user has.
 *
 * @example
 * claimMappingProblems({ sub: 'id', uid: 'phone' });
 * // ['"sub" is a reserved claim …', '"phone" is not a user field …']
 */
export function claimMappingProblems(mapping: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const fields = Object.keys(userClaimFields);
  for (const [claim, field] of Object.entries(mapping)) {
    if (reservedClaims.has(claim)) {
      problems.push(`"${claim}" is a reserved claim that jwtgate sets itself; choose another name`);
    }
    if (fieldReader(field) === undefined) {
      problems.push(
        `"${field}" (for claim "${claim}") is not a user field; use one of ${fields.join(', ')}, or appMetadata.<key> or userMetadata.<key>`,
      );
    }
  }
  return problems;
}

/**
 * A custom-claims hook that copies user fields into claims, as configured
 * by `Auth.Claims`. Throws `TypeError` at construction for a mapping that
 * {@link claimMappingProblems} refuses, so a bad mapping never reaches a token.
 *
 * @example
 * const customClaims = claimsFromUserFields({ userId: 'id', name: 'username' });
 * createSessionManager({ ...options, customClaims });
 */
export function claimsFromUserFields(
  mapping: Readonly<Record<string, string>>,
  options: UserClaimOptions = {},
): CustomClaimsHook {
  const problems = claimMappingProblems(mapping);
  if (problems.length > 0) throw new TypeError(`claims mapping: ${problems.join('; ')}`);
  const entries = Object.entries(mapping).map(([claim, field]) => [claim, fieldReader(field)] as const);
  return ({ user }) => {
    const claims: Record<string, unknown> = {};
    for (const [claim, read] of entries) {
      const value = read?.(user, options);
      if (value !== undefined && value !== null) claims[claim] = value;
    }
    return claims;
  };
}
