export { type AuditCursor, decodeAuditCursor, encodeAuditCursor } from './audit/audit-cursor.js';
export {
  AUDIT_OUTCOMES,
  AUDIT_PAGE_MAX,
  type AuditOutcome,
  type AuditPage,
  type AuditQuery,
  type AuditStore,
  type StoredAuditRecord,
} from './audit/audit-store.js';
export { type Clock, createManualClock, systemClock } from './clock.js';
export {
  createEmailFlows,
  type EmailFlowDeps,
  type EmailFlowEvent,
  type EmailFlows,
  type EmailSignIn,
  MAX_CODE_ATTEMPTS,
  type MailContent,
} from './email/email-flows.js';
export type {
  AccountChange,
  ClaimedMail,
  CodeOutcome,
  EmailStore,
  EmailTokenPurpose,
  EmailTokenRecord,
  MailKind,
  MailSettlement,
  MailStatus,
  OutboxEntry,
  OutboxMail,
  SecretPurpose,
} from './email/email-store.js';
export { createEmailSecrets, type EmailSecrets, LINK_TOKEN_PREFIX } from './email/one-time-secret.js';
export { AuthError, type AuthErrorOptions, type AuthenticationChallenge, isAuthError } from './errors/auth-error.js';
export { bearerChallenge } from './errors/bearer-challenge.js';
export { type ErrorCode, type ErrorCodeSpec, errorCodes, isErrorCode } from './errors/codes.js';
export {
  decideFederatedSignIn,
  type FederatedSignInDecision,
  type FederatedSignInFacts,
} from './identity/federated-sign-in.js';
export type {
  FederatedIdentity,
  IdentitySignIn,
  IdentityStore,
  UnlinkOutcome,
} from './identity/identity-store.js';
export { BACKCHANNEL_LOGOUT_EVENT, type LogoutRequest, readLogoutToken } from './identity/logout-token.js';
export type { LogoutTokenReplayStore } from './identity/logout-token-replay-store.js';
export type { ProviderLogoutHint, ProviderLogoutHintStore } from './identity/provider-logout-hint-store.js';
export type { ProviderSession, ProviderSessionQuery, ProviderSessionStore } from './identity/provider-session-store.js';
export {
  INVITATION_LIST_MAX_LIMIT,
  type InvitationCreateOptions,
  type InvitationListPage,
  type InvitationListQuery,
  type InvitationRecord,
  type InvitationStatus,
  type InvitationStore,
  invitationStatus,
} from './invitation/invitation-store.js';
export {
  type InvitationDeps,
  type InviteInput,
  inviteUser,
  openInvitation,
  registerWithInvitation,
} from './invitation/invitations.js';
export { decodeBase32, encodeBase32 } from './mfa/base32.js';
export { checkSecondFactor, type SecondFactorResult } from './mfa/check-second-factor.js';
export { confirmTotpEnrolment, startTotpEnrolment, type TotpEnrolment } from './mfa/enroll-totp.js';
export {
  hashLoginChallengeToken,
  LOGIN_CHALLENGE_TTL_SEC,
  type LoginChallenge,
  type LoginChallengePurpose,
  type LoginChallengeStore,
  newLoginChallengeToken,
  sameValue,
} from './mfa/login-challenge.js';
export type { MfaDeps, SecondFactorMethod } from './mfa/mfa-deps.js';
export type { FactorRemoval, MfaFactors, MfaStore, SecondFactorRef, TotpFactor } from './mfa/mfa-store.js';
export {
  createMfaThrottle,
  type MfaReservation,
  type MfaThrottle,
  type MfaThrottlePolicy,
} from './mfa/mfa-throttle.js';
export { passkeyAmr } from './mfa/passkey-amr.js';
export {
  hashPasskeyChallenge,
  PASSKEY_CHALLENGE_TTL_SEC,
  type PasskeyChallenge,
  type PasskeyChallengePurpose,
  type PasskeyChallengeStore,
} from './mfa/passkey-challenge.js';
export type { Passkey, PasskeyDeviceType, PasskeyStore, PasskeyUse } from './mfa/passkey-store.js';
export {
  hashRecoveryCode,
  newRecoveryCodes,
  normaliseRecoveryCode,
  RECOVERY_CODE_COUNT,
} from './mfa/recovery-codes.js';
export { createSecretCipher, parseEncryptionKey, type SecretCipher } from './mfa/secret-cipher.js';
export {
  ACR_MFA,
  ACR_SINGLE_FACTOR,
  acrOf,
  assertAuthentication,
  assertStepUpRequirement,
  type StepUpRequirement,
} from './mfa/step-up.js';
export { matchTotp, TOTP_WINDOW, type TotpOptions, totpCode, totpStep, totpUri } from './mfa/totp.js';
export type { IssueSessionInput } from './session/issue.js';
export {
  type LoadRevocationsOptions,
  loadRevocations,
  REVOCATION_SLICE,
  type RevocationEntry,
} from './session/load-revocations.js';
export type { IssuedTokens } from './session/mint-access-token.js';
export type { SessionReadAhead } from './session/read-ahead.js';
export type { RefreshSessionInput } from './session/refresh.js';
export type { RenewSessionInput } from './session/renew.js';
export { createRevocationList, type RevocationList } from './session/revocation-list.js';
export {
  decodeRevocationNotices,
  encodeRevocationNotices,
  MAX_NOTICES_PER_MESSAGE,
  REVOCATION_NOTICE_VERSION,
  revocationChannel,
  revokedSessionsKey,
} from './session/revocation-notice.js';
export {
  REVOCATION_PAGE,
  type RevocationLogCursor,
  type RevocationLogPage,
  readRevocationPage,
} from './session/revocation-page.js';
export type { RevokeOptions } from './session/revoke.js';
export type { CustomClaimsHook } from './session/session-context.js';
export type { SessionEvent } from './session/session-event.js';
export { createSessionManager, type SessionManager, type SessionManagerOptions } from './session/session-manager.js';
export { assertSessionPolicy, type SessionPolicy } from './session/session-policy.js';
export {
  actorOfReason,
  isSessionActive,
  type RevokedSession,
  type RevokeReason,
  type SessionActor,
  type SessionRecord,
} from './session/session-record.js';
export type { SessionRotation, SessionStore } from './session/session-store.js';
export type { AttemptCount, AttemptHit, AttemptStore } from './throttle/attempt-store.js';
export { clientNetwork } from './throttle/client-network.js';
export { limitRefreshes } from './throttle/limit-refreshes.js';
export {
  createLoginThrottle,
  LOCK_HISTORY_SEC,
  type LoginAttempt,
  type LoginThrottle,
  type LoginThrottlePolicy,
} from './throttle/login-throttle.js';
export { createMailThrottle, type MailThrottle, type MailThrottlePolicy } from './throttle/mail-throttle.js';
export { createMemoryAttemptStore } from './throttle/memory-attempt-store.js';
export { rateLimited } from './throttle/rate-limited.js';
export {
  createRefreshThrottle,
  type RefreshAttempt,
  type RefreshRateExceeded,
  type RefreshReservation,
  type RefreshThrottle,
  type RefreshThrottlePolicy,
} from './throttle/refresh-throttle.js';
export {
  createRegistrationThrottle,
  type RegistrationThrottle,
  type RegistrationThrottlePolicy,
} from './throttle/registration-throttle.js';
export {
  type AccessTokenVerifier,
  type AccessTokenVerifierOptions,
  createAccessTokenVerifier,
} from './token/access-token-verifier.js';
export {
  type AsymmetricAlgorithm,
  type HmacAlgorithm,
  isHmacAlgorithm,
  isSupportedAlgorithm,
  type JwsAlgorithm,
  MIN_RSA_MODULUS_BITS,
  supportedAlgorithms,
} from './token/algorithms.js';
export { type AccessTokenClaims, accessTokenType, reservedClaims } from './token/claims.js';
export { generateJwtKey } from './token/generate-key.js';
export {
  exportPublicJwk,
  type ImportJwkOptions,
  importJwk,
  type PublicJwk,
  type PublicJwkSet,
  toPublicJwkSet,
} from './token/jwk.js';
export {
  type AsymmetricJwtKeyOptions,
  assertKeyId,
  createAsymmetricJwtKey,
  createSecretJwtKey,
  type JwtKey,
  jwkThumbprint,
  publicKeyOf,
  type SecretJwtKeyOptions,
} from './token/key.js';
export { createKeyRing, type KeyRing, type KeyRingOptions } from './token/key-ring.js';
export {
  createRefreshTokenCodec,
  isSessionId,
  newSessionId,
  type RefreshTokenCodec,
  type RefreshTokenFields,
  type RefreshTokenReading,
  sessionIdTag,
  userSessionTag,
} from './token/refresh-token.js';
export { createJwtSigner, type JwtSigner, type JwtSignerOptions } from './token/sign.js';
export {
  createJwtVerifier,
  DEFAULT_VERIFIED_TOKEN_CACHE_SIZE,
  type JwtVerifier,
  type JwtVerifierOptions,
  type VerifiedJwt,
} from './token/verify.js';
export { type AuthenticateDeps, authenticateUser, type LoginIdentity } from './user/authenticate.js';
export {
  type AccessChanges,
  actingAdminHolder,
  type ChangeAccessDeps,
  changeUserAccess,
} from './user/change-access.js';
export {
  type ChangeCredentialsDeps,
  type ChangeCredentialsOptions,
  type CredentialChanges,
  changeCredentials,
} from './user/change-credentials.js';
export {
  type ChangePasswordDeps,
  type ChangePasswordInput,
  changePassword,
} from './user/change-password.js';
export { confirmPassword } from './user/confirm-password.js';
export {
  CONTEXT_WORD_MIN_LENGTH,
  isDominatedByContext,
  type PasswordContext,
  passwordContextWords,
  refuseContextWords,
} from './user/context-words.js';
export { type DeletedUser, type DeleteUserDeps, deleteUser } from './user/delete-user.js';
export {
  EMAIL_MAX_LENGTH,
  foldEmail,
  type NormalisedEmail,
  normaliseEmail,
  normaliseNewEmail,
} from './user/email.js';
export {
  type ImportRowOptions,
  type ImportRowVerdict,
  readImportRow,
  USER_ID_MAX_LENGTH,
} from './user/import-row.js';
export { type ListUsersInput, listUsers, type UserPage } from './user/list-users.js';
export { hasPassword, NO_PASSWORD_HASH } from './user/no-password.js';
export type { PasswordHasher } from './user/password-hasher.js';
export {
  acceptPassword,
  assertWellFormedPassword,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
} from './user/password-policy.js';
export { acceptNewPassword, type PasswordScreen } from './user/password-screen.js';
export {
  generatedUsername,
  newUserIdFor,
  type RegisterDeps,
  type RegisterInput,
  registerConcealingEmail,
  registerUser,
  type SaveNewUser,
} from './user/register.js';
export { ADMIN_ROLE, DEFAULT_ROLE, isValidRole, ROLE_PATTERN } from './user/role.js';
export {
  claimMappingProblems,
  claimsFromUserFields,
  GO_ZERO_USER_ID_CLAIM,
  type UserClaimOptions,
  userClaimFields,
} from './user/user-claims.js';
export { decodeUserCursor, encodeUserCursor } from './user/user-cursor.js';
export {
  createInt64UserIdGenerator,
  type Int64UserIdGeneratorOptions,
  isInt64Id,
  MAX_NODE_ID,
  userIdClaimValue,
} from './user/user-id.js';
export { acceptMetadata, METADATA_MAX_DEPTH } from './user/user-metadata.js';
export { type MetadataObject, type PublicUser, toPublicUser, type UserRecord } from './user/user-record.js';
export {
  type ActingHolder,
  USER_LIST_MAX_LIMIT,
  type UserChanges,
  type UserDeleteOptions,
  type UserListFilter,
  type UserListPage,
  type UserListQuery,
  type UserStore,
  type UserUpdateOptions,
} from './user/user-store.js';
export {
  type NormalisedUsername,
  normaliseNewUsername,
  normaliseUsername,
  USERNAME_MAX_LENGTH,
} from './user/username.js';
