import { describe, expect, it } from 'vitest';
import { decideFederatedSignIn, type FederatedSignInFacts } from './federated-sign-in.js';

const base: FederatedSignInFacts = {
  linkedUserId: null,
  linkingUserId: null,
  providerEmailVerified: true,
  emailOwner: null,
  autoLinkVerifiedEmail: false,
  registrationOpen: true,
};

describe('decideFederatedSignIn', () => {
  it('signs in the account a known identity is linked to', () => {
    expect(decideFederatedSignIn({ ...base, linkedUserId: 'u1' })).toEqual({ kind: 'sign-in', userId: 'u1' });
  });

  it('makes an account with the verified address when nobody has it', () => {
    expect(decideFederatedSignIn(base)).toEqual({ kind: 'create', withEmail: true });
  });

  it('makes an account without an address the provider did not verify', () => {
    expect(decideFederatedSignIn({ ...base, providerEmailVerified: false })).toEqual({
      kind: 'create',
      withEmail: false,
    });
  });

  it('never links by address while auto-linking is off, and leaves the taken address off the new account', () => {
    const facts = { ...base, emailOwner: { id: 'u1', emailVerified: true } };
    expect(decideFederatedSignIn(facts)).toEqual({ kind: 'create', withEmail: false });
  });

  it('links by address only when both sides verified it and auto-linking is on', () => {
    const owner = { id: 'u1', emailVerified: true };
    expect(decideFederatedSignIn({ ...base, emailOwner: owner, autoLinkVerifiedEmail: true })).toEqual({
      kind: 'link',
      userId: 'u1',
      because: 'verified-email',
    });
    expect(
      decideFederatedSignIn({ ...base, emailOwner: { id: 'u1', emailVerified: false }, autoLinkVerifiedEmail: true }),
    ).toEqual({ kind: 'create', withEmail: false });
    expect(
      decideFederatedSignIn({
        ...base,
        providerEmailVerified: false,
        emailOwner: owner,
        autoLinkVerifiedEmail: true,
      }),
    ).toEqual({ kind: 'create', withEmail: false });
  });

  it('links a new identity to the signed-in user, and refuses one linked to another account', () => {
    expect(decideFederatedSignIn({ ...base, linkingUserId: 'me' })).toEqual({
      kind: 'link',
      userId: 'me',
      because: 'signed-in',
    });
    expect(decideFederatedSignIn({ ...base, linkingUserId: 'me', linkedUserId: 'me' })).toEqual({
      kind: 'already-linked',
      userId: 'me',
    });
    expect(decideFederatedSignIn({ ...base, linkingUserId: 'me', linkedUserId: 'other' })).toMatchObject({
      kind: 'refuse',
      code: 'ERR_IDENTITY_TAKEN',
    });
  });

  it('refuses to make an account while registration is closed, but still signs in linked identities', () => {
    expect(decideFederatedSignIn({ ...base, registrationOpen: false })).toMatchObject({
      kind: 'refuse',
      code: 'ERR_OAUTH_SIGN_UP_CLOSED',
    });
    expect(decideFederatedSignIn({ ...base, registrationOpen: false, linkedUserId: 'u1' })).toEqual({
      kind: 'sign-in',
      userId: 'u1',
    });
  });
});
