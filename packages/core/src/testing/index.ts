export { runAttemptStoreSuite } from './attempt-store-suite.js';
export { buildAuditRecord, runAuditStoreSuite } from './audit-store-suite.js';
export { buildEmailTokenRecord, buildOutboxMail, runEmailStoreSuite } from './email-store-suite.js';
export { buildIdentity, type IdentityStoreFixture, runIdentityStoreSuite } from './identity-store-suite.js';
export { buildLoginChallenge, runLoginChallengeStoreSuite } from './login-challenge-store-suite.js';
export { runMfaStoreSuite } from './mfa-store-suite.js';
export { buildSessionRecord, buildUserRecord } from './records.js';
export { runSessionStoreSuite, type StoreFixture } from './session-store-suite.js';
export { runUserStoreSuite } from './user-store-suite.js';
