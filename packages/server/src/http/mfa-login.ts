import {
  AuthError,
  assertAuthentication,
  clientNetwork,
  hashLoginChallengeToken,
  LOGIN_CHALLENGE_TTL_SEC,
  type LoginChallenge,
  type LoginChallengePurpose,
  type LoginChallengeStore,
  type MfaDeps,
  newLoginChallengeToken,
  sameValue,
  type UserRecord,
} from '@jwtgate/core';

/** What the second-factor routes and the login's second step need; absent when second factors are off. */
export interface MfaRouteDeps extends MfaDeps {
  readonly challenges: LoginChallengeStore;
  /** The service name authenticator apps show (`Mfa.Issuer`). */
  readonly issuer: string;
  /** Roles that may not sign in without a second factor (`Mfa.RequiredForRoles`). */
  readonly requiredForRoles: ReadonlySet<string>;
}

/** The answer of a login that stopped after the password: no token, no cookie. */
export interface PausedLogin {
  readonly mfaRequired: true;
  readonly mfaToken: string;
  /** What `POST /auth/mfa/verify` accepts for this user; empty when one must be set up first. */
  readonly methods: readonly string[];
  /** The user's role requires a second factor and they have none: the mfaToken only sets one up. */
  readonly enrollmentRequired?: true;
}

/** Where the request comes from, as a paused login is bound to it. */
export interface ChallengeClient {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/**
 * The one place a login decides, once the first factor passed, whether a
 * second is needed. `null`: issue tokens now. Otherwise the login pauses: a
 * challenge bound to the user, the client's network and browser, and what the
 * login asked for (device label, cookie mode) is stored by the hash of a
 * fresh mfaToken, which the answer carries instead of tokens.
 *
 * @example
 * const paused = await pauseForSecondFactor(deps.mfa, { user, device, cookie, client });
 * if (paused !== null) return paused;
 */
export async function pauseForSecondFactor(
  mfa: MfaRouteDeps | undefined,
  input: {
    readonly user: UserRecord;
    readonly device: string | null;
    readonly cookie: boolean;
    readonly client: ChallengeClient;
    readonly amr?: readonly string[];
  },
): Promise<PausedLogin | null> {
  if (mfa === undefined) return null;
  const { totp, recoveryCodesLeft } = await mfa.factors.get(input.user.id);
  let purpose: LoginChallengePurpose;
  let methods: string[];
  if (totp !== null && totp.confirmedAt !== null) {
    purpose = 'verify';
    methods = ['totp', ...(recoveryCodesLeft > 0 ? ['recovery'] : [])];
  } else if (mfa.requiredForRoles.has(input.user.role)) {
    purpose = 'enroll';
    methods = [];
  } else {
    return null;
  }
  const token = newLoginChallengeToken();
  const now = mfa.clock.now();
  await mfa.challenges.create({
    id: hashLoginChallengeToken(token) as string,
    userId: input.user.id,
    purpose,
    network: input.client.ip === null ? null : clientNetwork(input.client.ip),
    userAgent: input.client.userAgent,
    device: input.device,
    cookie: input.cookie,
    amr: input.amr ?? ['pwd'],
    authTime: now,
    credentialVersion: input.user.credentialVersion,
    expiresAt: now + LOGIN_CHALLENGE_TTL_SEC * 1000,
  });
  return {
    mfaRequired: true,
    mfaToken: token,
    methods,
    ...(purpose === 'enroll' ? { enrollmentRequired: true as const } : {}),
  };
}

/**
 * The paused login an mfaToken stands for, if it is one of `purpose`, still
 * waiting, and presented from the network and browser it was given to.
 * Presented from elsewhere, it is spent at once: whoever copied it gets
 * nothing, and its owner signs in again. Every refusal is
 * `ERR_MFA_TOKEN_INVALID`, whatever the cause.
 *
 * @example
 * const challenge = await openChallenge(mfa, { token: body.mfaToken, purpose: 'verify', client });
 */
export async function openChallenge(
  mfa: MfaRouteDeps,
  input: { readonly token: string; readonly purpose: LoginChallengePurpose; readonly client: ChallengeClient },
): Promise<LoginChallenge> {
  const id = hashLoginChallengeToken(input.token);
  if (id === null) throw new AuthError('ERR_MFA_TOKEN_INVALID', { reason: 'format' });
  const now = mfa.clock.now();
  const challenge = await mfa.challenges.find(id, now);
  if (challenge === null) throw new AuthError('ERR_MFA_TOKEN_INVALID', { reason: 'unknown' });
  if (challenge.purpose !== input.purpose) throw new AuthError('ERR_MFA_TOKEN_INVALID', { reason: 'purpose' });
  const network = input.client.ip === null ? null : clientNetwork(input.client.ip);
  if (!sameValue(challenge.network, network) || !sameValue(challenge.userAgent, input.client.userAgent)) {
    await mfa.challenges.consume(id, now);
    throw new AuthError('ERR_MFA_TOKEN_INVALID', { reason: 'binding', userId: challenge.userId });
  }
  return challenge;
}

/**
 * The user of a paused login, as long as nothing about their credentials
 * changed since its first factor was checked (a new password, a factor
 * removed, disabled): otherwise the challenge is spent and refused, as a
 * session would be.
 *
 * @example
 * const user = await challengeUser(mfa, users, challenge);
 */
export async function challengeUser(
  mfa: MfaRouteDeps,
  users: { findById(id: string): Promise<UserRecord | null> },
  challenge: LoginChallenge,
): Promise<UserRecord> {
  const user = await users.findById(challenge.userId);
  if (user !== null && !user.disabled && user.credentialVersion === challenge.credentialVersion) return user;
  await mfa.challenges.consume(challenge.id, mfa.clock.now());
  throw new AuthError('ERR_MFA_TOKEN_INVALID', {
    reason: user === null || user.disabled ? 'user-gone' : 'credentials-changed',
    userId: challenge.userId,
  });
}

/**
 * Step-up for the server's own sensitive routes: a user who has a second
 * factor must have signed in with it (RFC 9470 refusal otherwise); a user
 * without one has nothing more to show.
 *
 * @example
 * await requireMfaIfEnrolled(deps.mfa, claims);
 */
export async function requireMfaIfEnrolled(
  mfa: MfaRouteDeps | undefined,
  claims: { readonly sub: string; readonly amr?: unknown; readonly auth_time?: unknown },
): Promise<void> {
  if (mfa === undefined) return;
  const { totp } = await mfa.factors.get(claims.sub);
  if (totp === null || totp.confirmedAt === null) return;
  assertAuthentication(claims, { requireMfa: true }, mfa.clock.now());
}
