import { errorFromResponse, JwtgateClientError } from './client-error.js';
import { decodeJwt } from './decode-jwt.js';
import { createRefreshCoordinator } from './refresh-coordinator.js';
import type { AccessTokenClaims, InvitationSummary, RegisterRequest, RegistrationAccepted } from './server-types.js';
import { parseTabMessage, type TabMessage } from './tab-messages.js';
import type {
  AccessTokenView,
  AuthSettings,
  ChannelLike,
  ClientOptions,
  ClientState,
  EmailSignInResult,
  EmailState,
  LockManagerLike,
  LogoutScope,
  Me,
  MfaStatus,
  PasskeyInfo,
  PublicUser,
  SecondFactorChallenge,
  SecondFactorMethod,
  SessionInfo,
  TimersLike,
  TotpEnrolment,
} from './types.js';
import {
  type CreationOptionsJson,
  createPasskeyCredential,
  defaultWebAuthn,
  getPasskeyCredential,
  type RequestOptionsJson,
  type WebAuthnLike,
} from './webauthn.js';

/** A jwtgate session in a web page. */
export interface JwtgateClient {
  /** Signed in, signed out, or not known yet. */
  readonly state: ClientState;
  /** Called on every change of `state`; returns the unsubscribe function. */
  subscribe(listener: (state: ClientState) => void): () => void;
  /** On page load: signs in again from the refresh cookie, if there is a live one. */
  resume(): Promise<boolean>;
  /** What the server offers at sign-up and sign-in, for drawing the right forms. */
  settings(): Promise<AuthSettings>;
  /**
   * A username, an email or both; with an email the server mails a
   * verification at once. With an `invitation` (the secret of an invitation
   * link), it works even while registration is closed, and the account gets
   * the invited address, verified, and role. A server with
   * `Register.ConcealTakenEmail` answers a registration with an email
   * `{ accepted: true }` instead of the account, whether or not the address
   * was taken: tell the user to check their mail, and do not log in.
   */
  register(input: RegisterRequest): Promise<PublicUser | RegistrationAccepted>;
  /** The address an invitation is for, and until when it works; `ERR_INVITATION_INVALID` for one that does not. */
  openInvitation(invitation: string): Promise<InvitationSummary>;
  /**
   * Logs in in cookie mode: the refresh token goes into an HttpOnly cookie,
   * the access token stays in memory. A user with a second factor gets a
   * {@link SecondFactorChallenge} instead, and is not signed in until
   * `verifySecondFactor` (or, when `enrollmentRequired`, `confirmEnrolment` or `enrolPasskey`).
   */
  login(
    input: ({ readonly username: string } | { readonly email: string }) & {
      readonly password: string;
      readonly device?: string;
    },
  ): Promise<AccessTokenView | SecondFactorChallenge>;
  /** Changes the signed-in user's password; their other sessions end. Returns how many. */
  changePassword(input: { readonly currentPassword: string; readonly newPassword: string }): Promise<number>;
  /** Asks for a reset link by mail; resolves alike whether or not an account has the address. */
  requestPasswordReset(email: string): Promise<void>;
  /** Sets a new password with the secret of a reset link; every session of the user ends. */
  resetPassword(input: { readonly token: string; readonly newPassword: string }): Promise<number>;
  /** Mails the signed-in user a verification link and code; `false` when the address is verified already. */
  sendEmailVerification(): Promise<boolean>;
  /** Verifies with a link's secret, or (signed in) a mailed code. */
  verifyEmail(input: { readonly token: string } | { readonly code: string }): Promise<EmailState>;
  /** Asks to move the signed-in account to a new address; the password is checked like a login. */
  changeEmail(input: { readonly newEmail: string; readonly password: string }): Promise<void>;
  /** Confirms a new address with the secret of the link mailed to it; every session of the account ends. */
  confirmEmailChange(token: string): Promise<EmailState>;
  /** Asks for a sign-in link and code by mail (`Auth.EmailSignIn`); resolves alike for any address. */
  requestEmailSignIn(email: string): Promise<void>;
  /**
   * Signs in (cookie mode) with a sign-in link's secret, or the address and
   * mailed code; a second factor may follow. `passwordRemoved` says the
   * first proof of the address cleared the password set before it.
   */
  signInWithEmail(
    input: ({ readonly token: string } | { readonly email: string; readonly code: string }) & {
      readonly device?: string;
    },
  ): Promise<EmailSignInResult>;
  /**
   * Finishes a paused login with an app code, a recovery code, or a passkey
   * (`webauthn`: the browser asks for one of the user's passkeys); signs in.
   */
  verifySecondFactor(
    input:
      | { readonly mfaToken: string; readonly method: 'totp' | 'recovery'; readonly code: string }
      | { readonly mfaToken: string; readonly method: 'webauthn' },
  ): Promise<AccessTokenView>;
  /**
   * Signs in with a passkey and no password or username: the browser offers
   * the passkeys it holds for this site, and verifies the user (PIN,
   * biometrics).
   */
  signInWithPasskey(input?: { readonly device?: string }): Promise<AccessTokenView>;
  /** The signed-in user's passkeys. */
  passkeys(): Promise<readonly PasskeyInfo[]>;
  /**
   * Makes a passkey for the signed-in user and registers it. Needs the
   * password when the account has one (missing or wrong:
   * `ERR_REAUTHENTICATION_FAILED`, counted as a failed login), and a recent
   * sign-in (and with a second factor, when the user has one): else
   * `ERR_INSUFFICIENT_AUTHENTICATION`, and the user signs in again. An
   * account without a password leaves `password` out.
   */
  addPasskey(input?: { readonly password?: string; readonly name?: string }): Promise<PasskeyInfo>;
  renamePasskey(id: string, name: string): Promise<void>;
  /**
   * Deletes a passkey: needs a sign-in with a second factor at most 10 minutes
   * old (else `ERR_INSUFFICIENT_AUTHENTICATION`), and
   * the password when it is the user's last one.
   */
  deletePasskey(id: string, proof?: { readonly password?: string }): Promise<void>;
  /**
   * Sets up an authenticator app: signed in, with the password checked again;
   * or, in a login answered with `enrollmentRequired`, with its mfaToken.
   */
  startEnrolment(proof: { readonly password: string } | { readonly mfaToken: string }): Promise<TotpEnrolment>;
  /**
   * In a login answered with `enrollmentRequired`, makes a passkey (the
   * browser asks the user) and registers it with the login's mfaToken, which
   * finishes the login: signed in with both factors.
   */
  enrolPasskey(input: { readonly mfaToken: string; readonly name?: string }): Promise<AccessTokenView>;
  /**
   * Turns the app on with a code it shows; returns the recovery codes, once.
   * With the mfaToken of a login that required the set-up, also signs in.
   */
  confirmEnrolment(input: {
    readonly code: string;
    readonly mfaToken?: string;
  }): Promise<{ readonly recoveryCodes: readonly string[] }>;
  /** The signed-in user's second factors. */
  mfaStatus(): Promise<MfaStatus>;
  /**
   * Turns the app off: needs a session signed in with it (else
   * `ERR_INSUFFICIENT_AUTHENTICATION`) and the password or a code again; a
   * code only while a passkey stays (the last second factor needs the
   * password, else `ERR_REAUTHENTICATION_FAILED`).
   */
  disableTotp(
    proof: { readonly password: string } | { readonly code: string; readonly method?: 'totp' | 'recovery' },
  ): Promise<void>;
  /** Replaces the recovery codes (same requirements as `disableTotp`, with the password). */
  renewRecoveryCodes(password: string): Promise<readonly string[]>;
  /** Ends this device's session, every other one, or all. Returns how many ended. */
  logout(scope?: LogoutScope): Promise<number>;
  me(): Promise<Me>;
  sessions(): Promise<readonly SessionInfo[]>;
  revokeSession(id: string): Promise<void>;
  /**
   * `fetch` with the access token attached (only for `baseUrl` and
   * `apiOrigins`): refreshes first when the token has expired, adopts a
   * token the server renewed on the fly (`X-Access-Token`), and on a 401
   * refreshes once and retries once.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Refreshes now (shared with any refresh already under way, here or in another tab). */
  refresh(): Promise<boolean>;
  /** Stops the refresh timer and leaves the tab channel. */
  close(): void;
}

