import { describe, expect, it } from 'vitest';
import { assertTokenSources, findToken } from './token-source.js';

describe('findToken', () => {
  it('reads a Bearer token, whatever the case of the scheme', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      expect(findToken({ authorization: `${scheme} abc.def.ghi` }, ['bearer'])).toBe('abc.def.ghi');
    }
  });

  it('reads the bare go-zero form only when asked to', () => {
    expect(findToken({ authorization: 'abc.def.ghi' }, ['bearer'])).toBeNull();
    expect(findToken({ authorization: 'abc.def.ghi' }, ['bare'])).toBe('abc.def.ghi');
    expect(findToken({ authorization: 'Bearer abc.def.ghi' }, ['bare'])).toBeNull();
  });

  it('ignores other schemes', () => {
    expect(findToken({ authorization: 'Basic dXNlcjpwYXNz' }, ['bearer', 'bare'])).toBeNull();
  });

  it('returns an empty token for a Bearer scheme without one, so that it fails as invalid', () => {
    expect(findToken({ authorization: 'Bearer' }, ['bearer'])).toBe('');
    expect(findToken({ authorization: 'Bearer   ' }, ['bearer'])).toBe('');
  });

  it('reads a cookie by its exact name, unquoting it', () => {
    const cookie = 'xaccess_token=wrong; access_token="abc.def.ghi"; other=1';
    expect(findToken({ cookie }, [{ cookie: 'access_token' }])).toBe('abc.def.ghi');
    expect(findToken({ cookie: 'access_token_x=1' }, [{ cookie: 'access_token' }])).toBeNull();
  });

  it('refuses a cookie sent twice rather than pick one, so that a planted copy cannot stand in for the real one', () => {
    // A sibling subdomain can set a cookie of the same name for the parent domain; the browser then sends both.
    const cookie = 'access_token=planted.by.attacker; other=1; access_token=abc.def.ghi';
    expect(findToken({ cookie }, [{ cookie: 'access_token' }])).toBe('');
    expect(findToken({ cookie, authorization: 'Bearer from-header' }, [{ cookie: 'access_token' }, 'bearer'])).toBe('');
  });

  it('takes the first source that has a token', () => {
    const headers = { authorization: 'Bearer from-header', cookie: 'at=from-cookie' };
    expect(findToken(headers, ['bearer', { cookie: 'at' }])).toBe('from-header');
    expect(findToken(headers, [{ cookie: 'at' }, 'bearer'])).toBe('from-cookie');
    expect(findToken({}, ['bearer', 'bare', { cookie: 'at' }])).toBeNull();
  });
});

describe('assertTokenSources', () => {
  it('refuses an empty list, unknown sources and cookie names that are not tokens', () => {
    for (const sources of [[], ['query'], [{ cookie: '' }], [{ cookie: 'a;b' }], [null]]) {
      expect(() => assertTokenSources(sources as never)).toThrow(TypeError);
    }
    expect(() => assertTokenSources(['bearer', 'bare', { cookie: '__Host-at' }])).not.toThrow();
  });
});
