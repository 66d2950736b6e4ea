import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { MailContent } from '../email/email-flows.js';
import type { OutboxMail } from '../email/email-store.js';
import type { EmailSecrets } from '../email/one-time-secret.js';
import { AuthError, isAuthError } from '../errors/auth-error.js';
import { normaliseEmail, normaliseNewEmail } from '../user/email.js';
import { type RegisterDeps, type RegisterInput, registerUser } from '../user/register.js';
import { ADMIN_ROLE, isValidRole, ROLE_PATTERN } from '../user/role.js';
import type { UserRecord } from '../user/user-record.js';
import type { UserStore } from '../user/user-store.js';
import type { InvitationRecord, InvitationStore } from './invitation-store.js';

/** What making and using invitations needs. */
export interface InvitationDeps {
  readonly store: InvitationStore;
  readonly users: Pick<UserStore, 'findByEmailKey'>;
  /** The emailed secrets' maker and keyed hash, used here for the purpose `invitation`. */
  readonly secrets: EmailSecrets;
  readonly clock: Clock;
}

/** What {@link inviteUser} is asked. */
export interface InviteInput {
  readonly email: string;
  readonly role: string;
  /** The administrator making it; `null` for an operator at the command line. */
  readonly createdBy: string | null;
  /** How long it can be used (`Register.InvitationTtl`). */
  readonly ttlSec: number;
  /** Renders and seals its mail, which is queued with it; no mail is queued without it. */
  readonly compose?: ((content: MailContent) => { readonly recipient: string; readonly payload: string }) | undefined;
}

const invalid = (reason: string) => new AuthError('ERR_INVITATION_INVALID', { reason });

/**
 * Makes an invitation for `email` to register with `role`: a link secret of
 * 256 random bits, stored only as its keyed hash (bound to the purpose
 * `invitation`, so no other emailed secret is accepted for it), used once,
 * living `ttlSec`. With `compose`, its mail is queued in the same
 * transaction. Throws `ERR_INVALID_EMAIL`, or `ERR_EMAIL_TAKEN` when an
 * account has the address already (an administrator may learn that), or
 * `ERR_FORBIDDEN`, storing nothing, when the administrator making it
 * (`createdBy`) is no longer an enabled administrator as it is stored.
 * Answers the secret once; nothing keeps it.
 *
 * @example
 * const { invitation, secret } = await inviteUser(deps, { email, role: 'user', createdBy: adminId, ttlSec: 604800 });
 */
export async function inviteUser(
  deps: InvitationDeps,
  input: InviteInput,
): Promise<{ readonly invitation: InvitationRecord; readonly secret: string }> {
  if (!isValidRole(input.role)) throw new TypeError(`role "${input.role}" must match ${ROLE_PATTERN}`);
  const { email, key } = normaliseNewEmail(input.email);
  if ((await deps.users.findByEmailKey(key)) !== null) throw new AuthError('ERR_EMAIL_TAKEN');
  const now = deps.clock.now();
  const secret = deps.secrets.newLinkToken();
  const invitation: InvitationRecord = {
    id: randomUUID(),
    email,
    emailKey: key,
    role: input.role,
    linkHash: deps.secrets.hashLink('invitation', secret) as string,
    createdBy: input.createdBy,
    createdAt: now,
    expiresAt: now + input.ttlSec * 1000,
    usedAt: null,
    userId: null,
    revokedAt: null,
  };
  const mail: OutboxMail | null =
    input.compose === undefined
      ? null
      : {
          id: randomUUID(),
          userId: null,
          kind: 'invitation',
          createdAt: now,
          ...input.compose({ kind: 'invitation', to: email, token: secret, expiresInSec: input.ttlSec }),
        };
  // An administrator's authority is checked with the insert, not only when their request began.
  await deps.store.create(invitation, mail, input.createdBy === null ? {} : { makerRole: ADMIN_ROLE });
  return { invitation, secret };
}

