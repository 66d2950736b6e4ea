export { type ClientOnlyErrorCode, errorFromResponse, JwtgateClientError } from './client-error.js';
export { createClient, type JwtgateClient } from './create-client.js';
export { type DecodedJwt, decodeJwt } from './decode-jwt.js';
export {
  createRefreshCoordinator,
  type RefreshCoordinator,
  type RefreshCoordinatorDeps,
  type TokenFreshness,
} from './refresh-coordinator.js';
export type { AccessTokenClaims, ErrorCode, InvitationSummary, RegisterRequest } from './server-types.js';
export { parseTabMessage, type TabMessage } from './tab-messages.js';
export type {
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
export {
  type CreationOptionsJson,
  createPasskeyCredential,
  fromBase64url,
  getPasskeyCredential,
  type RequestOptionsJson,
  toBase64url,
  type WebAuthnLike,
} from './webauthn.js';
