import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { AuthError, isAuthError } from '../errors/auth-error.js';
import type { RegistrationThrottle } from '../throttle/registration-throttle.js';
import { passwordContextWords } from './context-words.js';
import { normaliseNewEmail } from './email.js';
import type { PasswordHasher } from './password-hasher.js';
import { acceptNewPassword, type PasswordScreen } from './password-screen.js';
import { DEFAULT_ROLE, isValidRole, ROLE_PATTERN } from './role.js';
import type { UserRecord } from './user-record.js';
import type { UserStore } from './user-store.js';
import { normaliseNewUsername } from './username.js';

/** What registration needs. */
export interface RegisterDeps {
  readonly users: UserStore;
  readonly hasher: PasswordHasher;
  readonly clock: Clock;
  /** Limits registrations per address; none when absent (the CLI). */
  readonly throttle?: RegistrationThrottle;
  /** Refuse registrations without an email address (`ERR_EMAIL_REQUIRED`). */
  readonly requireEmail?: boolean;
  /** Makes the id of each new user; a random UUID when absent (`Auth.UserIdFormat`). */
  readonly newUserId?: () => string;
  /** Refuses common or breached passwords (`Passwords.RejectCommon`, `Passwords.BreachCheck`); none when absent. */
  readonly passwordScreen?: PasswordScreen | undefined;
  /** The service's own context words (its name, `Passwords.ContextWords`); the name and address typed are added. */
  readonly contextWords?: readonly string[] | undefined;
}

/** What {@link registerUser} is asked. */
export interface RegisterInput {
  /** Omitted with an `email`: the account gets a generated name (`u-` and 16 random hex digits). */
  readonly username?: string | undefined;
  readonly email?: string | undefined;
  readonly password: string;
  readonly role?: string;
  /** The address is known to be the registrant's (an invitation mailed to it was opened): it starts verified. */
  readonly emailVerified?: boolean;
  readonly ip?: string | null;
}

/** Stores the new user; {@link UserStore.create} unless the caller stores it with more (an invitation it uses). */
export type SaveNewUser = (user: UserRecord) => Promise<void>;

/**
 * A name for an account registered without one (with an email only, or
 * through an identity provider): never a real person's, never the address.
 *
 * @example
 * generatedUsername(); // 'u-3f9a1c0b2d4e5f60'
 */
export function generatedUsername(): string {
  return `u-${randomBytes(8).toString('hex')}`;
}

/**
 * Creates a user. Throws `ERR_INVALID_USERNAME`, `ERR_INVALID_EMAIL`,
 * `ERR_EMAIL_REQUIRED`, `ERR_INVALID_PASSWORD`,
 * `ERR_PASSWORD_CONTAINS_CONTEXT` (a password made of the name or address
 * typed, or of the service's words), the screen's codes
 * (`ERR_COMMON_PASSWORD`...), `ERR_USERNAME_TAKEN`, `ERR_EMAIL_TAKEN` or,
 * with a throttle, `ERR_RATE_LIMITED`; the store's unique indexes settle
 * concurrent attempts. The email starts unverified unless `emailVerified`.
 * `save` replaces `users.create` where the insert must go with another
 * change in one transaction. The password is judged
 * before any look-up: its verdict is the same whether or not the name or the
 * address is taken.
 *
 * @example
 * const user = await registerUser(deps, { username: 'alice', password: 'correct horse battery' });
 */
export async function registerUser(deps: RegisterDeps, input: RegisterInput, save?: SaveNewUser): Promise<UserRecord> {
  return throttled(deps, input, async () => (await createUser(deps, input, save, false)) as UserRecord);
}

/**
 * {@link registerUser} for a registration that must not tell whether its
 * address has an account (`Register.ConcealTakenEmail`, OWASP ASVS 5.0
 * 6.3.8): a taken address gives `null` instead of `ERR_EMAIL_TAKEN`, after
 * the same checks and the same password hashing as a new account, and the
 * caller answers both alike. Every other refusal, `ERR_USERNAME_TAKEN`
 * included (a name is chosen, a generated one is never taken), is thrown as
 * by {@link registerUser}; so is a race lost to a concurrent registration of
 * the same address, turned into `null` too.
 *
 * @example
 * const user = await registerConcealingEmail(deps, { email: 'alice@example.com', password });
 * if (user === null) await mailTheHolder();
 */
