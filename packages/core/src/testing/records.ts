import { randomBytes, randomUUID } from 'node:crypto';
import type { SessionRecord } from '../session/session-record.js';
import { newSessionId } from '../token/refresh-token.js';
import type { UserRecord } from '../user/user-record.js';

/** A valid user record with unique id and username; override any field. */
export function buildUserRecord(overrides: Partial<UserRecord> = {}): UserRecord {
  const name = `user-${randomBytes(6).toString('hex')}`;
  const now = Date.now();
  return {
    id: randomUUID(),
    username: name,
    usernameKey: name,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA',
    role: 'user',
    disabled: false,
    credentialVersion: 0,
    createdAt: now,
    updatedAt: now,
    email: null,
    emailKey: null,
    emailVerifiedAt: null,
    ...overrides,
  };
}

/** A valid, active session record for `userId`; override any field. */
export function buildSessionRecord(userId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return {
    id: newSessionId(userId),
    userId,
    device: 'test device',
    ip: '192.0.2.1',
    userAgent: 'conformance/1.0',
    createdAt: now,
    lastUsedAt: now,
    expiresAt: now + 30 * 86_400_000,
    refreshExpiresAt: now + 7 * 86_400_000,
    generation: 0,
    currentHash: randomBytes(32).toString('base64url'),
    previousHash: null,
    rotatedAt: null,
    revokedAt: null,
    revokeReason: null,
    amr: ['pwd'],
    authTime: now,
    credentialVersion: 0,
    ...overrides,
  };
}
