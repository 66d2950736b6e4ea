import { describe, expect, it } from 'vitest';
import { decodeUserCursor, encodeUserCursor } from './user-cursor.js';

const refused = (cursor: string) => () => decodeUserCursor(cursor);

describe('user listing cursors', () => {
  it('give back the username key they were made from, whatever its characters', () => {
    for (const key of ['alice', 'zoë', '中文', 'a_%!b', 'x'.repeat(256)]) {
      expect(decodeUserCursor(encodeUserCursor(key))).toBe(key);
    }
  });

  it('refuse anything this server did not hand out with ERR_INVALID_CURSOR', () => {
    const good = encodeUserCursor('alice');
    const bad = [
      '',
      'not a cursor',
      `${good}=`,
      `${good}.`,
      Buffer.from('alice').toString('base64url'),
      Buffer.from('k1:').toString('base64url'),
      Buffer.from([0x6b, 0x31, 0x3a, 0xff, 0xfe]).toString('base64url'),
      'A'.repeat(2000),
    ];
    for (const cursor of bad) {
      expect(refused(cursor), cursor).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CURSOR' }));
    }
  });

  it('refuse a second spelling of a valid cursor', () => {
    // Base64url has spare bits in its last character: only the canonical one decodes.
    const good = encodeUserCursor('ab');
    const last = good.at(-1) ?? '';
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = `${good.slice(0, -1)}${alphabet[alphabet.indexOf(last) + 1]}`;
    expect(Buffer.from(twin, 'base64url')).toEqual(Buffer.from(good, 'base64url'));
    expect(refused(twin)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CURSOR' }));
  });
});