/** A login's answer in cookie mode. */
interface TokenAnswer {
  readonly accessToken: string;
  readonly expiresIn: number;
  readonly refreshAfter: number;
}

/** A login the server paused for a second factor. */
interface PausedLogin {
  readonly mfaRequired: true;
  readonly mfaToken: string;
  readonly methods: SecondFactorMethod[];
  readonly enrollmentRequired?: true;
}

const CSRF_HEADER = 'x-jwtgate-csrf';
const RETRY_AFTER_FAILURE_MS = 5_000;

const defaultTimers: TimersLike = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

function defaultLocks(): LockManagerLike | null {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  return locks ?? null;
}

function baseOf(baseUrl: string): URL {
  const location = (globalThis as { location?: { href: string } }).location;
  const base = new URL(baseUrl, location?.href);
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new TypeError('baseUrl must be an http(s) URL');
  if (!base.pathname.endsWith('/')) base.pathname = `${base.pathname}/`;
  base.search = '';
  base.hash = '';
  return base;
}

/**
 * Creates the client. The access token lives in this object's memory only:
 * never in `localStorage`, `sessionStorage`, IndexedDB or a readable cookie.
 * Tabs of the same site share one session: they take turns to refresh (Web
 * Locks) and hand each other the new token (BroadcastChannel), so a burst of
 * requests across tabs causes one refresh.
 *
 * @example
 * const client = createClient({ baseUrl: location.origin });
 * if (!(await client.resume())) await client.login({ username, password });
 * const me = await client.me();
 */
