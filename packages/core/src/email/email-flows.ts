import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { AuthError } from '../errors/auth-error.js';
import type { SessionManager } from '../session/session-manager.js';
import type { LoginThrottle } from '../throttle/login-throttle.js';
import { changeCredentials } from '../user/change-credentials.js';
import { confirmPassword } from '../user/confirm-password.js';
import { passwordContextWords, refuseContextWords } from '../user/context-words.js';
import { foldEmail, normaliseEmail, normaliseNewEmail } from '../user/email.js';
import { hasPassword, NO_PASSWORD_HASH } from '../user/no-password.js';
import type { PasswordHasher } from '../user/password-hasher.js';
import { acceptNewPassword, type PasswordScreen } from '../user/password-screen.js';
import type { UserRecord } from '../user/user-record.js';
import type { UserStore } from '../user/user-store.js';
import type {
  AccountChange,
  EmailStore,
  EmailTokenPurpose,
  EmailTokenRecord,
  MailKind,
  OutboxMail,
} from './email-store.js';
import type { EmailSecrets } from './one-time-secret.js';

/** Wrong codes a secret takes before it is void. */
export const MAX_CODE_ATTEMPTS = 5;

/** What a mail says, before the server renders and seals it. */
export interface MailContent {
  readonly kind: MailKind;
  readonly to: string;
  /** The link's secret, when the mail carries one; the server puts it into a link. */
  readonly token?: string;
  readonly code?: string;
  /** For an address change: the new address (named in the notice to the old one). */
  readonly newEmail?: string;
  /** How long the secret stays valid. */
  readonly expiresInSec?: number;
  /** For a security notice: what changed, when, and from which client (never a secret). */
  readonly change?: {
    readonly kind: AccountChange;
    /** The identity provider, for `identity-linked` and `identity-unlinked`. */
    readonly provider?: string;
    readonly at: number;
    /** `null` where unknown, or for a change an administrator made. */
    readonly ip: string | null;
    readonly userAgent: string | null;
  };
}

/** One step of an emailed secret, for the audit trail and metrics: never the secret itself. */
export interface EmailFlowEvent {
  readonly step: 'requested' | 'used' | 'refused';
  readonly purpose: EmailTokenPurpose;
  readonly userId?: string;
  /** Why a request sent nothing, or a secret was refused (internal). */
  readonly reason?: string;
}

/** What {@link createEmailFlows} needs. */
export interface EmailFlowDeps {
  readonly users: UserStore;
  readonly store: EmailStore;
  readonly sessions: Pick<SessionManager, 'revokeAll'>;
  readonly hasher: PasswordHasher;
  readonly clock: Clock;
  readonly secrets: EmailSecrets;
  /** Renders and seals a mail; the same work whoever it is for. */
  readonly compose: (content: MailContent) => { readonly recipient: string; readonly payload: string };
  /** Lifetime of each purpose's secrets, in seconds. */
  readonly ttlSec: Readonly<Record<EmailTokenPurpose, number>>;
  /** The login throttle: a password re-checked for an address change counts like a login. */
  readonly loginThrottle?: LoginThrottle;
  /** Refuses common or breached passwords at a reset; none when absent. */
  readonly passwordScreen?: PasswordScreen | undefined;
  /** The service's own context words (its name, `Passwords.ContextWords`); the user's name and address are added. */
  readonly contextWords?: readonly string[] | undefined;
  /**
   * Called at the first proof of a user's address, before the proof is
   * recorded: the server removes there what was added to the account while
   * nobody had proven the address (identities, passkeys, an authenticator
   * app), since whoever added it may not own the mailbox. Its failure fails the proof.
   */
  readonly beforeFirstProof?: (user: UserRecord, proof: EmailTokenPurpose) => Promise<void>;
  /** Told of each step; must not throw. */
  readonly onEvent?: (event: EmailFlowEvent) => void;
}

