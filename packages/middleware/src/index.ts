export {
  createRevocationFeed,
  type RedisCommandsLike,
  type RedisSubscriberLike,
  type RevocationFeed,
  type RevocationFeedOptions,
} from './revocation/revocation-feed.js';
export type { AuthClaims, AuthTypes, VerifiedClaims } from './verifier/claims.js';
export {
  createVerifier,
  type PublicKeyInput,
  type RevocationCheck,
  type SecretInput,
  type Verifier,
  type VerifierOptions,
} from './verifier/create-verifier.js';
export type { CsrfOption } from './verifier/cross-site-guard.js';
export { type FailureResponse, toFailureResponse } from './verifier/failure-response.js';
export type { JwksOptions } from './verifier/jwks-source.js';
export type { StepUpOptions } from './verifier/step-up.js';
export { findToken, type TokenCarrier, type TokenSource } from './verifier/token-source.js';
