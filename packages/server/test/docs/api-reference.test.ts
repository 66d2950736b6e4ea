import { AuthError, errorCodes } from '@jwtgate/core';
import type { InjectOptions } from 'fastify';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandlerPlugin } from '../../src/http/plugins/error-handler.js';
import { type ApiReference, describeApi, openApiPath } from '../../src/http/reference/api-reference.js';
import { toOpenApiDocument } from '../../src/http/reference/openapi-document.js';
import { routeCatalogPlugin } from '../../src/http/reference/route-catalog.js';
import { errorResponses } from '../../src/http/schemas.js';
import { watchDocumentedAnswers } from '../support/documented-answers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

type Json = Record<string, unknown>;

const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Path parameter values that pass every route's parameter schema. */
const samples: Readonly<Record<string, string>> = { id: 'AAAAAAAAAAAAAAAAAAAAAA', path: 'app/main.js' };

function operationsOf(document: Json): { path: string; method: string; operation: Json }[] {
  return Object.entries(document.paths as Record<string, Json>).flatMap(([path, item]) =>
    OPERATION_METHODS.filter((method) => item[method] !== undefined).map((method) => ({
      path,
      method,
      operation: item[method] as Json,
    })),
  );
}

/** Every `$ref` in the document, with where it is. */
function refsIn(value: unknown, at = '#'): { at: string; ref: string }[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => refsIn(item, `${at}/${index}`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === '$ref' && typeof inner === 'string' ? [{ at, ref: inner }] : refsIn(inner, `${at}/${key}`),
  );
}

/** RFC 6901 JSON pointer within the document. */
function resolve(document: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>(
      (node, token) =>
        node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[token] : undefined,
      document,
    );
}