/** The account flows that go through a mailbox. */
export interface EmailFlows {
  /** Mails a verification link and code to the user's address; `false` when it is verified already. */
  sendVerification(userId: string): Promise<boolean>;
  /** Verifies the address the link was sent to. */
  verifyByLink(token: string): Promise<UserRecord>;
  /**
   * Verifies the signed-in user's address by the mailed code; at the first
   * proof every session of the user but `sessionId` (the one presenting the code) ends.
   */
  verifyByCode(userId: string, code: string, sessionId?: string): Promise<UserRecord>;
  /** Mails a reset link when an enabled account has the address; the same work either way. */
  requestPasswordReset(email: string): Promise<void>;
  /** Sets a new password from a reset link, verifies the address and ends every session. */
  resetPassword(token: string, newPassword: string): Promise<{ user: UserRecord; revokedSessions: number }>;
  /** Re-checks the password, then mails a confirmation link to the new address and a notice to the old one. */
  requestEmailChange(input: {
    readonly userId: string;
    readonly newEmail: string;
    readonly password: string;
    readonly ip?: string | null;
  }): Promise<void>;
  /** Moves the account to the address the confirmation link was sent to, verified; every session ends. */
  confirmEmailChange(token: string): Promise<UserRecord>;
  /** Mails a sign-in link and code when an enabled account has the address; the same work either way. */
  requestSignIn(email: string): Promise<void>;
  /**
   * The user a sign-in link or code (with the address) names; the address
   * counts as verified. `passwordRemoved` when this sign-in was the first
   * proof of the address and cleared a password set before it.
   */
  signIn(input: { readonly token: string } | { readonly email: string; readonly code: string }): Promise<EmailSignIn>;
}

/** What an emailed sign-in did: who it signs in, and whether it cleared their password (first proof). */
export interface EmailSignIn {
  readonly user: UserRecord;
  /**
   * The sign-in was the first proof of the address and the account had a
   * password, chosen before anyone proved the mailbox: it no longer works.
   * Only the one who presented the mailed secret learns it, already signed
   * in as the account, so it tells nobody else anything.
   */
  readonly passwordRemoved: boolean;
}

const invalid = (reason: string) => new AuthError('ERR_EMAIL_TOKEN_INVALID', { reason });

/**
 * The rules of emailed secrets, on top of the {@link EmailStore}:
 * - a secret is made of 256 random bits (links) or 6 digits (codes, at most
 *   {@link MAX_CODE_ATTEMPTS} wrong tries), stored only as a keyed hash bound
 *   to its purpose, used once (the store's atomic consume decides the single
 *   winner), and lives `ttlSec[purpose]`;
 * - it is bound to the user's credential stamp: a password change or reset,
 *   or an address change, made after it was issued voids it;
 * - a request that names an address (reset, sign-in) does the same work,
 *   secret, mail rendering and a database write, whether or not an enabled
 *   account has it, and its answer never says which;
 * - the secret and its mail are written in one transaction, so a mail is
 *   never queued for a secret that was not stored, nor the reverse.
 *
 * @example
 * const flows = createEmailFlows(deps);
 * await flows.requestPasswordReset('alice@example.com');
 */
