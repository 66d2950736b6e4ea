import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webContentSecurityPolicy } from '../../src/http/routes/web.js';
import { loadTestConfig, startTestServer, TEST_ACCESS_SECRET, type TestServer } from '../support/test-server.js';

describe('the web page at /', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('is served with a strict Content-Security-Policy and no framing', async () => {
    const res = await t.request({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toBe(webContentSecurityPolicy);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('has no inline script, handler or style, which the policy would block anyway', async () => {
    const html = (await t.request({ method: 'GET', url: '/' })).body;
    for (const tag of html.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? []) {
      expect(tag).toMatch(/^<script type="module" src="\/assets\/[^"]+"><\/script>$/);
    }
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/\sstyle=|<style/i);
    expect(html).toMatch(/<html lang="en">/);
    expect(html).toMatch(/<meta name="viewport" content="width=device-width, initial-scale=1">/);
    expect(html).toMatch(/<main id="main"/);
  });

  it.each([
    ['/assets/styles.css', 'text/css; charset=utf-8'],
    ['/assets/icon.svg', 'image/svg+xml'],
    ['/assets/app/main.js', 'text/javascript; charset=utf-8'],
    ['/assets/client/index.js', 'text/javascript; charset=utf-8'],
    ['/assets/client/create-client.js', 'text/javascript; charset=utf-8'],
  ])('serves %s as %s under the same policy', async (url, type) => {
    const res = await t.request({ method: 'GET', url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['content-security-policy']).toBe(webContentSecurityPolicy);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves the compiled client SDK itself, which the page imports', async () => {
    const res = await t.request({ method: 'GET', url: '/assets/client/create-client.js' });
    expect(res.body).toContain('export function createClient');
    expect(res.body).not.toMatch(/from ['"]node:/);
  });

  it.each([
    '/assets/../package.json',
    '/assets/app/../../package.json',
    '/assets/app/%2e%2e%2f%2e%2e%2fpackage.json',
    '/assets/client/..%2Fpackage.json',
    '/assets/client/index.d.ts',
    '/assets/app/main.js.map',
    '/assets/index.html',
    '/assets/app/nope.js',
    '/assets/',
  ])('serves nothing else: %s', async (url) => {
    const res = await t.request({ method: 'GET', url });
    expect([400, 404]).toContain(res.statusCode);
    expect(res.body).not.toContain('"name"');
    expect(res.body).not.toContain('<html');
  });

  it('keeps no token or secret in the page or its scripts', async () => {
    for (const url of ['/', '/assets/app/main.js', '/assets/client/create-client.js']) {
      const body = (await t.request({ method: 'GET', url })).body;
      expect(body).not.toContain(TEST_ACCESS_SECRET);
      // Comments may say where tokens are not kept; the code must not touch any storage.
      const code = body.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      expect(code).not.toMatch(/localStorage|sessionStorage|indexedDB|document\.cookie/i);
    }
  });
});

describe('Web.Enabled', () => {
  it('turns the page off', async () => {
    const t = await startTestServer({ env: { JWTGATE_WEB_ENABLED: 'false' } });
    try {
      expect((await t.request({ method: 'GET', url: '/' })).statusCode).toBe(404);
      expect((await t.request({ method: 'GET', url: '/assets/app/main.js' })).statusCode).toBe(404);
    } finally {
      await t.close();
    }
  });

  it('cannot be on without cookie mode, which the page signs in with', () => {
    expect(() => loadTestConfig({ JWTGATE_COOKIE_MODE: 'off' })).toThrow(
      /Web\.Enabled: the web page signs in with cookie mode; set Cookie\.Mode: opt-in or Web\.Enabled: false/,
    );
  });
});
