import {
  AuthError,
  type Clock,
  decideFederatedSignIn,
  type FederatedIdentity,
  generatedUsername,
  type IdentityStore,
  isAuthError,
  NO_PASSWORD_HASH,
  newUserIdFor,
  normaliseNewEmail,
  normaliseUsername,
  type RegistrationThrottle,
  type SecretCipher,
  type UserRecord,
  type UserStore,
} from '@jwtgate/core';
import type { AuditClient } from '../audit/audit-record.js';
import type { SecurityEvents } from '../audit/security-events.js';
import type { ProviderProfile } from './provider-client.js';

/** What turning a provider's answer into a jwtgate user needs. */
export interface FederatedAccountDeps {
  readonly identities: IdentityStore;
  readonly users: UserStore;
  readonly clock: Clock;
  readonly events?: SecurityEvents | undefined;
  readonly newUserId?: (() => string) | undefined;
  /** Counts first sign-ins like registrations (`Register.MaxPerIp`). */
  readonly registrationThrottle?: RegistrationThrottle | undefined;
  readonly autoLinkVerifiedEmail: boolean;
  /** Whether first sign-ins may make accounts. */
  readonly registrationOpen: () => boolean;
  /**
   * `Auth.RequireEmail`: a first sign-in makes an account only with the
   * provider's verified address; without one it is refused (`ERR_EMAIL_REQUIRED`).
   */
  readonly requireEmail?: boolean | undefined;
  /** Seals provider tokens when `OAuth.StoreProviderTokens` is on; `undefined` drops them. */
  readonly tokenCipher?: SecretCipher | undefined;
}

/** The user a provider's answer ends at, and what was done to get there. */
export interface FederatedAccount {
  readonly user: UserRecord;
  readonly outcome: 'signed-in' | 'linked' | 'created' | 'already-linked';
}

function emailKeyOf(email: string | null): { email: string; key: string } | null {
  if (email === null) return null;
  try {
    return normaliseNewEmail(email);
  } catch {
    // An address jwtgate would not accept from a user is not copied or matched; the identity still works.
    // That includes one whose key would meet another domain's (`gmaıl.com` folds to `gmail.com`).
    return null;
  }
}

/**
 * Applies the rule of `decideFederatedSignIn` to the stores: finds the
 * identity and, for a sign-in, the account with the provider's address;
 * then signs in, links or makes the account (user and identity in one
 * transaction, so a failure leaves nothing half made). Concurrent first
 * sign-ins of one identity end at the one account the store let through.
 *
 * @example
 * const { user } = await resolveFederatedAccount(deps, { provider: 'google', profile, linkUserId: null, client });
 */