export async function registerConcealingEmail(deps: RegisterDeps, input: RegisterInput): Promise<UserRecord | null> {
  return throttled(deps, input, () => createUser(deps, input, undefined, true));
}

async function throttled<T>(deps: RegisterDeps, input: RegisterInput, create: () => Promise<T>): Promise<T> {
  const cancel = deps.throttle === undefined ? undefined : await deps.throttle.reserve(input.ip ?? null);
  try {
    return await create();
  } catch (error) {
    // An attempt a store (or the breach check) could not judge is taken back; any answer the user got counts.
    const unjudged = isAuthError(error, 'ERR_STORE_UNAVAILABLE') || isAuthError(error, 'ERR_BREACH_CHECK_UNAVAILABLE');
    if (cancel !== undefined && unjudged) await cancel().catch(() => {});
    throw error;
  }
}

async function createUser(
  deps: RegisterDeps,
  input: RegisterInput,
  save: SaveNewUser | undefined,
  concealEmail: boolean,
): Promise<UserRecord | null> {
  if (input.username === undefined && input.email === undefined) {
    throw new AuthError('ERR_INVALID_USERNAME', { reason: 'missing', message: 'A username or an email is required' });
  }
  if (deps.requireEmail === true && input.email === undefined) throw new AuthError('ERR_EMAIL_REQUIRED');
  const { username, key } = normaliseNewUsername(input.username ?? generatedUsername());
  const email = input.email === undefined ? null : normaliseNewEmail(input.email);
  // The name and address as typed: a generated name is nobody's guess.
  const context = passwordContextWords({ username: input.username, email: email?.email }, deps.contextWords);
  const password = await acceptNewPassword(input.password, deps.passwordScreen, context);
  const role = input.role ?? DEFAULT_ROLE;
  if (!isValidRole(role)) throw new TypeError(`role "${role}" must match ${ROLE_PATTERN}`);
  // Registration reveals whether a name is taken anyway; checking first spares the hashing work.
  if ((await deps.users.findByUsernameKey(key)) !== null) throw new AuthError('ERR_USERNAME_TAKEN');
  if (email !== null && (await deps.users.findByEmailKey(email.key)) !== null) {
    if (!concealEmail) throw new AuthError('ERR_EMAIL_TAKEN');
    // The hashing a new account costs, so that the time taken does not tell a taken address.
    await deps.hasher.hash(password);
    return null;
  }
  const now = deps.clock.now();
  const user: UserRecord = {
    id: await newUserIdFor(deps),
    username,
    usernameKey: key,
    passwordHash: await deps.hasher.hash(password),
    role,
    disabled: false,
    credentialVersion: 0,
    createdAt: now,
    updatedAt: now,
    email: email?.email ?? null,
    emailKey: email?.key ?? null,
    emailVerifiedAt: email !== null && input.emailVerified === true ? now : null,
  };
  try {
    await (save === undefined ? deps.users.create(user) : save(user));
  } catch (error) {
    if (concealEmail && isAuthError(error, 'ERR_EMAIL_TAKEN')) return null;
    throw error;
  }
  return user;
}

/**
 * A generated id can only meet an imported one (the generator never repeats
 * itself), so one look-up per registration keeps imported users' ids safe.
 *
 * @example
 * const id = await newUserIdFor({ users, newUserId });
 */
export async function newUserIdFor(deps: Pick<RegisterDeps, 'users' | 'newUserId'>): Promise<string> {
  if (deps.newUserId === undefined) return randomUUID();
  for (let tries = 0; tries < 8; tries++) {
    const id = deps.newUserId();
    if ((await deps.users.findById(id)) === null) return id;
  }
  throw new Error('no free user id after 8 tries; the id generator and the imported ids overlap');
}
