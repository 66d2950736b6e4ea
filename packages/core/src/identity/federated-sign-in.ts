import type { ErrorCode } from '../errors/codes.js';

/** What jwtgate knows when a provider has vouched for a user. */
export interface FederatedSignInFacts {
  /** The account the identity is linked to already, or `null`. */
  readonly linkedUserId: string | null;
  /** Who is linking, when the flow was started by a signed-in user; `null` for a sign-in. */
  readonly linkingUserId: string | null;
  /** Whether the provider asserted an address and said it verified it. */
  readonly providerEmailVerified: boolean;
  /** The account whose address is the provider's (same email key), or `null`. */
  readonly emailOwner: { readonly id: string; readonly emailVerified: boolean } | null;
  /** `OAuth.AutoLinkVerifiedEmail`. */
  readonly autoLinkVerifiedEmail: boolean;
  /** Whether new accounts may be made (`Register.Enabled`). */
  readonly registrationOpen: boolean;
}

/** What to do with a provider's answer. */
export type FederatedSignInDecision =
  | { readonly kind: 'sign-in'; readonly userId: string }
  | { readonly kind: 'link'; readonly userId: string; readonly because: 'signed-in' | 'verified-email' }
  | { readonly kind: 'already-linked'; readonly userId: string }
  | {
      readonly kind: 'create';
      /** Copy the provider's address onto the new account (verified): only a verified one nobody has. */
      readonly withEmail: boolean;
    }
  | { readonly kind: 'refuse'; readonly code: ErrorCode; readonly reason: string };

/**
 * The rule of federated sign-in, in one place. A linked identity signs its
 * account in. A signed-in user links a new identity to their own account,
 * and never one linked elsewhere. An unknown identity joins an existing
 * account only when both sides verified the same address and the operator
 * allowed it (`OAuth.AutoLinkVerifiedEmail`): whoever controls an account at
 * the provider with that address takes over the jwtgate account, so this
 * trusts the provider's verification as much as jwtgate's own. Otherwise it
 * gets a new account, without the address when another account has it (so
 * the answer says nothing about which addresses have accounts).
 *
 * @example
 * decideFederatedSignIn({ linkedUserId: null, linkingUserId: null, providerEmailVerified: true,
 *   emailOwner: null, autoLinkVerifiedEmail: false, registrationOpen: true }); // { kind: 'create', withEmail: true }
 */
export function decideFederatedSignIn(facts: FederatedSignInFacts): FederatedSignInDecision {
  if (facts.linkingUserId !== null) {
    if (facts.linkedUserId === null) return { kind: 'link', userId: facts.linkingUserId, because: 'signed-in' };
    if (facts.linkedUserId === facts.linkingUserId) return { kind: 'already-linked', userId: facts.linkedUserId };
    return { kind: 'refuse', code: 'ERR_IDENTITY_TAKEN', reason: 'linked-to-another-account' };
  }
  if (facts.linkedUserId !== null) return { kind: 'sign-in', userId: facts.linkedUserId };
  const owner = facts.emailOwner;
  if (facts.autoLinkVerifiedEmail && facts.providerEmailVerified && owner?.emailVerified === true) {
    return { kind: 'link', userId: owner.id, because: 'verified-email' };
  }
  if (!facts.registrationOpen) return { kind: 'refuse', code: 'ERR_OAUTH_SIGN_UP_CLOSED', reason: 'sign-up-closed' };
  return { kind: 'create', withEmail: facts.providerEmailVerified && owner === null };
}
