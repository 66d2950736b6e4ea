import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('bad input gets a coded 4xx and changes nothing', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  const post = (url: string, payload: string, contentType = 'application/json') =>
    t.server.app.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload });

  async function expectNoUser(username: string) {
    const res = await t.request({
      method: 'POST',
      url: '/auth/register',
      body: { username, password: 'a fine password' },
    });
    expect(res.statusCode).toBe(201);
  }

  it('answers malformed or empty JSON with 400 ERR_MALFORMED_JSON', async () => {
    for (const payload of ['{bad', '{"username": "a",}', '', '"unterminated']) {
      const res = await post('/auth/register', payload);
      expect(res.statusCode, payload).toBe(400);
      expect(res.json().error.code).toBe('ERR_MALFORMED_JSON');
    }
  });

  it('does not coerce wrong types', async () => {
    for (const body of [
      { username: 12345678, password: 'a fine password' },
      { username: 'typed1', password: 12345678 },
      { username: ['typed2'], password: 'a fine password' },
      { username: 'typed3', password: null },
      { username: 'typed4', password: true },
    ]) {
      const res = await t.request({ method: 'POST', url: '/auth/register', body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('ERR_VALIDATION');
    }
    await expectNoUser('typed1');
  });

  it('refuses missing fields, unknown fields and non-object bodies', async () => {
    const cases: [unknown, string][] = [
      [{ username: 'only-name' }, '/body'],
      [{ username: 'extra1', password: 'a fine password', role: 'admin' }, '/body/role'],
      [[{ username: 'arr', password: 'a fine password' }], '/body'],
      ['just a string', '/body'],
    ];
    for (const [body, path] of cases) {
      const res = await post('/auth/register', JSON.stringify(body));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('ERR_VALIDATION');
      expect(res.json().error.details[0].path).toBe(path);
    }
    await expectNoUser('extra1');
  });

  it('refuses prototype-poisoning keys anywhere in the body', async () => {
    for (const payload of [
      '{"username":"proto1","password":"a fine password","__proto__":{"role":"admin"}}',
      '{"username":"proto2","password":"a fine password","device":{"__proto__":{"x":1}}}',
      '{"username":"proto3","password":"a fine password","constructor":{"prototype":{"role":"admin"}}}',
    ]) {
      const res = await post('/auth/register', payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('ERR_FORBIDDEN_KEY');
    }
    await expectNoUser('proto1');
    expect(({} as Record<string, unknown>).role).toBeUndefined();
  });

  it('answers an oversized body with 413 ERR_BODY_TOO_LARGE', async () => {
    const res = await post('/auth/login', JSON.stringify({ username: 'big', password: 'x'.repeat(20_000) }));
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('ERR_BODY_TOO_LARGE');
  });

  it('answers anything but JSON with 415 ERR_UNSUPPORTED_MEDIA_TYPE', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await post('/auth/register', 'username=form&password=a+fine+password', type);
      expect(res.statusCode, type).toBe(415);
      expect(res.json().error.code).toBe('ERR_UNSUPPORTED_MEDIA_TYPE');
    }
    await expectNoUser('form');
  });

  it('refuses a device label with control characters or over 100 characters', async () => {
    const { username, password } = await t.signUp();
    for (const device of ['line\nbreak', 'd'.repeat(101), '']) {
      const res = await t.request({ method: 'POST', url: '/auth/login', body: { username, password, device } });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('ERR_VALIDATION');
    }
  });

  it('answers unknown routes with 404 ERR_NOT_FOUND in the same error shape', async () => {
    const res = await t.request({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'ERR_NOT_FOUND', message: 'No such route' } });
  });
});