export function createClient(options: ClientOptions): JwtgateClient {
  const base = baseOf(options.baseUrl);
  const tokenOrigins = new Set([base.origin, ...(options.apiOrigins ?? []).map((origin) => new URL(origin).origin)]);
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const clock = options.clock ?? Date;
  const timers = options.timers ?? defaultTimers;
  const locks = options.locks === undefined ? defaultLocks() : options.locks;
  const ownsChannel = options.channel === undefined && typeof BroadcastChannel === 'function';
  const channel: ChannelLike | null =
    options.channel === undefined
      ? ownsChannel
        ? new BroadcastChannel(`jwtgate:${base.href}`)
        : null
      : options.channel;
  const expiryMarginMs = options.expiryMarginMs ?? 2_000;
  const webauthn = options.webauthn === undefined ? defaultWebAuthn() : options.webauthn;

  /** Where passkeys are made and used; a clear error where there is nothing to make them with. */
  function webauthnOf(): WebAuthnLike {
    if (webauthn === null) {
      throw new JwtgateClientError('ERR_WEBAUTHN_UNAVAILABLE', 'This browser cannot make or use passkeys', 0);
    }
    return webauthn;
  }

  let token: AccessTokenView | null = null;
  let status: ClientState['status'] = 'unknown';
  /** Changes with every piece of news a waiting refresh cares about; see the coordinator. */
  let epoch = 0;
  let refreshTimer: unknown;
  let closed = false;
  const listeners = new Set<(state: ClientState) => void>();
  const newsWaiters = new Set<() => void>();

  const url = (path: string) => new URL(path, base);
  const snapshot = (): ClientState =>
    status === 'signed-in' && token !== null
      ? { status, token }
      : status === 'signed-out'
        ? { status }
        : { status: 'unknown' };

  function announce(message: TabMessage): void {
    try {
      channel?.postMessage(message);
    } catch {
      // A closed channel only means the other tabs refresh for themselves.
    }
  }

  function news(): void {
    epoch += 1;
    for (const waiter of [...newsWaiters]) waiter();
  }

  function changed(): void {
    news();
    schedule();
    const state = snapshot();
    for (const listener of [...listeners]) {
      try {
        listener(state);
      } catch {
        // A page's listener must not break the session.
      }
    }
  }

  function adopt(view: AccessTokenView, share: boolean): void {
    token = view;
    status = 'signed-in';
    changed();
    if (share) {
      announce({ type: 'token', accessToken: view.accessToken, expiresAt: view.expiresAt, refreshAt: view.refreshAt });
    }
  }

  function signOut(share: boolean): void {
    const wasSignedOut = status === 'signed-out' && token === null;
    token = null;
    status = 'signed-out';
    if (!wasSignedOut) changed();
    if (share) announce({ type: 'signed-out' });
  }

  /** A view of `accessToken`, timed from now: `lifetimeSec` and `refreshInSec` count from its issuance. */
  function viewOf(accessToken: string, timing: { lifetimeSec?: number; refreshAfter?: number }): AccessTokenView {
    const decoded = decodeJwt(accessToken);
    const claims = decoded?.claims as AccessTokenClaims | undefined;
    if (decoded === null || claims === undefined || typeof claims.exp !== 'number' || typeof claims.iat !== 'number') {
      throw new JwtgateClientError('ERR_UNEXPECTED_RESPONSE', 'The server answered something that is not a token', 200);
    }
    const lifetimeSec = timing.lifetimeSec ?? claims.exp - claims.iat;
    const refreshInSec = timing.refreshAfter === undefined ? lifetimeSec / 2 : timing.refreshAfter - claims.iat;
    const now = clock.now();
    return {
      accessToken,
      header: decoded.header,
      claims,
      expiresAt: now + lifetimeSec * 1000,
      refreshAt: now + Math.max(0, Math.min(refreshInSec, lifetimeSec)) * 1000,
    };
  }

  /** When a token must be replaced: at `refreshAfter`, and never later than the margin before expiry. */
  const dueAt = (view: AccessTokenView) => Math.min(view.refreshAt, view.expiresAt - expiryMarginMs);

  function schedule(): void {
    if (refreshTimer !== undefined) timers.clearTimeout(refreshTimer);
    refreshTimer = undefined;
    if (token === null || closed) return;
    const scheduledFor = token;
    const fire = () => {
      refreshTimer = undefined;
      if (token !== scheduledFor) return;
      coordinator.refresh().catch(() => {
        if (token === scheduledFor && !closed) refreshTimer = timers.setTimeout(fire, RETRY_AFTER_FAILURE_MS);
      });
    };
    refreshTimer = timers.setTimeout(fire, Math.max(0, dueAt(token) - clock.now()));
  }

  function onTabMessage(event: { readonly data: unknown }): void {
    const message = parseTabMessage(event.data);
    if (message === null || closed) return;
    if (message.type === 'refresh-failed') {
      news();
      return;
    }
    if (message.type === 'signed-out') {
      signOut(false);
      return;
    }
    if (message.accessToken === token?.accessToken) return;
    let view: AccessTokenView;
    try {
      view = viewOf(message.accessToken, {});
    } catch {
      return;
    }
    // Messages may cross: never trade a newer token for an older one.
    if (token !== null && view.claims.iat < token.claims.iat) return;
    adopt({ ...view, expiresAt: message.expiresAt, refreshAt: message.refreshAt }, false);
  }
  channel?.addEventListener('message', onTabMessage);

  function waitForNews(sinceEpoch: number, ms: number): Promise<void> {
    if (epoch !== sinceEpoch) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = () => {
        timers.clearTimeout(timer);
        newsWaiters.delete(waiter);
        resolve();
      };
      const timer = timers.setTimeout(waiter, ms);
      newsWaiters.add(waiter);
    });
  }

  async function send(input: URL | Request, init?: RequestInit): Promise<Response> {
    try {
      return await fetchImpl(input, init);
    } catch (cause) {
      throw new JwtgateClientError('ERR_NETWORK', 'The server could not be reached', 0, { cause });
    }
  }

  async function refreshHere(): Promise<boolean> {
    let response: Response;
    try {
      response = await send(url('auth/refresh'), {
        method: 'POST',
        headers: { [CSRF_HEADER]: '1' },
        credentials: 'include',
        cache: 'no-store',
      });
    } catch (error) {
      announce({ type: 'refresh-failed' });
      throw error;
    }
    if (response.status === 401) {
      // The cookie is missing, expired, reused or its session revoked: the server deleted it.
      await response.body?.cancel();
      signOut(true);
      return false;
    }
    if (!response.ok) {
      announce({ type: 'refresh-failed' });
      throw await errorFromResponse(response);
    }
    const body = (await response.json()) as { accessToken: string; expiresIn: number; refreshAfter: number };
    adopt(viewOf(body.accessToken, { lifetimeSec: body.expiresIn, refreshAfter: body.refreshAfter }), true);
    return true;
  }

  const coordinator = createRefreshCoordinator({
    locks,
    lockName: `jwtgate-refresh:${base.href}`,
    timers,
    peerWaitMs: options.peerWaitMs ?? 3_000,
    lockHoldMs: options.lockHoldMs ?? 250,
    epoch: () => epoch,
    freshness: () =>
      token === null
        ? status === 'signed-out'
          ? 'signed-out'
          : 'stale'
        : clock.now() < dueAt(token)
          ? 'fresh'
          : 'stale',
    waitForNews,
    refreshHere,
  });

  /** A refresh whose failure to reach the server is not the caller's problem. */
  async function refreshIfPossible(): Promise<boolean> {
    try {
      return await coordinator.refresh();
    } catch {
      return false;
    }
  }

  function adoptRenewed(response: Response): void {
    const renewed = response.headers.get('x-access-token');
    if (renewed === null || renewed === token?.accessToken || new URL(response.url || base).origin !== base.origin) {
      return;
    }
    const refreshAfter = Number(response.headers.get('x-refresh-after'));
    try {
      adopt(viewOf(renewed, Number.isFinite(refreshAfter) && refreshAfter > 0 ? { refreshAfter } : {}), true);
    } catch {
      // Not a token: keep the one we have.
    }
  }

  async function clientFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = new Request(input instanceof Request ? input : new URL(input, base), init);
    const origin = new URL(request.url).origin;
    if (!tokenOrigins.has(origin)) return send(request);
    if (status === 'unknown' || (token !== null && clock.now() >= dueAt(token))) {
      await refreshIfPossible();
    }
    const attempt = async (): Promise<{ response: Response; sent: AccessTokenView | null }> => {
      const sent = token;
      const headers = new Headers(request.headers);
      if (sent !== null) headers.set('authorization', `Bearer ${sent.accessToken}`);
      if (origin === base.origin) headers.set(CSRF_HEADER, '1');
      const response = await send(
        new Request(request.clone(), {
          headers,
          ...(origin === base.origin ? { credentials: 'include' as const } : {}),
        }),
      );
      if (origin === base.origin) adoptRenewed(response);
      return { response, sent };
    };
    const first = await attempt();
    if (first.response.status !== 401 || (first.sent === null && status === 'signed-out')) return first.response;
    // Another flight may have brought a new token while this request was out; else refresh once.
    const signedIn = token !== null && token !== first.sent ? true : await refreshIfPossible();
    if (!signedIn || token === null) return first.response;
    await first.response.body?.cancel();
    return (await attempt()).response;
  }

  async function json<T>(response: Response): Promise<T> {
    if (!response.ok) throw await errorFromResponse(response);
    try {
      return (await response.json()) as T;
    } catch (cause) {
      throw new JwtgateClientError('ERR_UNEXPECTED_RESPONSE', 'The answer is not JSON', response.status, { cause });
    }
  }

  /** A JSON request with the access token, through `clientFetch` (refresh and retry included). */
  function authorised(method: 'POST' | 'PATCH' | 'DELETE', path: string, body: unknown): Promise<Response> {
    return clientFetch(url(path), {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
  }

  /** A login's answer: signed in, or paused for a second factor. */
  async function finishOrPause(response: Response): Promise<AccessTokenView | SecondFactorChallenge> {
    return signedInOrPaused(await json<TokenAnswer | PausedLogin>(response));
  }

  /** Adopts a finished login's tokens, or answers the pause. */
  function signedInOrPaused(body: TokenAnswer | PausedLogin): AccessTokenView | SecondFactorChallenge {
    if ('mfaRequired' in body && body.mfaRequired === true) {
      return {
        mfaRequired: true,
        mfaToken: body.mfaToken,
        methods: body.methods,
        enrollmentRequired: body.enrollmentRequired === true,
      };
    }
    return signIn(body as TokenAnswer);
  }

  /** Adopts the tokens of a finished login (the refresh token is in the cookie). */
  function signIn(body: TokenAnswer): AccessTokenView {
    const view = viewOf(body.accessToken, { lifetimeSec: body.expiresIn, refreshAfter: body.refreshAfter });
    adopt(view, true);
    return view;
  }

  function post(path: string, body: unknown): Promise<Response> {
    return send(url(path), {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CSRF_HEADER]: '1' },
      credentials: 'include',
      cache: 'no-store',
      body: JSON.stringify(body),
    });
  }

  return {
    get state() {
      return snapshot();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async resume() {
      if (status === 'signed-in') return true;
      return coordinator.refresh();
    },
    async settings() {
      return json<AuthSettings>(await send(url('auth/settings'), { credentials: 'omit', cache: 'no-store' }));
    },
    async register(input) {
      return json<PublicUser | RegistrationAccepted>(
        await post('auth/register', {
          ...(input.username === undefined ? {} : { username: input.username }),
          ...(input.email === undefined ? {} : { email: input.email }),
          password: input.password,
          ...(input.invitation === undefined ? {} : { invitation: input.invitation }),
        }),
      );
    },
    async openInvitation(invitation) {
      return json<InvitationSummary>(await post('auth/invitation', { invitation }));
    },
    async login(input) {
      return finishOrPause(
        await post('auth/login', {
          ...('email' in input ? { email: input.email } : { username: input.username }),
          password: input.password,
          ...(input.device === undefined || input.device === '' ? {} : { device: input.device }),
          cookie: true,
        }),
      );
    },
    async changePassword(input) {
      return (await json<{ revoked: number }>(await authorised('POST', 'auth/password', input))).revoked;
    },
    async requestPasswordReset(email) {
      await json<unknown>(await post('auth/password/forgot', { email }));
    },
    async resetPassword(input) {
      return (await json<{ revoked: number }>(await post('auth/password/reset', input))).revoked;
    },
    async sendEmailVerification() {
      return (await json<{ sent: boolean }>(await authorised('POST', 'auth/email/verify/send', undefined))).sent;
    },
    async verifyEmail(input) {
      const response =
        'code' in input ? await authorised('POST', 'auth/email/verify', input) : await post('auth/email/verify', input);
      return json<EmailState>(response);
    },
    async changeEmail(input) {
      await json<unknown>(await authorised('POST', 'auth/email/change', input));
    },
    async confirmEmailChange(token) {
      return json<EmailState>(await post('auth/email/change/confirm', { token }));
    },
    async requestEmailSignIn(email) {
      await json<unknown>(await post('auth/email/sign-in', { email }));
    },
    async signInWithEmail(input) {
      const { device, ...secret } = input;
      const body = await json<(TokenAnswer | PausedLogin) & { readonly passwordRemoved?: boolean }>(
        await post('auth/email/sign-in/verify', {
          ...secret,
          ...(device === undefined || device === '' ? {} : { device }),
          cookie: true,
        }),
      );
      return { ...signedInOrPaused(body), passwordRemoved: body.passwordRemoved === true };
    },
    async verifySecondFactor(input) {
      if (input.method === 'webauthn') {
        const authenticator = webauthnOf();
        const options = await json<RequestOptionsJson>(
          await post('auth/mfa/webauthn/options', { mfaToken: input.mfaToken }),
        );
        const credential = await getPasskeyCredential(authenticator, options);
        return signIn(
          await json<TokenAnswer>(
            await post('auth/mfa/verify', { mfaToken: input.mfaToken, method: 'webauthn', credential }),
          ),
        );
      }
      return signIn(
        await json<TokenAnswer>(
          await post('auth/mfa/verify', { mfaToken: input.mfaToken, method: input.method, code: input.code }),
        ),
      );
    },
    async signInWithPasskey(input = {}) {
      // Checked first: a browser without WebAuthn asks for no challenge it cannot answer.
      const authenticator = webauthnOf();
      const options = await json<RequestOptionsJson>(await post('auth/passkeys/login/options', {}));
      const credential = await getPasskeyCredential(authenticator, options);
      return signIn(
        await json<TokenAnswer>(
          await post('auth/passkeys/login/verify', {
            credential,
            ...(input.device === undefined || input.device === '' ? {} : { device: input.device }),
            cookie: true,
          }),
        ),
      );
    },
    async passkeys() {
      return (await json<{ passkeys: PasskeyInfo[] }>(await clientFetch(url('auth/passkeys')))).passkeys;
    },
    async addPasskey(input = {}) {
      const authenticator = webauthnOf();
      const options = await json<CreationOptionsJson>(
        await authorised(
          'POST',
          'auth/passkeys/register/options',
          input.password === undefined ? undefined : { password: input.password },
        ),
      );
      const credential = await createPasskeyCredential(authenticator, options);
      return json<PasskeyInfo>(
        await authorised('POST', 'auth/passkeys/register/verify', {
          credential,
          ...(input.name === undefined || input.name === '' ? {} : { name: input.name }),
        }),
      );
    },
    async renamePasskey(id, name) {
      const response = await authorised('PATCH', `auth/passkeys/${encodeURIComponent(id)}`, { name });
      if (!response.ok) throw await errorFromResponse(response);
    },
    async deletePasskey(id, proof = {}) {
      const response = await authorised('DELETE', `auth/passkeys/${encodeURIComponent(id)}`, proof);
      if (!response.ok) throw await errorFromResponse(response);
    },
    async startEnrolment(proof) {
      if ('mfaToken' in proof) {
        return json<TotpEnrolment>(await post('auth/mfa/enrollment/totp', { mfaToken: proof.mfaToken }));
      }
      return json<TotpEnrolment>(await authorised('POST', 'auth/mfa/totp/enroll', { password: proof.password }));
    },
    async enrolPasskey(input) {
      // Checked first: a browser without WebAuthn asks for no challenge it cannot answer.
      const authenticator = webauthnOf();
      const options = await json<CreationOptionsJson>(
        await post('auth/mfa/enrollment/passkey/options', { mfaToken: input.mfaToken }),
      );
      const credential = await createPasskeyCredential(authenticator, options);
      return signIn(
        await json<TokenAnswer>(
          await post('auth/mfa/enrollment/passkey/verify', {
            mfaToken: input.mfaToken,
            credential,
            ...(input.name === undefined || input.name === '' ? {} : { name: input.name }),
          }),
        ),
      );
    },
    async confirmEnrolment(input) {
      if (input.mfaToken === undefined) {
        return json<{ recoveryCodes: string[] }>(
          await authorised('POST', 'auth/mfa/totp/confirm', { code: input.code }),
        );
      }
      const body = await json<TokenAnswer & { recoveryCodes: string[] }>(
        await post('auth/mfa/enrollment/totp/confirm', { mfaToken: input.mfaToken, code: input.code }),
      );
      signIn(body);
      return { recoveryCodes: body.recoveryCodes };
    },
    async mfaStatus() {
      return json<MfaStatus>(await clientFetch(url('auth/mfa')));
    },
    async disableTotp(proof) {
      const response = await authorised('DELETE', 'auth/mfa/totp', proof);
      if (!response.ok) throw await errorFromResponse(response);
    },
    async renewRecoveryCodes(password) {
      return (
        await json<{ recoveryCodes: string[] }>(await authorised('POST', 'auth/mfa/recovery-codes', { password }))
      ).recoveryCodes;
    },
    async logout(scope = 'current') {
      const response = await clientFetch(url('auth/logout'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ scope }),
      });
      if (response.status === 401 && scope !== 'others') {
        // Already signed out on the server: finish the job here.
        await response.body?.cancel();
        signOut(true);
        return 0;
      }
      const { revoked, providerLogoutUrl } = await json<{ revoked: number; providerLogoutUrl?: string }>(response);
      if (scope !== 'others') signOut(true);
      if (providerLogoutUrl !== undefined) options.onProviderLogout?.(providerLogoutUrl);
      return revoked;
    },
    async me() {
      return json<Me>(await clientFetch(url('auth/me')));
    },
    async sessions() {
      return (await json<{ sessions: SessionInfo[] }>(await clientFetch(url('auth/sessions')))).sessions;
    },
    async revokeSession(id) {
      const ownSession = token?.claims.sid === id;
      const response = await clientFetch(url(`auth/sessions/${encodeURIComponent(id)}`), { method: 'DELETE' });
      if (!response.ok) throw await errorFromResponse(response);
      if (ownSession) signOut(true);
    },
    fetch: clientFetch,
    refresh: () => coordinator.refresh(),
    close() {
      closed = true;
      if (refreshTimer !== undefined) timers.clearTimeout(refreshTimer);
      refreshTimer = undefined;
      channel?.removeEventListener('message', onTabMessage);
      if (ownsChannel) channel?.close();
    },
  };
}
