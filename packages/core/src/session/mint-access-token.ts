import { randomUUID } from 'node:crypto';
import { acrOf } from '../mfa/step-up.js';
import { type AccessTokenClaims, reservedClaims } from '../token/claims.js';
import type { UserRecord } from '../user/user-record.js';
import type { SessionContext } from './session-context.js';
import type { SessionRecord } from './session-record.js';

/** Tokens handed to a client after login or refresh. */
export interface IssuedTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  /** Access token lifetime in seconds (OAuth 2 style). */
  readonly expiresIn: number;
  /** Unix time in seconds after which the client should refresh (go-zero style). */
  readonly refreshAfter: number;
  readonly session: SessionRecord;
  readonly claims: AccessTokenClaims;
}

/** Signs an access token for `user` in `session`; it never outlives the session. */
export async function mintAccessToken(
  ctx: SessionContext,
  user: UserRecord,
  session: SessionRecord,
): Promise<{ accessToken: string; expiresIn: number; refreshAfter: number; claims: AccessTokenClaims }> {
  const { policy } = ctx;
  const iat = Math.floor(ctx.clock.now() / 1000);
  const exp = Math.min(iat + policy.accessTtlSec, Math.floor(session.expiresAt / 1000));
  const custom = ctx.customClaims ? await ctx.customClaims({ user, session }) : {};
  for (const name of Object.keys(custom)) {
    if (reservedClaims.has(name)) {
      throw new TypeError(`the custom claims hook may not set the reserved claim "${name}"`);
    }
  }
  const signed: AccessTokenClaims = {
    ...custom,
    iss: policy.issuer,
    aud: policy.audience,
    sub: user.id,
    sid: session.id,
    role: user.role,
    amr: session.amr,
    acr: acrOf(session.amr),
    auth_time: Math.floor(session.authTime / 1000),
    iat,
    exp,
    jti: randomUUID(),
  };
  // A bigint claim is signed as an exact JSON integer and read back by a lossless parser as its decimal string.
  const claims: AccessTokenClaims = Object.values(custom).some((value) => typeof value === 'bigint')
    ? (Object.fromEntries(
        Object.entries(signed).map(([name, value]) => [name, typeof value === 'bigint' ? value.toString() : value]),
      ) as AccessTokenClaims)
    : signed;
  const expiresIn = exp - iat;
  return {
    accessToken: ctx.signer.sign(signed),
    expiresIn,
    refreshAfter: iat + Math.min(policy.refreshAfterSec, expiresIn),
    claims,
  };
}
