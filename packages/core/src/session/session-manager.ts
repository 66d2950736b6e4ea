import { type Clock, systemClock } from '../clock.js';
import { AuthError } from '../errors/auth-error.js';
import { createAccessTokenVerifier } from '../token/access-token-verifier.js';
import type { AccessTokenClaims } from '../token/claims.js';
import { accessTokenType } from '../token/claims.js';
import type { JwtKey } from '../token/key.js';
import { createKeyRing, type KeyRing } from '../token/key-ring.js';
import { createRefreshTokenCodec, type RefreshTokenCodec } from '../token/refresh-token.js';
import { createJwtSigner } from '../token/sign.js';
import type { UserStore } from '../user/user-store.js';
import { checkSession } from './check-session.js';
import { type IssueSessionInput, issueSession } from './issue.js';
import { loadRevocations } from './load-revocations.js';
import type { IssuedTokens } from './mint-access-token.js';
import { createReadAheads, type SessionReadAhead } from './read-ahead.js';
import { type RefreshSessionInput, refreshSession } from './refresh.js';
import { createExpiredTokenVerifier, type RenewSessionInput, renewSession } from './renew.js';
import { createRevocationList, type RevocationList } from './revocation-list.js';
import { type RevokeOptions, revokeSession, revokeUserSessions } from './revoke.js';
import type { CustomClaimsHook, SessionContext } from './session-context.js';
import type { SessionEvent } from './session-event.js';
import { assertSessionPolicy, type SessionPolicy } from './session-policy.js';
import type { RevokedSession, SessionRecord } from './session-record.js';
import type { SessionStore } from './session-store.js';

/** Options for {@link createSessionManager}. */
export interface SessionManagerOptions {
  readonly sessions: SessionStore;
  readonly users: Pick<UserStore, 'findById'>;
  /** Signs new access tokens. */
  readonly signingKey: JwtKey;
  /** Also accepted when verifying (keys being rotated out). */
  readonly verificationKeys?: readonly JwtKey[];
  /** go-zero's `RefreshSecret`: authenticates refresh tokens and derives their successors. */
  readonly refreshSecret: string | Uint8Array;
  readonly policy: SessionPolicy;
  readonly clock?: Clock;
  readonly customClaims?: CustomClaimsHook;
  readonly onEvent?: (event: SessionEvent) => void;
  readonly onRevoked?: (sessions: readonly RevokedSession[]) => void;
}

/** Sessions and tokens, end to end. */
export interface SessionManager {
  /** Starts a session after the password was checked. */
  issue(input: IssueSessionInput): Promise<IssuedTokens>;
  /** Rotates a refresh token; see {@link refreshSession}. */
  refresh(input: RefreshSessionInput): Promise<IssuedTokens>;
  /**
   * Silent refresh: rotates the session of an expired, otherwise valid access
   * token with the refresh token of that same session; see {@link renewSession}.
   */
  renew(input: RenewSessionInput): Promise<IssuedTokens>;
  /**
   * Starts reading a session now, for a refresh or renewal of it about to be
   * asked for once something else is done (the refresh throttle decides
   * meanwhile); hand it over as `readAhead`. Good for that one refresh only.
   */
  readAhead(sessionId: string): SessionReadAhead;
  /**
   * Verifies an access token and checks its session against the in-process
   * revocation list: no store round trip. Throws a coded `AuthError`.
   */
  authenticate(token: string): AccessTokenClaims;
  /**
   * Strict revocation: one store lookup confirming that the session of
   * already verified claims is still live; see {@link checkSession}. Only for
   * deployments that ask for it; `authenticate` alone is the fast path.
   */
  checkSession(claims: AccessTokenClaims): Promise<void>;
  /** Ends one session (with `userId`, only if it is theirs); `actor` defaults to the one `reason` implies. */
  revoke(sessionId: string, options: RevokeOptions & { userId?: string }): Promise<boolean>;
  /**
   * Ends every session of a user, optionally but one (moved to
   * `exceptCredentialVersion` when given); returns how many ended.
   */
  revokeAll(
    userId: string,
    options: RevokeOptions & { exceptSessionId?: string; exceptCredentialVersion?: number },
  ): Promise<number>;
  /** The user's active sessions, newest first. */
  list(userId: string): Promise<readonly SessionRecord[]>;
  /** How many sessions of all users are active now (see {@link SessionStore.countActive}). */
  countActive(): Promise<number>;
  /**
   * Reloads revocations from the store: all that can still matter (at
   * start-up, or after notifications may have been missed), or only those
   * since `since` (polling). Returns how many were read.
   */
  syncRevocations(since?: number): Promise<number>;
  /** Deletes sessions that ended long enough ago that no token of theirs can matter. */
  deleteEnded(): Promise<number>;
  /**
   * Puts another key ring in place of the one in use, in one step: every
   * operation that starts afterwards signs with its signing key and verifies
   * with its keys only; one already under way finishes with the ring it
   * started with, except that an access token signed by a key the new ring
   * no longer holds is signed again by the new signing key before it is
   * answered: once this returns, no token of a removed key is handed out.
   * Tokens remembered as verified are forgotten with the old
   * ring, so a key left out stops verifying at once. Throws (and changes
   * nothing) if the ring is not one a manager can use.
   */
  replaceKeys(ring: KeyRing): void;
  /** The key ring in use: what signs, and what verifies (and is published). */
  keyRing(): KeyRing;
  readonly revocations: RevocationList;
  readonly refreshTokens: RefreshTokenCodec;
}

