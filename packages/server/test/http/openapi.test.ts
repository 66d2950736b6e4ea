import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/http/escape-html.js';
import { openApiPath } from '../../src/http/reference/api-reference.js';
import { createJwtgateServer } from '../../src/runtime/create-server.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const committed = new URL('../../../../docs/openapi.json', import.meta.url);

type Json = Record<string, unknown>;

/**
 * Every route the app registered, checked against the `/openapi.json` and
 * `/docs` it serves: each one must be an operation of the document (or a
 * documented 405 or the CORS preflight), and each operation must have a
 * summary and appear on the page with its method, path and summary.
 * Returns what is missing, one line per problem.
 */
async function undescribedRoutes(app: FastifyInstance): Promise<string[]> {
  const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Json;
  const page = (await app.inject({ method: 'GET', url: '/docs' })).body;
  const paths = document.paths as Record<string, Json>;
  const problems: string[] = [];
  for (const route of app.routeCatalog) {
    // Fastify's own HEAD twin of a GET route: the document says every GET answers HEAD.
    if (route.implicitHead) continue;
    const path = openApiPath(route.url);
    for (const method of route.methods) {
      const item = paths[path] ?? {};
      const refused = item['x-refused-methods'] as { methods: string[] } | undefined;
      const preflight = document['x-cors-preflight'] as { methods: string[] } | undefined;
      if (refused?.methods.includes(method) || (path === '*' && preflight?.methods.includes(method))) continue;
      const operation = item[method.toLowerCase()] as Json | undefined;
      if (operation === undefined) {
        problems.push(`${method} ${path} is not in /openapi.json`);
        continue;
      }
      if (typeof operation.summary !== 'string' || operation.summary === '') {
        problems.push(`${method} ${path} has no summary`);
        continue;
      }
      const article = new RegExp(
        `<article id="op-${operation.operationId}">\\n<h3><span class="method ${method.toLowerCase()}">${method.toLowerCase()}</span><code>${escapeHtml(path).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</code></h3>\\n<p><strong>`,
      );
      if (!article.test(page)) problems.push(`${method} ${path} is not on /docs`);
      else if (!page.includes(escapeHtml(operation.summary).replace(/`([^`]+)`/g, '<code>$1</code>'))) {
        problems.push(`${method} ${path}: its summary is not on /docs`);
      }
    }
  }
  return problems;
}

describe('the API reference a server serves', () => {
  let t: TestServer;
  beforeAll(async () => {
    // The default settings: OpenApi.Enabled is on.
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('is served by default, and not at all with OpenApi.Enabled: false', async () => {
    expect(t.server.config.openApi.enabled).toBe(true);
    const off = await startTestServer({ env: { JWTGATE_OPEN_API_ENABLED: 'false' } });
    try {
      for (const url of ['/openapi.json', '/docs']) {
        const res = await off.request({ method: 'GET', url });
        expect(res.statusCode, url).toBe(404);
        expect(res.json().error.code).toBe('ERR_NOT_FOUND');
      }
    } finally {
      await off.close();
    }
  });

  it('serves the document docs/openapi.json holds, as JSON', async () => {
    const res = await t.request({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json().openapi).toBe('3.1.0');
    expect(res.json()).toEqual(JSON.parse(readFileSync(committed, 'utf8')));
    const again = await t.request({ method: 'GET', url: '/openapi.json' });
    expect(again.body).toBe(res.body);
  });

  it('describes every route the app registers, in /openapi.json and on /docs', async () => {
    expect(t.server.app.routeCatalog.length).toBeGreaterThan(20);
    expect(await undescribedRoutes(t.server.app)).toEqual([]);
  });

  it('is caught out by a route added without a description', async () => {
    const server = await createJwtgateServer({ config: t.server.config, logger: false, devModeBanner: false });
    try {
      server.app.get('/api/orders', { schema: { summary: 'My orders', tags: ['auth'] } }, async () => []);
      server.app.get('/api/status', async () => ({ ok: true }));
      await server.app.ready();
      expect(await undescribedRoutes(server.app)).toEqual(['GET /api/status has no summary']);
    } finally {
      await server.close();
    }
  });

  it("lists an embedder's own routes, and the guard on them", async () => {
    const server = await createJwtgateServer({ config: t.server.config, logger: false, devModeBanner: false });
    try {
      server.app.get('/api/orders', { config: { auth: true }, schema: { summary: 'My orders' } }, async () => []);
      server.app.get('/api/status', async () => ({ ok: true }));
      server.app.route({ method: ['PUT', 'PATCH'], url: '/api/orders/:id', handler: async () => ({}) });
      const res = await server.app.inject({ method: 'GET', url: '/openapi.json' });
      const paths = res.json().paths;
      expect(paths['/api/orders'].get.summary).toBe('My orders');
      expect(paths['/api/orders'].get.security).toEqual([{ bearerAuth: [] }]);
      expect(paths['/api/orders'].get.responses['401'].headers).toHaveProperty('WWW-Authenticate');
      expect(paths['/api/status'].get.security).toBeUndefined();
      expect(paths['/api/orders/{id}'].put.operationId).toBe('putApiOrdersId');
      expect(paths['/api/orders/{id}'].patch.operationId).toBe('patchApiOrdersId');
      expect(paths['/api/orders/{id}'].put.parameters).toEqual([
        { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
      ]);
      // Untagged routes are on the page too, in a group of their own.
      const page = (await server.app.inject({ method: 'GET', url: '/docs' })).body;
      expect(page).toContain('<section id="tag-other"><h2>other</h2>');
      expect(page).toContain('<article id="op-getApiOrders">');
    } finally {
      await server.close();
    }
  });
});

describe('GET /docs', () => {
  let t: TestServer;
  let page: string;
  let csp: string;
  beforeAll(async () => {
    t = await startTestServer();
    const res = await t.request({ method: 'GET', url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    page = res.body;
    csp = String(res.headers['content-security-policy']);
  });
  afterAll(() => t.close());

  it('is served with a policy that runs no script, loads nothing and admits only its own style, by hash', async () => {
    const directives = csp.split('; ');
    expect(directives).toContain("default-src 'none'");
    expect(directives).toContain("base-uri 'none'");
    expect(directives).toContain("form-action 'none'");
    expect(directives).toContain("frame-ancestors 'none'");
    expect(directives).toContain("require-trusted-types-for 'script'");
    expect(csp).not.toMatch(/unsafe-|script-src|\*|https?:|'self'/);
    const styles = [...page.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((match) => match[1] as string);
    expect(styles).toHaveLength(1);
    const hash = createHash('sha256')
      .update(styles[0] as string)
      .digest('base64');
    expect(directives).toContain(`style-src 'sha256-${hash}'`);
    // Nothing on the page could run or fetch anything: no script, no inline handler, no external reference.
    expect(page).not.toMatch(/<script|<link|<img|<iframe|\son[a-z]+=|style="|src=|javascript:/i);
    expect(
      [...page.matchAll(/href="([^"]*)"/g)].every(([, href]) => /^(#[\w-]+|\/openapi\.json)$/.test(href ?? '')),
    ).toBe(true);
    const res = await t.request({ method: 'GET', url: '/docs' });
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('links every group and every operation from its navigation, to anchors that exist', () => {
    const ids = new Set([...page.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1]));
    const links = [...page.matchAll(/href="#([^"]+)"/g)].map((match) => match[1]);
    expect(links.filter((link) => !ids.has(link))).toEqual([]);
    for (const tag of ['auth', 'sessions', 'admin', 'keys', 'health', 'web', 'reference']) {
      expect(page).toContain(`<a href="#tag-${tag}"><strong>${tag}</strong></a>`);
    }
    expect(page).toContain('<a href="#op-postAuthLogin">POST /auth/login</a>');
  });

  it('shows a route with its security, parameters, request body, answers and error codes', () => {
    const start = page.indexOf('<article id="op-deleteAuthSessionsId">');
    const article = page.slice(start, page.indexOf('</article>', start));
    expect(article).toContain('<span class="method delete">delete</span><code>/auth/sessions/{id}</code>');
    expect(article).toContain('<strong>Security:</strong> <a href="#security-bearerAuth"><code>bearerAuth</code></a>');
    expect(article).toMatch(/<h4>Parameters<\/h4><table>.*<td><code>id<\/code><\/td><td>path<\/td><td>yes<\/td>/);
    expect(article).toContain('<h4>204</h4>');
    expect(article).toContain('<li><code>ERR_SESSION_NOT_FOUND</code>:');
    expect(article).toContain('<li><code>ERR_TOKEN_EXPIRED</code>:');

    const login = page.slice(page.indexOf('<article id="op-postAuthLogin">'));
    expect(login.slice(0, login.indexOf('</article>'))).toMatch(
      /<h4>Request body <span class="muted">\(required\)<\/span><\/h4><p><code>application\/json<\/code><\/p><pre>\{\n {2}&quot;type&quot;: &quot;object&quot;/,
    );
    expect(login).toContain('&quot;$ref&quot;: <a href="#schema-TokenResponse">');
    expect(page).toContain('<h3 id="schema-TokenResponse"><code>TokenResponse</code></h3>');
    expect(page).toContain('<h3 id="security-refreshCookie"><code>refreshCookie</code></h3>');
  });

  it('escapes what it shows: no text from the document becomes markup', async () => {
    const server = await createJwtgateServer({ config: t.server.config, logger: false, devModeBanner: false });
    try {
      server.app.get(
        '/api/x',
        { schema: { summary: '<img src=x onerror=alert(1)> & "quotes"', description: '</pre><script>1</script>' } },
        async () => ({}),
      );
      const body = (await server.app.inject({ method: 'GET', url: '/docs' })).body;
      expect(body).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;');
      expect(body).toContain('&lt;/pre&gt;&lt;script&gt;1&lt;/script&gt;');
      expect(body).not.toContain('<script>');
      expect(body).not.toContain('<img');
    } finally {
      await server.close();
    }
  });
});