export function createEmailFlows(deps: EmailFlowDeps): EmailFlows {
  const { users, store, clock, secrets } = deps;
  const emit = (event: EmailFlowEvent) => {
    try {
      deps.onEvent?.(event);
    } catch {
      // An observer's failure must not fail the flow.
    }
  };

  /** A secret, its mails, stored in one transaction; `user` null makes an unusable decoy of the same cost. */
  async function issue(
    purpose: EmailTokenPurpose,
    user: UserRecord | null,
    to: string,
    options: { code?: boolean; extra?: readonly MailContent[]; mailTo?: string } = {},
  ): Promise<void> {
    const now = clock.now();
    const token = secrets.newLinkToken();
    // A decoy is kept under its address's decoy id, where a code presented for that address is looked for.
    const userId = user?.id ?? secrets.decoyUserId(foldEmail(to));
    const code = options.code === true ? secrets.newCode() : undefined;
    const expiresInSec = deps.ttlSec[purpose];
    const record: EmailTokenRecord = {
      id: randomUUID(),
      userId,
      purpose,
      email: to,
      linkHash: secrets.hashLink(purpose, token) as string,
      codeHash: code === undefined ? null : secrets.hashCode(purpose, userId, code),
      stamp: user === null ? '' : secrets.stamp(user),
      attempts: 0,
      createdAt: now,
      expiresAt: now + expiresInSec * 1000,
      usedAt: null,
    };
    const contents: MailContent[] = [
      { kind: purpose, to, token, ...(code === undefined ? {} : { code }), expiresInSec },
      ...(options.extra ?? []),
    ];
    const mails: OutboxMail[] = contents.map((content) => ({
      id: randomUUID(),
      userId: user?.id ?? null,
      kind: content.kind,
      createdAt: now,
      ...deps.compose(content),
    }));
    await store.issue(record, user === null ? [] : mails);
  }

  /** The live user a consumed secret belongs to, if nothing voided it since. */
  async function holderOf(token: EmailTokenRecord | null, purpose: EmailTokenPurpose): Promise<UserRecord> {
    if (token === null) {
      emit({ step: 'refused', purpose, reason: 'unknown-used-or-expired' });
      throw invalid('unknown-used-or-expired');
    }
    const user = await users.findById(token.userId);
    const reason =
      user === null
        ? 'user-deleted'
        : user.disabled
          ? 'user-disabled'
          : !secrets.sameStamp(secrets.stamp(user), token.stamp)
            ? 'credentials-changed'
            : undefined;
    if (user === null || reason !== undefined) {
      emit({ step: 'refused', purpose, userId: token.userId, ...(reason === undefined ? {} : { reason }) });
      throw invalid(reason ?? 'unknown');
    }
    emit({ step: 'used', purpose, userId: user.id });
    return user;
  }

  async function consumeLink(purpose: EmailTokenPurpose, token: string): Promise<UserRecord> {
    const hash = secrets.hashLink(purpose, token);
    if (hash === null) {
      emit({ step: 'refused', purpose, reason: 'malformed' });
      throw invalid('malformed');
    }
    return holderOf(await store.consumeLink(purpose, hash, clock.now()), purpose);
  }

  /**
   * Refuses a new password made of the name or address of the reset link's
   * holder, looking the link up without using it. A link that is unknown,
   * used or expired is left to {@link consumeLink} to refuse, in its words.
   */
  async function refuseHolderContext(token: string, password: string): Promise<void> {
    const hash = secrets.hashLink('reset-password', token);
    const record = hash === null ? null : await store.findLink('reset-password', hash, clock.now());
    const holder = record === null ? null : await users.findById(record.userId);
    if (holder !== null) refuseContextWords(password, passwordContextWords(holder, deps.contextWords));
  }

  async function consumeCode(purpose: EmailTokenPurpose, userId: string, code: string): Promise<UserRecord> {
    const hash = secrets.hashCode(purpose, userId, code);
    if (hash === null) {
      emit({ step: 'refused', purpose, userId, reason: 'malformed' });
      throw invalid('malformed');
    }
    const result = await store.consumeCode(purpose, userId, hash, clock.now(), MAX_CODE_ATTEMPTS);
    if (result.outcome !== 'used') {
      const reason = result.outcome === 'wrong' ? 'wrong-code' : 'no-live-code';
      emit({ step: 'refused', purpose, userId, reason });
      throw invalid(reason);
    }
    return holderOf(result.token, purpose);
  }

  /**
   * Marks the address verified, the first time it is proven. Until then
   * whoever registered the address may not own it (account pre-hijacking),
   * so the first proof by an emailed sign-in or a code hands the account to
   * the mailbox: every other session ends, and when the proof came from the
   * mailbox alone (an emailed sign-in) the password, chosen by someone who
   * never proved the address, stops working too; the owner sets one with a
   * reset. The verification link is the exception, see
   * {@link confirmRegistration}. A code proves the
   * mailbox together with a session of the account (`keepSessionId`), so that
   * session and the password stay. Only over the password the secret was
   * checked against: a change that landed meanwhile wins, and this proof fails.
   */
  async function proveAddress(user: UserRecord, proof: EmailTokenPurpose, keepSessionId?: string): Promise<UserRecord> {
    if (user.emailVerifiedAt != null) return user;
    await deps.beforeFirstProof?.(user, proof);
    const changed = await changeCredentials(
      deps,
      user.id,
      { emailVerifiedAt: clock.now(), ...(keepSessionId === undefined ? { passwordHash: NO_PASSWORD_HASH } : {}) },
      {
        reason: 'credentials-changed',
        ifPasswordHash: user.passwordHash,
        ...(keepSessionId === undefined ? {} : { keepSessionId }),
      },
    );
    if (changed === null) throw invalid('credentials-changed');
    return changed.user;
  }

  /** An emailed sign-in's proof of the address, and whether it cleared a password. */
  async function signInAs(holder: UserRecord): Promise<EmailSignIn> {
    const user = await proveAddress(holder, 'sign-in');
    const passwordRemoved = holder.emailVerifiedAt == null && hasPassword(holder);
    return { user, passwordRemoved };
  }

  /**
   * The verification link's proof, the one every new account meets: the
   * address is marked verified, and the password and sessions stay. The
   * link was mailed to confirm a registration, and its mail tells whoever did
   * not sign up to ignore it; clearing the password here would sign out and
   * lock out every owner who registers and then confirms, the usual case, to
   * guard against an owner who opens a link they did not ask for. The ways in
   * added before the proof still go (`beforeFirstProof`), as with any first
   * proof, and a squatter's password goes at the owner's reset or emailed
   * sign-in (docs/accounts.md).
   */
  async function confirmRegistration(user: UserRecord): Promise<UserRecord> {
    if (user.emailVerifiedAt != null) return user;
    await deps.beforeFirstProof?.(user, 'verify-email');
    const now = clock.now();
    return (await users.update(user.id, { emailVerifiedAt: now, updatedAt: now })) ?? user;
  }

  /** The enabled account with this address, or `null`; throws only for an address that cannot be one. */
  async function accountFor(email: string): Promise<{ user: UserRecord | null; to: string }> {
    const { email: typed, key } = normaliseEmail(email);
    const found = await users.findByEmailKey(key);
    const user = found === null || found.disabled ? null : found;
    // Mail goes to the address as the account has it, not as the request spelled it.
    return { user, to: user?.email ?? typed };
  }

  return {
    async sendVerification(userId) {
      const user = await users.findById(userId);
      if (user === null || user.disabled) throw new AuthError('ERR_TOKEN_REVOKED', { reason: 'user-gone' });
      if (user.email == null) throw new AuthError('ERR_EMAIL_REQUIRED', { reason: 'no-address' });
      if (user.emailVerifiedAt != null) return false;
      await issue('verify-email', user, user.email, { code: true });
      emit({ step: 'requested', purpose: 'verify-email', userId: user.id });
      return true;
    },

    async verifyByLink(token) {
      return confirmRegistration(await consumeLink('verify-email', token));
    },

    async verifyByCode(userId, code, sessionId) {
      // Without the presenting session the code proves the mailbox alone, like a link.
      return proveAddress(await consumeCode('verify-email', userId, code), 'verify-email', sessionId);
    },

    async requestPasswordReset(email) {
      const { user, to } = await accountFor(email);
      await issue('reset-password', user, to);
      emit({
        step: 'requested',
        purpose: 'reset-password',
        ...(user === null ? { reason: 'no-enabled-account' } : { userId: user.id }),
      });
    },

    async resetPassword(token, newPassword) {
      // Judged before the link is spent: a refused password leaves the link usable for another try.
      const serviceWords = passwordContextWords({}, deps.contextWords);
      const password = await acceptNewPassword(newPassword, deps.passwordScreen, serviceWords);
      await refuseHolderContext(token, password);
      const user = await consumeLink('reset-password', token);
      const passwordHash = await deps.hasher.hash(password);
      if (user.emailVerifiedAt == null) await deps.beforeFirstProof?.(user, 'reset-password');
      // One credential change: the version bump makes a login checked against the old password
      // fail or be ended, and every session ends. Only over the hash the link was checked
      // against: a password change that landed meanwhile wins, and this reset changes nothing.
      const changed = await changeCredentials(
        deps,
        user.id,
        { passwordHash, ...(user.emailVerifiedAt == null ? { emailVerifiedAt: clock.now() } : {}) },
        { reason: 'password-reset', ifPasswordHash: user.passwordHash },
      );
      if (changed === null) {
        emit({ step: 'refused', purpose: 'reset-password', userId: user.id, reason: 'credentials-changed' });
        throw invalid('credentials-changed');
      }
      return changed;
    },

    async requestEmailChange(input) {
      const { email: newEmail, key } = normaliseNewEmail(input.newEmail);
      const user = await confirmPassword(
        { users, hasher: deps.hasher, throttle: deps.loginThrottle },
        { userId: input.userId, password: input.password, ip: input.ip, wrongPassword: 'ERR_WRONG_CURRENT_PASSWORD' },
      );
      if (user.emailKey === key) throw new AuthError('ERR_EMAIL_TAKEN', { reason: 'same-address' });
      const holder = await users.findByEmailKey(key);
      if (holder !== null) throw new AuthError('ERR_EMAIL_TAKEN');
      const notice: MailContent[] =
        user.email == null ? [] : [{ kind: 'email-changed-notice', to: user.email, newEmail }];
      await issue('change-email', user, newEmail, { extra: notice });
      emit({ step: 'requested', purpose: 'change-email', userId: user.id });
    },

    async confirmEmailChange(token) {
      const hash = secrets.hashLink('change-email', token);
      if (hash === null) {
        emit({ step: 'refused', purpose: 'change-email', reason: 'malformed' });
        throw invalid('malformed');
      }
      const record = await store.consumeLink('change-email', hash, clock.now());
      const user = await holderOf(record, 'change-email');
      const { email, key } = normaliseEmail((record as EmailTokenRecord).email);
      // The address is a credential (login, reset, the tokens' `email` claim): its change ends every session.
      const changed = await changeCredentials(
        deps,
        user.id,
        { email: { email, emailKey: key }, emailVerifiedAt: clock.now() },
        { reason: 'credentials-changed', ifPasswordHash: user.passwordHash },
      );
      if (changed === null) throw invalid('credentials-changed');
      return changed.user;
    },

    async requestSignIn(email) {
      const { user, to } = await accountFor(email);
      await issue('sign-in', user, to, { code: true });
      emit({
        step: 'requested',
        purpose: 'sign-in',
        ...(user === null ? { reason: 'no-enabled-account' } : { userId: user.id }),
      });
    },

    async signIn(input) {
      if ('token' in input) return signInAs(await consumeLink('sign-in', input.token));
      let key: string;
      try {
        key = normaliseEmail(input.email).key;
      } catch {
        throw invalid('malformed');
      }
      const user = await users.findByEmailKey(key);
      if (user === null || user.disabled) {
        // The same check as an account's, against the decoy its sign-in requests left (a disabled
        // account gets decoys too, see accountFor): a refusal that looked nothing up would answer
        // sooner, and tell which addresses have accounts.
        const decoy = secrets.decoyUserId(key);
        const hash = secrets.hashCode('sign-in', decoy, input.code);
        if (hash !== null) await store.consumeCode('sign-in', decoy, hash, clock.now(), MAX_CODE_ATTEMPTS);
        const reason = user === null ? 'no-live-code' : 'user-disabled';
        emit({ step: 'refused', purpose: 'sign-in', reason, ...(user === null ? {} : { userId: user.id }) });
        throw invalid(reason);
      }
      return signInAs(await consumeCode('sign-in', user.id, input.code));
    },
  };
}
