import { describe, expect, it } from 'vitest';
import { BACKCHANNEL_LOGOUT_EVENT, readLogoutToken } from './logout-token.js';

const valid = { jti: 'j1', sub: 'alice', sid: 's1', events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } };

function reasonOf(claims: Record<string, unknown>, header: { typ?: unknown } = {}): string | undefined {
  try {
    readLogoutToken(claims, header);
    return undefined;
  } catch (error) {
    expect(error).toMatchObject({ code: 'ERR_LOGOUT_TOKEN_INVALID' });
    return (error as { reason?: string }).reason;
  }
}

describe('readLogoutToken', () => {
  it('reads what a valid logout token names', () => {
    expect(readLogoutToken(valid, { typ: 'logout+jwt' })).toEqual({ jti: 'j1', subject: 'alice', providerSid: 's1' });
    expect(readLogoutToken({ ...valid, sub: undefined }, {})).toEqual({ jti: 'j1', subject: null, providerSid: 's1' });
    expect(readLogoutToken({ ...valid, sid: undefined }, { typ: 'application/logout+jwt' })).toEqual({
      jti: 'j1',
      subject: 'alice',
      providerSid: null,
    });
  });

  it('takes the generic JWT type as no type', () => {
    expect(readLogoutToken(valid, { typ: 'JWT' }).jti).toBe('j1');
  });

  it('refuses a token of another type', () => {
    expect(reasonOf(valid, { typ: 'at+jwt' })).toBe('typ');
    expect(reasonOf(valid, { typ: 'secevent+jwt' })).toBe('typ');
    expect(reasonOf(valid, { typ: 7 })).toBe('typ');
  });

  it('refuses a token without a jti, or with one that is not a short string', () => {
    expect(reasonOf({ ...valid, jti: undefined })).toBe('jti');
    expect(reasonOf({ ...valid, jti: 42 })).toBe('jti');
    expect(reasonOf({ ...valid, jti: 'x'.repeat(256) })).toBe('jti');
  });

  it('refuses a token whose events do not hold the back-channel logout event as an object', () => {
    expect(reasonOf({ ...valid, events: undefined })).toBe('events');
    expect(reasonOf({ ...valid, events: [BACKCHANNEL_LOGOUT_EVENT] })).toBe('events');
    expect(reasonOf({ ...valid, events: { 'http://example.com/other': {} } })).toBe('events');
    expect(reasonOf({ ...valid, events: { [BACKCHANNEL_LOGOUT_EVENT]: true } })).toBe('events');
    expect(reasonOf({ ...valid, events: { [BACKCHANNEL_LOGOUT_EVENT]: null } })).toBe('events');
    expect(reasonOf({ ...valid, events: { [BACKCHANNEL_LOGOUT_EVENT]: [] } })).toBe('events');
  });

  it('refuses a token with a nonce: an id token never passes for a logout token', () => {
    expect(reasonOf({ ...valid, nonce: 'n' })).toBe('nonce');
  });

  it('refuses a token that names neither a user nor a session, or names one with something else than text', () => {
    expect(reasonOf({ ...valid, sub: undefined, sid: undefined })).toBe('no-sub-or-sid');
    expect(reasonOf({ ...valid, sid: 12 })).toBe('sid');
    expect(reasonOf({ ...valid, sub: '' })).toBe('sub');
  });
});
