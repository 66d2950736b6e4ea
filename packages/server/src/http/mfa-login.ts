import {
  AuthError,
  assertAuthentication,
  type ChangeCredentialsDeps,
  changeCredentials,
  clientNetwork,
  hashLoginChallengeToken,
  LOGIN_CHALLENGE_TTL_SEC,
  type LoginChallenge,
  type LoginChallengePurpose,
  type LoginChallengeStore,
  type MfaDeps,
  type MfaStore,
  type MfaThrottle,
  newLoginChallengeToken,
  type PasskeyStore,
  type RegistrationThrottle,
  type SessionRecord,
  sameValue,
  type UserRecord,
} from '@jwtgate/core';
import type { FastifyBaseLogger } from 'fastify';
import type { ProviderLogout } from '../oauth/provider-logout.js';
import type { PasskeyDeps } from '../passkeys/passkey-challenges.js';

/** What the second-factor routes and the login's second step need; absent when second factors are off. */
export interface MfaRouteDeps extends MfaDeps {
  readonly challenges: LoginChallengeStore;
  /** The service name authenticator apps show (`Mfa.Issuer`). */
  readonly issuer: string;
  /** Roles that may not sign in without a second factor (`Mfa.RequiredForRoles`). */
  readonly requiredForRoles: ReadonlySet<string>;
  /** Passkeys; absent when no relying party is configured (`Mfa.RpId`, `Web.PublicUrl`). */
  readonly passkeys?: PasskeyRouteDeps | undefined;
}

/** The passkey ceremonies, and the limit on passwordless challenges anyone may ask for. */
export interface PasskeyRouteDeps extends PasskeyDeps {
  /** Counts `POST /auth/passkeys/login/options` per network: each challenge is stored until it expires. */
  readonly signInOptionsThrottle: RegistrationThrottle;
  /**
   * Counts wrong passwordless answers per network, in `Mfa.MaxFailures` per
   * `Mfa.FailureWindow` only: no signature can be guessed, so a day's limit
   * would only lock a whole office out.
   */
  readonly signInThrottle: MfaThrottle;
}

/**
 * Where a user's second factors are read: the authenticator apps, and the
 * passkeys while a relying party is configured. The server's
 * {@link MfaRouteDeps} are such; so are the stores a command opens.
 */
export interface SecondFactorSources {
  readonly factors: Pick<MfaStore, 'get'>;
  readonly passkeys?: { readonly passkeys: Pick<PasskeyStore, 'list'> } | undefined;
}

/** What second factors a user has set up, and so what a login of theirs can finish with. */
export interface EnrolledFactors {
  readonly totp: boolean;
  /** Recovery codes left (they come with the authenticator app). */
  readonly recoveryCodesLeft: number;
  readonly passkeys: number;
  /** `totp`, `webauthn`, `recovery`: what `POST /auth/mfa/verify` accepts; empty for none. */
  readonly methods: readonly string[];
}

/**
 * The user's second factors: a confirmed authenticator app (with its
 * recovery codes) and passkeys. Passkeys count only while a relying party
 * is configured: without one nobody could use them.
 *
 * @example
 * const { methods } = await enrolledFactors(mfa, user.id);
 */
export async function enrolledFactors(mfa: SecondFactorSources, userId: string): Promise<EnrolledFactors> {
  const [{ totp, recoveryCodesLeft }, passkeys] = await Promise.all([
    mfa.factors.get(userId),
    mfa.passkeys === undefined ? [] : mfa.passkeys.passkeys.list(userId),
  ]);
  const hasTotp = totp !== null && totp.confirmedAt !== null;
  const codes = hasTotp ? recoveryCodesLeft : 0;
  return {
    totp: hasTotp,
    recoveryCodesLeft: codes,
    passkeys: passkeys.length,
    methods: [
      ...(hasTotp ? ['totp'] : []),
      ...(passkeys.length > 0 ? ['webauthn'] : []),
      ...(codes > 0 ? ['recovery'] : []),
    ],
  };
}

/**
 * The refusal of a removal that would leave the user no second factor and
 * came without the password: after it the password alone guards the account,
 * so its holder must show it, whatever else was shown.
 *
 * @example
 * if (removal === 'last-factor') throw lastFactorNeedsPassword();
 */