/** The hash of an invitation secret, or `ERR_INVITATION_INVALID` for text that is no secret. */
function hashOf(deps: Pick<InvitationDeps, 'secrets'>, secret: string): string {
  const hash = deps.secrets.hashLink('invitation', secret);
  if (hash === null) throw invalid('malformed');
  return hash;
}

/**
 * The live invitation of `hash` whose maker still holds the authority it was
 * made with, or `ERR_INVITATION_INVALID`. An administrator's invitation
 * lasts only as long as they stay an enabled administrator: otherwise one
 * about to be demoted, disabled or deleted could invite an address of their
 * own and register a fresh administrator afterwards. An operator's (no
 * maker) answers to no account.
 */
async function findUsable(
  deps: Pick<InvitationDeps, 'store' | 'clock'> & { readonly users: Pick<UserStore, 'findById'> },
  hash: string,
): Promise<InvitationRecord> {
  const invitation = await deps.store.findLive(hash, deps.clock.now());
  if (invitation === null) throw invalid('not-live');
  if (invitation.createdBy !== null) {
    const maker = await deps.users.findById(invitation.createdBy);
    if (maker === null || maker.disabled || maker.role !== ADMIN_ROLE) throw invalid('maker-not-admin');
  }
  return invitation;
}

/**
 * The live invitation `secret` opens, for the page to show which address it
 * is for; throws `ERR_INVITATION_INVALID` alike for a secret never issued,
 * used, revoked or expired, or made by an administrator who no longer is one,
 * so the answer tells nothing more.
 *
 * @example
 * const { email } = await openInvitation(deps, secret);
 */
export async function openInvitation(
  deps: Pick<InvitationDeps, 'store' | 'secrets' | 'clock'> & { readonly users: Pick<UserStore, 'findById'> },
  secret: string,
): Promise<InvitationRecord> {
  return findUsable(deps, hashOf(deps, secret));
}

/**
 * Registers with an invitation, open registration or not: the account gets
 * the invitation's role and address, verified (opening the mailed link
 * proved the address). Registration's own checks run as usual (username,
 * password, the per-address limit) and the invitation is used only in the
 * transaction that inserts the account ({@link InvitationStore.accept}): a
 * registration refused for any other reason leaves it usable, and of
 * concurrent ones exactly one uses it. An `email` given must be the invited
 * one (`ERR_VALIDATION`). Throws `ERR_INVITATION_INVALID` for a secret that
 * is not live or whose administrator no longer is one, and everything
 * {@link registerUser} throws.
 *
 * @example
 * const { user, invitation } = await registerWithInvitation(deps, { invitation: secret, username: 'bob', password });
 */
export async function registerWithInvitation(
  deps: RegisterDeps & Pick<InvitationDeps, 'store' | 'secrets'>,
  input: Omit<RegisterInput, 'role' | 'emailVerified'> & { readonly invitation: string },
): Promise<{ readonly user: UserRecord; readonly invitation: InvitationRecord }> {
  const hash = hashOf(deps, input.invitation);
  const found = await findUsable(deps, hash);
  if (input.email !== undefined && normaliseEmail(input.email).key !== found.emailKey) {
    throw new AuthError('ERR_VALIDATION', {
      reason: 'other-address',
      message: 'This invitation is for another email address; leave the address out',
    });
  }
  let used: InvitationRecord = found;
  let user: UserRecord;
  try {
    user = await registerUser(
      deps,
      {
        ...(input.username === undefined ? {} : { username: input.username }),
        email: found.email,
        password: input.password,
        role: found.role,
        emailVerified: true,
        ...(input.ip === undefined ? {} : { ip: input.ip }),
      },
      async (user) => {
        used = await deps.store.accept(hash, user, user.createdAt);
      },
    );
  } catch (error) {
    // A concurrent registration with this invitation took the address first: that is
    // the invitation being used, and the loser hears so, not that the address is taken.
    if (isAuthError(error, 'ERR_EMAIL_TAKEN') && (await deps.store.findLive(hash, deps.clock.now())) === null) {
      throw invalid('used-meanwhile');
    }
    throw error;
  }
  return { user, invitation: used };
}
