import { describe, expect, it } from 'vitest';
import {
  decodeRevocationNotices,
  encodeRevocationNotices,
  MAX_NOTICES_PER_MESSAGE,
  revocationChannel,
  revokedSessionsKey,
} from './revocation-notice.js';
import type { RevokedSession } from './session-record.js';

const session = (n: number): RevokedSession => ({
  id: `sid${String(n).padStart(19, '0')}`,
  userId: `user-${n}`,
  revokedAt: 1_800_000_000_000 + n,
});

describe('revocation notices', () => {
  it('come back from the wire exactly as they were sent', () => {
    const sessions = [session(1), session(2)];
    const [message, ...rest] = encodeRevocationNotices(sessions);
    expect(rest).toEqual([]);
    expect(decodeRevocationNotices(message as string)).toEqual(sessions);
  });

  it('encode nothing for no revocations', () => {
    expect(encodeRevocationNotices([])).toEqual([]);
  });

  it('split a large revocation into messages a subscriber accepts', () => {
    const sessions = Array.from({ length: MAX_NOTICES_PER_MESSAGE * 2 + 1 }, (_, i) => session(i));
    const messages = encodeRevocationNotices(sessions);
    expect(messages).toHaveLength(3);
    expect(messages.flatMap((m) => decodeRevocationNotices(m) ?? [])).toEqual(sessions);
  });

  it.each([
    ['not JSON', 'revoked sid1'],
    ['JSON that is not an object', '[1,2]'],
    ['an unknown version', JSON.stringify({ v: 2, revoked: [] })],
    ['a missing list', JSON.stringify({ v: 1 })],
    ['an entry without a session id', JSON.stringify({ v: 1, revoked: [{ sub: 'u', at: 1 }] })],
    ['a session id with spaces', JSON.stringify({ v: 1, revoked: [{ sid: 'a b', sub: 'u', at: 1 }] })],
    ['a time that is not a number', JSON.stringify({ v: 1, revoked: [{ sid: 's', sub: 'u', at: '1' }] })],
    ['a negative time', JSON.stringify({ v: 1, revoked: [{ sid: 's', sub: 'u', at: -1 }] })],
    ['a fractional time', JSON.stringify({ v: 1, revoked: [{ sid: 's', sub: 'u', at: 1.5 }] })],
    ['a null entry', JSON.stringify({ v: 1, revoked: [null] })],
    ['an oversized message', JSON.stringify({ v: 1, revoked: [], pad: 'x'.repeat(200_000) })],
  ])('refuse %s', (_, message) => {
    expect(decodeRevocationNotices(message)).toBeNull();
  });

  it('name their channel and set under the configured prefix', () => {
    expect(revocationChannel('jwtgate:')).toBe('jwtgate:revocations');
    expect(revokedSessionsKey('tenant-a:')).toBe('tenant-a:revoked');
  });
});