export function lastFactorNeedsPassword(): AuthError {
  return new AuthError('ERR_REAUTHENTICATION_FAILED', {
    reason: 'password-missing',
    message: 'Removing the last second factor needs the password',
  });
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
    /** A provider sign-in's logout hint, sealed for the paused login of this id (see `ProviderLogout`). */
    readonly providerHint?: ((challengeId: string) => string | null) | undefined;
  },
): Promise<PausedLogin | null> {
  if (mfa === undefined) return null;
  const enrolled = await enrolledFactors(mfa, input.user.id);
  let purpose: LoginChallengePurpose;
  let methods: readonly string[];
  if (enrolled.methods.length > 0) {
    purpose = 'verify';
    methods = enrolled.methods;
  } else if (mfa.requiredForRoles.has(input.user.role)) {
    purpose = 'enroll';
    methods = [];
  } else {
    return null;
  }
  const token = newLoginChallengeToken();
  const id = hashLoginChallengeToken(token) as string;
  const providerHint = input.providerHint?.(id) ?? null;
  const now = mfa.clock.now();
  await mfa.challenges.create({
    id,
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
    ...(providerHint === null ? {} : { providerHint }),
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
 * What the session a paused login's second step starts must take over from
 * it: what a provider sign-in carried for the session's logouts (see
 * `ProviderLogout`). `undefined` when there is none.
 *
 * @example
 * return finishLogin(deps, reply, { …, started: pausedLoginCarry(deps, challenge, request.log) });
 */
export function pausedLoginCarry(
  deps: { readonly providerLogout?: ProviderLogout | undefined },
  challenge: LoginChallenge,
  log: FastifyBaseLogger,
): ((session: SessionRecord) => Promise<void>) | undefined {
  const { providerLogout } = deps;
  const carried = challenge.providerHint;
  if (providerLogout === undefined || carried === undefined) return undefined;
  return (session) =>
    providerLogout.resumePausedLogin({ challengeId: challenge.id, carried, session }, (error) =>
      log.warn({ err: error }, 'provider logout hint not kept'),
    );
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
 * The credential change that finishes a login paused for enrolment (a new
 * factor ends the user's older sessions), made only if the user's credential
 * version is still the one the paused login's password was checked at. A
 * password changed while the factor was being added (on another device, by
 * an operator) voids that proof: `withdraw` takes the new factor back, so it
 * does not outlive the change, and the login ends with
 * `ERR_MFA_TOKEN_INVALID`. A user deleted meanwhile answers `ERR_TOKEN_REVOKED`.
 *
 * @example
 * const user = await enrolmentCredentialsChanged(deps, challenge, () => removeTheNewPasskey());
 */
export async function enrolmentCredentialsChanged(
  deps: ChangeCredentialsDeps & { readonly users: { findById(id: string): Promise<UserRecord | null> } },
  challenge: LoginChallenge,
  withdraw: () => Promise<unknown>,
): Promise<UserRecord> {
  const changed = await changeCredentials(
    deps,
    challenge.userId,
    {},
    { reason: 'credentials-changed', actor: { kind: 'self' }, ifCredentialVersion: challenge.credentialVersion },
  );
  if (changed !== null) return changed.user;
  await withdraw();
  if ((await deps.users.findById(challenge.userId)) === null) {
    throw new AuthError('ERR_TOKEN_REVOKED', { reason: 'user-deleted' });
  }
  throw new AuthError('ERR_MFA_TOKEN_INVALID', { reason: 'credentials-changed', userId: challenge.userId });
}

/**
 * The caller's session as the store has it (so a revocation this instance
 * has not heard of yet counts), for a factor about to be added by a
 * signed-in user; `ERR_TOKEN_REVOKED` when it has ended.
 *
 * @example
 * const session = await standingSession(deps.sessions, claims);
 */
export async function standingSession(
  sessions: { list(userId: string): Promise<readonly SessionRecord[]> },
  claims: { readonly sub: string; readonly sid: string },
): Promise<SessionRecord> {
  const session = (await sessions.list(claims.sub)).find((candidate) => candidate.id === claims.sid);
  if (session === undefined) throw new AuthError('ERR_TOKEN_REVOKED', { reason: 'revoked' });
  return session;
}

/**
 * The credential change after a signed-in user added a factor: their other
 * sessions end and `session` moves on, but only if the user's credential
 * version is still the one `session` stands at. A password changed while
 * the factor was being added (which ended `session` too) voids it:
 * `withdraw` takes it back and the answer is `ERR_TOKEN_REVOKED`.
 *
 * @example
 * await factorAddedBySession(deps, session, () => removeTheNewPasskey());
 */
export async function factorAddedBySession(
  deps: ChangeCredentialsDeps,
  session: SessionRecord,
  withdraw: () => Promise<unknown>,
): Promise<void> {
  const changed = await changeCredentials(
    deps,
    session.userId,
    {},
    {
      reason: 'credentials-changed',
      actor: { kind: 'self' },
      keepSessionId: session.id,
      ifCredentialVersion: session.credentialVersion,
    },
  );
  if (changed !== null) return;
  await withdraw();
  throw new AuthError('ERR_TOKEN_REVOKED', { reason: 'credentials-changed' });
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
  if ((await enrolledFactors(mfa, claims.sub)).methods.length === 0) return;
  assertAuthentication(claims, { requireMfa: true }, mfa.clock.now());
}