describe('the OpenAPI document', () => {
  let t: TestServer;
  let reference: ApiReference;
  let document: Json;
  beforeAll(async () => {
    t = await startTestServer({ env: { JWTGATE_OPEN_API_ENABLED: 'true' } });
    reference = describeApi(t.server.app.routeCatalog);
    document = toOpenApiDocument(reference, { version: '0.0.0', refreshCookieName: '__Secure-jwtgate_refresh' });
  });
  afterAll(() => t.close());

  it('lists every route of the app exactly once', () => {
    const inApp = t.server.app.routeCatalog
      .flatMap((route) => route.methods.map((method) => `${method} ${openApiPath(route.url)}`))
      .sort();
    const inDocument: string[] = [];
    for (const [path, item] of Object.entries(document.paths as Record<string, Json>)) {
      for (const method of OPERATION_METHODS.filter((m) => item[m] !== undefined)) {
        inDocument.push(`${method.toUpperCase()} ${path}`);
        // The document says that every GET route answers HEAD too.
        if (method === 'get') inDocument.push(`HEAD ${path}`);
      }
      const refused = item['x-refused-methods'] as { methods: string[] } | undefined;
      for (const method of refused?.methods ?? []) inDocument.push(`${method} ${path}`);
    }
    const preflight = document['x-cors-preflight'] as { methods: string[] };
    for (const method of preflight.methods) inDocument.push(`${method} *`);
    expect(inDocument.sort()).toEqual(inApp);
    expect(inApp).toContain('POST /auth/login');
    expect(inApp).toContain('DELETE /auth/sessions/{id}');
  });

  it('resolves every $ref', () => {
    const refs = refsIn(document);
    expect(refs.length).toBeGreaterThan(20);
    const dangling = refs.filter(({ ref }) => resolve(document, ref) === undefined);
    expect(dangling).toEqual([]);
  });

  it('declares every path parameter once, in the path, and no other', () => {
    for (const { path, method, operation } of operationsOf(document)) {
      const inTemplate = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      const parameters = (operation.parameters ?? []) as { name: string; in: string; required: boolean }[];
      const inPath = parameters.filter((parameter) => parameter.in === 'path');
      expect(inPath.map((parameter) => parameter.name).sort(), `${method} ${path}`).toEqual(inTemplate.sort());
      for (const parameter of inPath) expect(parameter.required, `${method} ${path} ${parameter.name}`).toBe(true);
      const keys = parameters.map((parameter) => `${parameter.in}:${parameter.name}`);
      expect(new Set(keys).size, `${method} ${path}`).toBe(keys.length);
    }
  });

  it('gives every operation a unique id, a summary, a known group and described responses', () => {
    const operations = operationsOf(document);
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = (document.tags as { name: string }[]).map((tag) => tag.name);
    expect(tags).toEqual([
      'auth',
      'sessions',
      'mfa',
      'oauth',
      'admin',
      'keys',
      'gateway',
      'health',
      'web',
      'reference',
    ]);
    for (const { path, method, operation } of operations) {
      const where = `${method} ${path}`;
      expect(typeof operation.summary, where).toBe('string');
      expect(operation.tags, where).toHaveLength(1);
      expect(tags, where).toContain((operation.tags as string[])[0]);
      const responses = Object.entries(operation.responses as Record<string, Json>);
      expect(
        responses.some(([status]) => status.startsWith('2') || status.startsWith('3')),
        where,
      ).toBe(true);
      for (const [status, response] of responses) {
        expect(response.description, `${where} ${status}`).toMatch(/\S/);
        if (Number(status) >= 400) {
          const json = (response.content as Record<string, { schema: unknown }>)['application/json'];
          expect(json?.schema, `${where} ${status}`).toEqual({ $ref: '#/components/schemas/Error' });
        }
      }
    }
  });

  it('refers only to security schemes and shapes it defines', () => {
    const components = document.components as { securitySchemes: Json };
    for (const { path, method, operation } of operationsOf(document)) {
      for (const requirement of (operation.security ?? []) as Json[]) {
        for (const scheme of Object.keys(requirement)) {
          expect(components.securitySchemes, `${method} ${path}`).toHaveProperty(scheme);
        }
      }
    }
  });

  it("gives the Error schema every code of core's errorCodes", () => {
    const error = resolve(document, '#/components/schemas/Error/properties/error/properties/code') as {
      enum: string[];
    };
    expect(error.enum).toEqual(Object.keys(errorCodes));
  });

  it("documents only statuses the routes' own response schemas declare", () => {
    for (const route of reference.routes) {
      const entry = t.server.app.routeCatalog.find((r) => r.url === route.url && r.methods === route.methods);
      const declared = Object.keys((entry?.options.schema?.response ?? {}) as Json);
      for (const response of route.responses) {
        const covered =
          declared.includes(String(response.status)) || declared.includes(`${Math.floor(response.status / 100)}xx`);
        expect(covered, `${route.methods.join(',')} ${route.url} ${response.status}`).toBe(true);
      }
    }
  });

  it('puts the WWW-Authenticate, Retry-After and X-Access-Token headers where they apply', () => {
    const me = (document.paths as Record<string, Json>)['/auth/me']?.get as { responses: Record<string, Json> };
    expect(me.responses['401']?.headers).toHaveProperty('WWW-Authenticate');
    expect(me.responses['200']?.headers).toHaveProperty('X-Access-Token');
    expect(me.responses['503']?.headers).toHaveProperty('Retry-After');
    const login = (document.paths as Record<string, Json>)['/auth/login']?.post as { responses: Record<string, Json> };
    expect(login.responses['429']?.headers).toHaveProperty('Retry-After');
    expect(login.responses['401']?.headers ?? {}).not.toHaveProperty('WWW-Authenticate');
    expect(login.responses['200']?.headers ?? {}).not.toHaveProperty('X-Access-Token');
  });

  it('marks as protected exactly the routes that refuse a request without an access token', async () => {
    const operations = reference.routes.filter((route) => route.kind === 'operation');
    expect(operations.filter((route) => route.bearer).length).toBeGreaterThan(8);
    for (const route of operations) {
      const url = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => samples[name] ?? 'x');
      for (const method of route.methods) {
        // light-my-request 6.6 (held there for Node 20, see packages/server/README.md) types fewer methods.
        const res = await t.server.app.inject({ method: method as InjectOptions['method'], url });
        const refused = res.statusCode === 401 && res.json().error.code === 'ERR_TOKEN_MISSING';
        expect(refused, `${method} ${url} answered ${res.statusCode}`).toBe(route.bearer);
        if (route.bearer) expect(res.headers['www-authenticate']).toBe('Bearer realm="jwtgate"');
      }
    }
  });
});

describe('the check of every answer against the reference', () => {
  it('sees the answers of the test servers', async () => {
    const t = await startTestServer();
    try {
      const before = t.answers.answers;
      await t.request({ method: 'GET', url: '/healthz' });
      await t.request({ method: 'GET', url: '/auth/me' });
      expect(t.answers.answers).toBe(before + 2);
      expect(t.answers.problems).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('reports an error code, or a status, the route does not document', async () => {
    const app = Fastify({ logger: false });
    await app.register(routeCatalogPlugin);
    await app.register(errorHandlerPlugin, { realm: 'test' });
    app.get(
      '/lookup',
      { schema: { response: { 200: { type: 'object' }, ...errorResponses }, errors: { ERR_USER_NOT_FOUND: 'never' } } },
      async (request, reply) => {
        if ('gone' in (request.query as Json)) throw new AuthError('ERR_SESSION_NOT_FOUND');
        if ('created' in (request.query as Json)) return reply.code(201).send({});
        throw new AuthError('ERR_USER_NOT_FOUND');
      },
    );
    const seen = watchDocumentedAnswers(app);
    await app.ready();
    try {
      await app.inject({ method: 'GET', url: '/lookup' });
      expect(seen.problems).toEqual([]);
      await app.inject({ method: 'GET', url: '/lookup?gone' });
      await app.inject({ method: 'GET', url: '/lookup?created' });
      expect(seen.problems).toEqual([
        'GET /lookup answered 404 ERR_SESSION_NOT_FOUND, which its reference does not list',
        'GET /lookup answered 201, which its schema does not declare',
      ]);
    } finally {
      await app.close();
    }
  });
});
