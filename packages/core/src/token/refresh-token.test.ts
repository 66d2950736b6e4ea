import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRefreshTokenCodec, isSessionId, newSessionId, sessionIdTag, userSessionTag } from './refresh-token.js';

const SECRET = 'refresh-secret-for-tests-0123456789abcdef';
const OTHER_SECRET = 'another-refresh-secret-0123456789abcdef';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const TOKEN_LENGTH = 'jgr1_'.length + 91;

const codec = createRefreshTokenCodec(SECRET);

/** The same bytes spelled with one of the last character's unused bits set. */
function nonCanonical(encoded: string): string {
  const last = encoded.at(-1)!;
  const spelled = encoded.slice(0, -1) + ALPHABET[ALPHABET.indexOf(last) | 1];
  expect(spelled).not.toBe(encoded);
  expect(Buffer.from(spelled, 'base64url').equals(Buffer.from(encoded, 'base64url'))).toBe(true);
  return spelled;
}

describe('createRefreshTokenCodec', () => {
  describe('mint and parse', () => {
    it('round-trips the session id and generation', () => {
      const sessionId = newSessionId();
      for (const generation of [0, 1, 2, 255, 256, 65_536, 0xffff_ffff]) {
        expect(codec.parse(codec.mint(sessionId, generation))).toEqual({ sessionId, generation });
      }
    });

    it('mints tokens of one fixed shape', () => {
      const token = codec.mint(newSessionId(), 0);
      expect(token).toMatch(/^jgr1_[A-Za-z0-9_-]{91}$/);
      expect(token).toHaveLength(TOKEN_LENGTH);
    });

    it('mints a different token each time for the same session and generation', () => {
      const sessionId = newSessionId();
      const tokens = new Set(Array.from({ length: 100 }, () => codec.mint(sessionId, 3)));
      expect(tokens.size).toBe(100);
    });

    it('parses a token minted by another codec instance with the same secret', () => {
      const sessionId = newSessionId();
      const token = createRefreshTokenCodec(SECRET).mint(sessionId, 7);
      expect(createRefreshTokenCodec(Buffer.from(SECRET)).parse(token)).toEqual({ sessionId, generation: 7 });
    });

    it('refuses to mint for a malformed session id', () => {
      for (const sessionId of ['', 'short', `${newSessionId()}A`, `${newSessionId().slice(0, 21)}+`]) {
        expect(() => codec.mint(sessionId, 0)).toThrow(TypeError);
      }
    });

    it('refuses to mint for a generation outside 0 to 2^32 - 1', () => {
      for (const generation of [-1, 1.5, 2 ** 32, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(() => codec.mint(newSessionId(), generation)).toThrow(RangeError);
      }
    });
  });

  describe('tampering', () => {
    it('rejects every single-character change at every position', () => {
      const token = codec.mint(newSessionId(), 5);
      const replacements = [...ALPHABET, '=', '.', ' ', '+', '/', '\u0000', 'é', '😀'];
      let tried = 0;
      for (let position = 0; position < token.length; position++) {
        for (const replacement of replacements) {
          if (replacement === token[position]) continue;
          const changed = token.slice(0, position) + replacement + token.slice(position + 1);
          expect(codec.parse(changed), `position ${position}, character ${replacement}`).toBeNull();
          tried++;
        }
      }
      expect(tried).toBeGreaterThan(TOKEN_LENGTH * ALPHABET.length - TOKEN_LENGTH);
    });

    it('rejects a token with a character inserted or deleted anywhere', () => {
      const token = codec.mint(newSessionId(), 1);
      for (let position = 0; position <= token.length; position++) {
        expect(codec.parse(`${token.slice(0, position)}A${token.slice(position)}`)).toBeNull();
        if (position < token.length) {
          expect(codec.parse(token.slice(0, position) + token.slice(position + 1))).toBeNull();
        }
      }
    });

    it('rejects a token whose generation was raised, even with a recomputed length', () => {
      const sessionId = newSessionId();
      const token = codec.mint(sessionId, 1);
      const bytes = Buffer.from(token.slice('jgr1_'.length), 'base64url');
      bytes.writeUInt32BE(2, 16);
      expect(codec.parse(`jgr1_${bytes.toString('base64url')}`)).toBeNull();
    });

    it('rejects a token moved onto another session id', () => {
      const token = codec.mint(newSessionId(), 0);
      const bytes = Buffer.from(token.slice('jgr1_'.length), 'base64url');
      Buffer.from(newSessionId(), 'base64url').copy(bytes, 0);
      expect(codec.parse(`jgr1_${bytes.toString('base64url')}`)).toBeNull();
    });

    it('rejects a token minted by a codec with another secret', () => {
      const token = createRefreshTokenCodec(OTHER_SECRET).mint(newSessionId(), 0);
      expect(codec.parse(token)).toBeNull();
    });

    it('rejects the non-canonical spelling of a genuine token', () => {
      const token = codec.mint(newSessionId(), 0);
      expect(codec.parse(token)).not.toBeNull();
      expect(codec.parse(`jgr1_${nonCanonical(token.slice('jgr1_'.length))}`)).toBeNull();
    });

    it('rejects a wrong prefix on an otherwise genuine token', () => {
      const body = codec.mint(newSessionId(), 0).slice('jgr1_'.length);
      for (const prefix of ['jgr2_', 'JGR1_', 'jgr1-', 'jgr0_', 'xxxx_']) {
        expect(codec.parse(prefix + body)).toBeNull();
      }
      expect(codec.parse(body)).toBeNull();
      expect(codec.parse(`jgr1_jgr1_${body}`.slice(0, TOKEN_LENGTH))).toBeNull();
    });

    it('rejects tokens of the wrong length', () => {
      const token = codec.mint(newSessionId(), 0);
      for (const candidate of ['', 'jgr1_', token.slice(0, -1), `${token}A`, `${token}${token}`, token.slice(0, -4)]) {
        expect(codec.parse(candidate)).toBeNull();
      }
    });

    it('rejects a token with base64 padding or the standard base64 alphabet', () => {
      const token = codec.mint(newSessionId(), 0);
      expect(codec.parse(`${token.slice(0, -1)}=`)).toBeNull();
      const standard = token.replaceAll('-', '+').replaceAll('_', '/').replace('jgr1/', 'jgr1_');
      if (standard !== token) expect(codec.parse(standard)).toBeNull();
    });

    it('returns null, without throwing, for input that is not a string', () => {
      const token = codec.mint(newSessionId(), 0);
      for (const input of [undefined, null, 42, {}, Buffer.from(token), new String(token), [token]]) {
        expect(codec.parse(input as string)).toBeNull();
      }
    });
  });

  describe('successor', () => {
    it('is deterministic, also across codec instances with the same secret', () => {
      const token = codec.mint(newSessionId(), 0);
      expect(codec.successor(token)).toBe(codec.successor(token));
      expect(createRefreshTokenCodec(SECRET).successor(token)).toBe(codec.successor(token));
    });

    it('carries the same session id and the next generation', () => {
      const sessionId = newSessionId();
      const token = codec.mint(sessionId, 4);
      const next = codec.successor(token);
      expect(codec.parse(next)).toEqual({ sessionId, generation: 5 });
      expect(codec.parse(codec.successor(next))).toEqual({ sessionId, generation: 6 });
    });

    it('differs from its input', () => {
      const token = codec.mint(newSessionId(), 0);
      expect(codec.successor(token)).not.toBe(token);
      expect(codec.hash(codec.successor(token))).not.toBe(codec.hash(token));
    });

    it('differs for different inputs, even of the same session and generation', () => {
      const sessionId = newSessionId();
      const a = codec.mint(sessionId, 2);
      const b = codec.mint(sessionId, 2);
      expect(codec.successor(a)).not.toBe(codec.successor(b));
      expect(codec.successor(codec.mint(newSessionId(), 2))).not.toBe(codec.successor(a));
    });

    it('depends on the secret, not only on the token', () => {
      // Two codecs whose MAC key differs cannot even agree on the token; with the same
      // secret they agree, so the successor cannot be computed by someone without it.
      const other = createRefreshTokenCodec(OTHER_SECRET);
      const token = codec.mint(newSessionId(), 0);
      expect(() => other.successor(token)).toThrow(TypeError);
    });

    it('throws a TypeError for a token that does not parse', () => {
      const token = codec.mint(newSessionId(), 0);
      const forged = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
      for (const input of ['', 'garbage', forged, createRefreshTokenCodec(OTHER_SECRET).mint(newSessionId(), 0)]) {
        expect(() => codec.successor(input)).toThrow(TypeError);
      }
    });

    it('throws a RangeError past the last generation', () => {
      expect(() => codec.successor(codec.mint(newSessionId(), 0xffff_ffff))).toThrow(RangeError);
    });
  });

  describe('hash', () => {
    it('is stable for a token, across codec instances and secrets', () => {
      const token = codec.mint(newSessionId(), 0);
      expect(codec.hash(token)).toBe(codec.hash(token));
      expect(createRefreshTokenCodec(OTHER_SECRET).hash(token)).toBe(codec.hash(token));
    });

    it('differs between tokens', () => {
      const hashes = new Set(Array.from({ length: 100 }, () => codec.hash(codec.mint(newSessionId(), 0))));
      expect(hashes.size).toBe(100);
    });

    it('is a 256-bit base64url digest that does not contain the token', () => {
      const token = codec.mint(newSessionId(), 0);
      const hash = codec.hash(token);
      expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(token).not.toContain(hash);
      expect(hash).not.toContain(token.slice(5, 20));
    });
  });

  describe('the secret', () => {
    it('must be at least 32 bytes, as text or bytes', () => {
      expect(() => createRefreshTokenCodec('s'.repeat(31))).toThrow(TypeError);
      expect(() => createRefreshTokenCodec(new Uint8Array(31))).toThrow(TypeError);
      expect(() => createRefreshTokenCodec('')).toThrow(TypeError);
      expect(createRefreshTokenCodec('s'.repeat(32)).parse('x')).toBeNull();
      expect(createRefreshTokenCodec(new Uint8Array(32).fill(1)).parse('x')).toBeNull();
    });

    it('is measured in bytes, not characters', () => {
      expect(() => createRefreshTokenCodec(`${'é'.repeat(15)}a`)).toThrow(TypeError);
      expect(() => createRefreshTokenCodec('é'.repeat(16))).not.toThrow();
    });

    it('is not repeated in the error message', () => {
      const secret = 'too-short-refresh-secret';
      expect(() => createRefreshTokenCodec(secret)).toThrow(TypeError);
      try {
        createRefreshTokenCodec(secret);
      } catch (error) {
        expect((error as Error).message).not.toContain(secret);
      }
    });
  });
});

describe('newSessionId', () => {
  it('returns 22 base64url characters that isSessionId accepts', () => {
    for (let i = 0; i < 100; i++) {
      const id = newSessionId();
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(isSessionId(id)).toBe(true);
    }
  });

  it('returns 128 random bits in their canonical spelling', () => {
    const id = newSessionId();
    const bytes = Buffer.from(id, 'base64url');
    expect(bytes).toHaveLength(16);
    expect(bytes.toString('base64url')).toBe(id);
  });

  it('does not repeat itself', () => {
    expect(new Set(Array.from({ length: 1000 }, () => newSessionId())).size).toBe(1000);
  });

  it("starts with the user's shard tag when given the user id, and stays random after it", () => {
    const userId = '6f1c0b9e-2d4a-4c1e-9b7f-0a1b2c3d4e5f';
    const tag = createHash('sha256').update(userId).digest().subarray(0, 3).toString('base64url');
    expect(userSessionTag(userId)).toBe(tag);
    const ids = Array.from({ length: 200 }, () => newSessionId(userId));
    for (const id of ids) {
      expect(isSessionId(id)).toBe(true);
      expect(id.slice(0, 4)).toBe(tag);
      expect(sessionIdTag(id)).toBe(tag);
      expect(codec.parse(codec.mint(id, 0))?.sessionId).toBe(id);
    }
    expect(new Set(ids).size).toBe(200);
    expect(new Set(ids.map((id) => id.slice(4))).size).toBe(200);
  });

  it('gives different users different tags (almost always) and one user always the same', () => {
    const tags = new Set(Array.from({ length: 1000 }, (_, i) => userSessionTag(`user-${i}`)));
    expect(tags.size).toBeGreaterThan(990);
    expect(userSessionTag('alice')).toBe(userSessionTag('alice'));
    expect(userSessionTag('alice')).toMatch(/^[A-Za-z0-9_-]{4}$/);
  });
});

describe('isSessionId', () => {
  it('rejects strings of the wrong length or alphabet', () => {
    const id = newSessionId();
    for (const value of [
      '',
      id.slice(0, 21),
      `${id}A`,
      `${id.slice(0, 21)}=`,
      `${id.slice(0, 20)}+A`,
      `${id.slice(0, 20)}/A`,
    ]) {
      expect(isSessionId(value)).toBe(false);
    }
    expect(isSessionId(`${id.slice(0, 20)} A`)).toBe(false);
    expect(isSessionId(`${id.slice(0, 20)}éA`)).toBe(false);
  });

  it('rejects a non-canonical spelling of a session id', () => {
    // 22 base64url characters carry 132 bits for 128: the last character has 4 unused bits.
    expect(isSessionId('AAAAAAAAAAAAAAAAAAAAAA')).toBe(true);
    expect(isSessionId('AAAAAAAAAAAAAAAAAAAAAB')).toBe(false);
    expect(isSessionId(nonCanonical(newSessionId()))).toBe(false);
  });

  it('accepts exactly the ids whose session the codec gives back unchanged', () => {
    for (const last of ALPHABET) {
      const sessionId = `AAAAAAAAAAAAAAAAAAAAA${last}`;
      if (isSessionId(sessionId)) {
        expect(codec.parse(codec.mint(sessionId, 0))?.sessionId).toBe(sessionId);
      } else {
        expect(() => codec.mint(sessionId, 0)).toThrow(TypeError);
      }
    }
  });

  describe('read', () => {
    it('gives the fields, the hash, the successor and its hash of an authentic token, as the single calls do', () => {
      const sessionId = newSessionId();
      const token = codec.mint(sessionId, 4);
      const reading = codec.read(token);
      expect(reading).not.toBeNull();
      expect(reading).toMatchObject({ sessionId, generation: 4, token, hash: codec.hash(token) });
      expect(reading?.successor()).toBe(codec.successor(token));
      expect(reading?.successor()).toBe(reading?.successor());
      expect(reading?.successorHash()).toBe(codec.hash(codec.successor(token)));
    });

    it('reads nothing from a forged or malformed token', () => {
      expect(codec.read(createRefreshTokenCodec(OTHER_SECRET).mint(newSessionId(), 0))).toBeNull();
      expect(codec.read('jgr1_junk')).toBeNull();
    });

    it('vouches only for its own reading of the very same token', () => {
      const token = codec.mint(newSessionId(), 0);
      const other = codec.mint(newSessionId(), 0);
      const reading = codec.read(token)!;
      expect(codec.isReadingOf(reading, token)).toBe(true);
      expect(codec.isReadingOf(reading, other)).toBe(false);
      // A look-alike made elsewhere, or another codec's reading, is never trusted.
      expect(codec.isReadingOf({ ...reading }, token)).toBe(false);
      const foreign = createRefreshTokenCodec(SECRET);
      expect(foreign.isReadingOf(reading, token)).toBe(false);
      expect(Object.isFrozen(reading)).toBe(true);
    });
  });
});