/** What one key ring gives the operations: built whole before it is put in place. */
interface KeyedOperations {
  readonly ring: KeyRing;
  readonly ctx: SessionContext;
  readonly verifier: ReturnType<typeof createAccessTokenVerifier>;
  readonly verifyExpired: ReturnType<typeof createExpiredTokenVerifier>;
}

/** Whether the keys of `keyed` verify `token`, a token just signed (so neither expired nor early). */
function stillVerifies(keyed: KeyedOperations, token: string): boolean {
  try {
    keyed.verifier.verify(token);
    return true;
  } catch {
    return false;
  }
}

/**
 * Wires stores, keys and policy into the session operations.
 *
 * @example
 * const sessions = createSessionManager({ sessions: store, users, signingKey, refreshSecret, policy });
 * const tokens = await sessions.issue({ user, device: 'laptop' });
 * sessions.authenticate(tokens.accessToken).sub === user.id;
 */
export function createSessionManager(options: SessionManagerOptions): SessionManager {
  assertSessionPolicy(options.policy);
  const clock = options.clock ?? systemClock;
  const { policy } = options;
  const revocations = createRevocationList({
    clock,
    retentionMs: (policy.accessTtlSec + policy.clockToleranceSec) * 1000,
  });
  const refreshTokens = createRefreshTokenCodec(options.refreshSecret);
  const onEvent = options.onEvent;
  const base: Omit<SessionContext, 'signer'> = {
    store: options.sessions,
    users: options.users,
    refreshTokens,
    revocations,
    clock,
    policy,
    customClaims: options.customClaims,
    emit: onEvent
      ? (event) => {
          try {
            onEvent(event);
          } catch {
            // An observer's failure must not fail a login or a refresh.
          }
        }
      : () => {},
    onRevoked: options.onRevoked,
    readAheads: createReadAheads(options.sessions),
  };
  const verifierOptions = {
    issuer: policy.issuer,
    audience: policy.audience,
    clockToleranceSec: policy.clockToleranceSec,
    clock,
  };
  // The signer, both verifiers and the ring they come from change as one object:
  // an operation takes it once, so it never signs with one ring and verifies with another.
  const keyedBy = (ring: KeyRing): KeyedOperations => ({
    ring,
    ctx: { ...base, signer: createJwtSigner({ key: ring.signingKey, typ: accessTokenType }) },
    // A new verifier starts with an empty cache of verified tokens: none of a dropped key survives the change.
    verifier: createAccessTokenVerifier({ keys: ring.verificationKeys, ...verifierOptions }),
    verifyExpired: createExpiredTokenVerifier({ keys: ring.verificationKeys, ...verifierOptions }),
  });
  let keyed = keyedBy(
    createKeyRing({
      signingKey: options.signingKey,
      verificationKeys: (options.verificationKeys ?? []).filter((k) => k !== options.signingKey),
    }),
  );

  /**
   * Runs an operation that hands out tokens with the keys in place when it
   * starts, and answers an access token no key of the ring now in place
   * verifies (a reload removed its key while the operation ran: a leaked key
   * taken out in an emergency) signed again by the current signing key.
   * The check and the answer run without a pause, so no reload can come
   * between them: once `replaceKeys` has returned, no token of a removed key
   * comes out of this manager. A ring replaced by one that still holds the
   * key (a rotation) changes nothing: the token verifies as it is.
   */
  async function underCurrentKeys(operation: (started: KeyedOperations) => Promise<IssuedTokens>) {
    const started = keyed;
    const tokens = await operation(started);
    const current = keyed;
    if (current === started || stillVerifies(current, tokens.accessToken)) return tokens;
    return { ...tokens, accessToken: current.ctx.signer.resign(tokens.accessToken) };
  }

  return {
    issue: (input) => underCurrentKeys(({ ctx }) => issueSession(ctx, input)),
    refresh: (input) => underCurrentKeys(({ ctx }) => refreshSession(ctx, input)),
    renew: (input) => underCurrentKeys(({ ctx, verifyExpired }) => renewSession(ctx, verifyExpired, input)),
    readAhead: (sessionId) => base.readAheads.start(sessionId),
    authenticate(token) {
      const claims = keyed.verifier.verify(token);
      if (revocations.has(claims.sid)) throw new AuthError('ERR_TOKEN_REVOKED');
      return claims;
    },
    checkSession: (claims) => checkSession(keyed.ctx, claims),
    revoke: (sessionId, opts) => revokeSession(keyed.ctx, sessionId, opts),
    revokeAll: (userId, opts) => revokeUserSessions(keyed.ctx, userId, opts),
    list: (userId) => options.sessions.listActive(userId, clock.now()),
    countActive: () => options.sessions.countActive(clock.now()),
    async syncRevocations(since) {
      const oldest = clock.now() - revocations.retentionMs;
      const recent = await options.sessions.listRevokedSince(since === undefined ? oldest : Math.max(since, oldest));
      // In slices: at start-up this may be a million entries, and /healthz must keep answering.
      return loadRevocations(revocations, recent);
    },
    deleteEnded: () => options.sessions.deleteEnded(clock.now() - revocations.retentionMs),
    replaceKeys(ring) {
      // Everything that can throw happens before the swap.
      keyed = keyedBy(createKeyRing({ signingKey: ring.signingKey, verificationKeys: ring.verificationKeys }));
    },
    keyRing: () => keyed.ring,
    revocations,
    refreshTokens,
  };
}