export async function resolveFederatedAccount(
  deps: FederatedAccountDeps,
  input: {
    readonly provider: string;
    readonly profile: ProviderProfile;
    readonly linkUserId: string | null;
    readonly client: AuditClient;
  },
): Promise<FederatedAccount> {
  const { provider, profile, client } = input;
  const address = emailKeyOf(profile.email);
  const now = deps.clock.now();
  const sealedTokens = (userId: string) =>
    deps.tokenCipher === undefined
      ? null
      : deps.tokenCipher.encrypt(Buffer.from(JSON.stringify(profile.tokens)), `identity:${provider}:${userId}`);
  const identityOf = (userId: string): FederatedIdentity => ({
    provider,
    subject: profile.subject,
    userId,
    email: profile.email,
    emailVerified: profile.emailVerified,
    displayName: profile.displayName,
    createdAt: now,
    lastSignInAt: now,
    sealedTokens: sealedTokens(userId),
  });
  const enabledUser = async (userId: string): Promise<UserRecord> => {
    const user = await deps.users.findById(userId);
    // Refused as a password login of a disabled account is: the same code, whatever the cause.
    if (user === null || user.disabled) throw new AuthError('ERR_INVALID_CREDENTIALS', { reason: 'disabled', userId });
    return user;
  };

  for (let attempt = 0; ; attempt++) {
    const existing = await deps.identities.find(provider, profile.subject);
    const owner =
      existing === null && input.linkUserId === null && address !== null
        ? await deps.users.findByEmailKey(address.key)
        : null;
    const decision = decideFederatedSignIn({
      linkedUserId: existing?.userId ?? null,
      linkingUserId: input.linkUserId,
      providerEmailVerified: profile.emailVerified && address !== null,
      emailOwner: owner === null ? null : { id: owner.id, emailVerified: owner.emailVerifiedAt != null },
      autoLinkVerifiedEmail: deps.autoLinkVerifiedEmail,
      registrationOpen: deps.registrationOpen(),
    });
    switch (decision.kind) {
      case 'refuse':
        throw new AuthError(decision.code, { reason: decision.reason });
      case 'sign-in':
      case 'already-linked': {
        const user = await enabledUser(decision.userId);
        await deps.identities.recordSignIn(provider, profile.subject, {
          email: profile.email,
          emailVerified: profile.emailVerified,
          displayName: profile.displayName,
          at: now,
          sealedTokens: sealedTokens(user.id),
        });
        return { user, outcome: decision.kind === 'sign-in' ? 'signed-in' : 'already-linked' };
      }
      case 'link': {
        const user = await enabledUser(decision.userId);
        try {
          await deps.identities.link(identityOf(user.id));
        } catch (error) {
          // Linked meanwhile by a concurrent callback: decide again on what the store now holds.
          if (isAuthError(error, 'ERR_IDENTITY_TAKEN') && decision.because === 'verified-email' && attempt < 2)
            continue;
          throw error;
        }
        deps.events?.identityChanged({
          change: 'linked',
          userId: user.id,
          provider,
          because: decision.because,
          client,
        });
        return { user, outcome: 'linked' };
      }
      case 'create': {
        const user = await createAccount(
          deps,
          { withEmail: decision.withEmail ? address : null, now, client },
          identityOf,
        );
        if (user === null && attempt < 2) continue;
        if (user === null) throw new AuthError('ERR_IDENTITY_TAKEN', { reason: 'sign-up-race' });
        deps.events?.registered({ user, client });
        deps.events?.identityChanged({ change: 'linked', userId: user.id, provider, because: 'sign-up', client });
        return { user, outcome: 'created' };
      }
    }
  }
}

/**
 * Makes the account of a first sign-in: a generated username, no password,
 * the provider's verified address when nobody has it. `null` when the
 * identity was linked meanwhile by a concurrent first sign-in (the caller
 * decides again and signs in to that account).
 *
 * With `Auth.RequireEmail`, an account that would have no address (the
 * provider gave no verified one, or another account has it, even one taken
 * meanwhile) is not made: `ERR_EMAIL_REQUIRED`, as a registration without an
 * address gets, counted like one. The two causes answer alike.
 */
async function createAccount(
  deps: FederatedAccountDeps,
  input: {
    readonly withEmail: { email: string; key: string } | null;
    readonly now: number;
    readonly client: AuditClient;
  },
  identityOf: (userId: string) => FederatedIdentity,
): Promise<UserRecord | null> {
  const cancel = await deps.registrationThrottle?.reserve(input.client.ip);
  let email = input.withEmail;
  const noAddress = () => new AuthError('ERR_EMAIL_REQUIRED', { reason: 'no-usable-provider-address' });
  try {
    if (deps.requireEmail === true && email === null) throw noAddress();
    for (let tries = 0; ; tries++) {
      const { username, key } = normaliseUsername(generatedUsername());
      const user: UserRecord = {
        id: await newUserIdFor(deps),
        username,
        usernameKey: key,
        passwordHash: NO_PASSWORD_HASH,
        role: 'user',
        disabled: false,
        credentialVersion: 0,
        createdAt: input.now,
        updatedAt: input.now,
        email: email?.email ?? null,
        emailKey: email?.key ?? null,
        // The provider verified it: the same proof a link mailed to it gives.
        emailVerifiedAt: email === null ? null : input.now,
      };
      try {
        await deps.identities.createUserWithIdentity(user, identityOf(user.id));
        return user;
      } catch (error) {
        if (isAuthError(error, 'ERR_IDENTITY_TAKEN')) return null;
        // Taken meanwhile: the account is made without it, as when it was taken before.
        if (isAuthError(error, 'ERR_EMAIL_TAKEN') && email !== null) {
          if (deps.requireEmail === true) throw noAddress();
          email = null;
        } else if (!isAuthError(error, 'ERR_USERNAME_TAKEN') || tries >= 3) throw error;
      }
    }
  } catch (error) {
    if (cancel !== undefined && isAuthError(error, 'ERR_STORE_UNAVAILABLE')) await cancel().catch(() => {});
    throw error;
  }
}
