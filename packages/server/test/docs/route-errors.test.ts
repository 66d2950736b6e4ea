import { describe, expect, it } from 'vitest';
import { routeErrors } from '../../src/http/reference/route-errors.js';

const plain = { body: false, params: false, querystring: false };

describe('the codes a route can answer', () => {
  it('are only ERR_INTERNAL for a public GET route with no schema and no codes of its own', () => {
    const codes = routeErrors({ methods: ['GET'], validated: plain, bearer: false, csrf: false, declared: undefined });
    expect(codes.map((c) => c.code)).toEqual(['ERR_INTERNAL']);
  });

  it('include the body codes for any method that carries a body, validated or not', () => {
    const codes = routeErrors({ methods: ['DELETE'], validated: plain, bearer: false, csrf: false, declared: {} });
    expect(codes.map((c) => c.code)).toEqual([
      'ERR_MALFORMED_JSON',
      'ERR_FORBIDDEN_KEY',
      'ERR_BODY_TOO_LARGE',
      'ERR_UNSUPPORTED_MEDIA_TYPE',
      'ERR_INTERNAL',
    ]);
  });

  it('name the parts whose schema a request may fail', () => {
    const [validation] = routeErrors({
      methods: ['GET'],
      validated: { body: false, params: true, querystring: true },
      bearer: false,
      csrf: false,
      declared: undefined,
    });
    expect(validation).toEqual({
      code: 'ERR_VALIDATION',
      status: 400,
      when: 'a path parameter or a query parameter does not match its schema (`details` says where)',
    });
  });

  it("add the guard's and the CSRF check's codes, sorted by status", () => {
    const codes = routeErrors({ methods: ['GET'], validated: plain, bearer: true, csrf: true, declared: undefined });
    const statuses = codes.map((c) => c.status);
    expect(statuses).toEqual([...statuses].sort((a, b) => a - b));
    expect(codes.map((c) => c.code)).toEqual(
      expect.arrayContaining([
        'ERR_TOKEN_MISSING',
        'ERR_TOKEN_REVOKED',
        'ERR_SESSION_REVOKED',
        'ERR_ORIGIN_NOT_ALLOWED',
        'ERR_CSRF_HEADER_MISSING',
        'ERR_STORE_UNAVAILABLE',
      ]),
    );
  });

  it("add the handler's note to the general one when both name a code", () => {
    const codes = routeErrors({
      methods: ['GET'],
      validated: plain,
      bearer: true,
      csrf: false,
      declared: { ERR_TOKEN_REVOKED: 'also when its user is disabled', ERR_USER_NOT_FOUND: 'no such user' },
    });
    expect(codes.find((c) => c.code === 'ERR_TOKEN_REVOKED')?.when).toBe(
      'the session of the access token has ended; also when its user is disabled',
    );
    expect(codes.find((c) => c.code === 'ERR_USER_NOT_FOUND')).toEqual({
      code: 'ERR_USER_NOT_FOUND',
      status: 404,
      when: 'no such user',
    });
  });
});
