import type { AccessTokenClaims, PublicUser } from './server-types.js';
import type { WebAuthnLike } from './webauthn.js';

/** The part of `navigator.locks` (Web Locks) the client uses; injectable for tests. */
export interface LockManagerLike {
  request<T>(
    name: string,
    options: { readonly ifAvailable?: boolean },
    callback: (lock: unknown | null) => Promise<T> | T,
  ): Promise<T>;
}

/** The part of a `BroadcastChannel` the client uses; injectable for tests. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  close(): void;
}

/** Timers; injectable so tests control time. */
export interface TimersLike {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options for `createClient`. */
export interface ClientOptions {
  /** Where jwtgate answers, e.g. `https://auth.example.com` or `location.origin`. */
  readonly baseUrl: string;
  /** Other origins whose APIs `client.fetch` may send the access token to. Never any origin not listed. */
  readonly apiOrigins?: readonly string[];
  /** Defaults to the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Defaults to `Date`. */
  readonly clock?: { now(): number };
  readonly timers?: TimersLike;
  /** Defaults to `navigator.locks`; `null` turns off coordination across tabs. */
  readonly locks?: LockManagerLike | null;
  /** Defaults to a `BroadcastChannel` named after `baseUrl`; `null` turns off sharing tokens across tabs. */
  readonly channel?: ChannelLike | null;
  /** How long a tab that found another one refreshing waits for its token before refreshing itself. Default 3000 ms. */
  readonly peerWaitMs?: number;
  /**
   * How long a tab keeps the refresh lock after announcing a new token, so a
   * tab that looks just then waits for the announcement instead of
   * refreshing again. Default 250 ms; the caller is not kept waiting.
   */
  readonly lockHoldMs?: number;
  /** A token this close to expiry is refreshed before a request rather than sent. Default 2000 ms. */
  readonly expiryMarginMs?: number;
  /** What makes and uses passkeys; defaults to `navigator.credentials` where the browser has WebAuthn. */
  readonly webauthn?: WebAuthnLike | null;
  /**
   * Called after a logout of this session that began with a sign-in at an
   * identity provider whose logout jwtgate offers (`Logout` in its
   * `OAuth.Providers` entry), with the provider's logout URL: a page sends
   * the browser there (`location.assign(url)`) to end the provider's session
   * too. The jwtgate session has ended already.
   */
  readonly onProviderLogout?: (url: string) => void;
}

/** The access token the client holds, in memory only, with what the page may show of it. */
export interface AccessTokenView {
  readonly accessToken: string;
  /** Decoded, not verified: for display. */
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: AccessTokenClaims;
  /** Local time (ms) the token expires at. */
  readonly expiresAt: number;
  /** Local time (ms) the client refreshes it at. */
  readonly refreshAt: number;
}

/** Whether the client holds a session: `unknown` until `resume()` or a first call found out. */
export type ClientState =
  | { readonly status: 'unknown' }
  | { readonly status: 'signed-in'; readonly token: AccessTokenView }
  | { readonly status: 'signed-out' };

/** `current`: this device; `others`: every other device; `all`: everywhere. */
export type LogoutScope = 'current' | 'others' | 'all';

/** One of the user's sessions, as `GET /auth/sessions` lists them. */
export interface SessionInfo {
  readonly id: string;
  readonly device: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly lastUsedAt: string;
  readonly expiresAt: string;
  /** The session this client is signed in with. */
  readonly current: boolean;
  /** How the session was signed in to (RFC 8176): `["pwd"]`, or `["pwd","otp","mfa"]`. */
  readonly amr?: readonly string[];
  /** ISO 8601: when. */
  readonly authTime?: string;
}

/** A login the server paused after the password: it needs a second factor, or one set up first. */
export interface SecondFactorChallenge {
  readonly mfaRequired: true;
  /** Finishes this login only: 5 minutes, once, from this browser. */
  readonly mfaToken: string;
  /** What `verifySecondFactor` accepts for this user; empty when one must be set up first. */
  readonly methods: readonly SecondFactorMethod[];
  /** The user's role needs a second factor and they have none: `startEnrolment` with this mfaToken. */
  readonly enrollmentRequired: boolean;
}

/**
 * What an emailed sign-in answers: signed in or paused, and whether it
 * removed the account's password. `passwordRemoved` is `true` when the
 * sign-in was the first proof of the address and the password, chosen
 * before anyone proved the mailbox, no longer works: tell the user, and
 * offer to set one (`requestPasswordReset`).
 */
export type EmailSignInResult = (AccessTokenView | SecondFactorChallenge) & { readonly passwordRemoved: boolean };

/** An authenticator app code, a passkey (`webauthn`), or a recovery code. */
export type SecondFactorMethod = 'totp' | 'webauthn' | 'recovery';

/** A new authenticator-app secret: show the QR code (an SVG document made by the server) and the secret, once. */
export interface TotpEnrolment {
  readonly secret: string;
  readonly otpauthUri: string;
  readonly qrSvg: string;
}

/** `GET /auth/mfa`: the user's second factors. */
export interface MfaStatus {
  readonly totp: boolean;
  readonly recoveryCodesLeft: number;
  /** How many passkeys the user has. */
  readonly passkeys: number;
  readonly methods: readonly SecondFactorMethod[];
}

/** `GET /auth/me`: the user, the session, and the verified claims of the token. */
export interface Me {
  readonly user: PublicUser;
  readonly sessionId: string;
  readonly claims: AccessTokenClaims;
}

export type { PublicUser };

/** What this server offers at sign-up and sign-in (`GET /auth/settings`). */
export interface AuthSettings {
  /** `Auth.RequireEmail`: sign-up needs an address. */
  readonly requireEmail: boolean;
  /** Mail can be sent: password reset, verification and address change work. */
  readonly mail: boolean;
  /** `Auth.EmailSignIn`: sign-in by a mailed link or code works. */
  readonly emailSignIn: boolean;
  /** `Register.Enabled`: anyone may create an account; when `false`, only an invitation lets someone register. */
  readonly registrationOpen: boolean;
  /** Passkeys work on this server (sign-in without a password, a second factor). */
  readonly passkeys: boolean;
}

/** An account's address and whether it is verified, as the email routes answer. */
export interface EmailState {
  readonly email: string;
  readonly emailVerified: boolean;
}

/** `GET /auth/passkeys`: a passkey as its owner sees it. */
export interface PasskeyInfo {
  /** The credential id, base64url. */
  readonly id: string;
  readonly name: string;
  /** `multiDevice`: synced between devices; `singleDevice`: bound to one authenticator. */
  readonly deviceType: 'singleDevice' | 'multiDevice';
  readonly backedUp: boolean;
  readonly transports: readonly string[];
  /** ISO 8601. */
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}
