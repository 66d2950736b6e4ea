export { runAttemptStoreSuite } from './attempt-store-suite.js';
export { buildAuditRecord, runAuditStoreSuite } from './audit-store-suite.js';
export { buildEmailTokenRecord, buildOutboxMail, runEmailStoreSuite } from './email-store-suite.js';
export { buildIdentity, type IdentityStoreFixture, runIdentityStoreSuite } from './identity-store-suite.js';
export {
  buildInvitation,
  type InvitationStoreFixture,
  runInvitationStoreSuite,
} from './invitation-store-suite.js';
export { buildLoginChallenge, runLoginChallengeStoreSuite } from './login-challenge-store-suite.js';
export { runLogoutTokenReplayStoreSuite } from './logout-token-replay-store-suite.js';
export { type MfaStoreFixture, runMfaStoreSuite } from './mfa-store-suite.js';
export { buildPasskeyChallenge, runPasskeyChallengeStoreSuite } from './passkey-challenge-store-suite.js';
export { buildPasskey, runPasskeyStoreSuite } from './passkey-store-suite.js';
export { buildProviderLogoutHint, runProviderLogoutHintStoreSuite } from './provider-logout-hint-store-suite.js';
export { buildProviderSession, runProviderSessionStoreSuite } from './provider-session-store-suite.js';
export { buildSessionRecord, buildUserRecord } from './records.js';
export { runSessionStoreSuite, type StoreFixture } from './session-store-suite.js';
export { runUserStoreSuite, type UserStoreFixture } from './user-store-suite.js';
