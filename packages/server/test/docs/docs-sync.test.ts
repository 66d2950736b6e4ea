import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type ErrorCode, errorCodes } from '@jwtgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envNameFor } from '../../src/config/env-name.js';
import { configSpec, type Field, isField, type Section } from '../../src/config/spec.js';
import { type ApiReference, describeApi } from '../../src/http/reference/api-reference.js';
import { toOpenApiDocument } from '../../src/http/reference/openapi-document.js';
import { refreshCookieName } from '../../src/http/refresh-cookie.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { renderApiReference, renderRouteCodes } from './render-api.js';

/**
 * The reference tables in docs/ are generated from the code's own tables, so
 * they cannot drift. Run with UPDATE_DOCS=1 to rewrite them after a change.
 */
const docsDir = new URL('../../../../docs/', import.meta.url);

function replaceBlock(text: string, name: string, body: string): string {
  const start = `<!-- generated:${name}:start -->`;
  const end = `<!-- generated:${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1) throw new Error(`markers for ${name} are missing`);
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
}

function describeType(field: Field): string {
  switch (field.kind) {
    case 'integer':
      return `integer, ${field.min}–${field.max}${field.unit ? ` ${field.unit}` : ''}`;
    case 'enum':
      return field.values.map((v) => `\`${v}\``).join(' \\| ');
    case 'list':
      return 'list of strings';
    case 'map':
      return 'mapping of names to strings';
    case 'records':
      return 'mapping of names to settings';
    case 'string':
      return field.minLength ? `string, ≥ ${field.minLength} bytes` : 'string';
    case 'boolean':
      return 'boolean';
  }
}

function configRows(spec: Section, path: string[] = []): string[] {
  return Object.entries(spec).flatMap(([key, node]) => {
    const full = [...path, key];
    if (!isField(node)) return configRows(node, full);
    const fallback = 'default' in node && node.default !== undefined ? `\`${JSON.stringify(node.default)}\`` : '—';
    // Named entries have no variable of their own (they are only in the file); their settings do, per entry.
    if (node.kind === 'records') {
      return [
        `| \`${full.join('.')}\` | — | ${describeType(node)} | \`{}\` | ${node.description} |`,
        ...configRows(node.fields, [...full, '<name>']),
      ];
    }
    return [
      `| \`${full.join('.')}\` | \`${envNameFor(full)}\` | ${describeType(node)} | ${fallback} | ${node.description} |`,
    ];
  });
}

function renderConfigTable(): string {
  return [
    '| Setting | Environment variable | Type | Default | Meaning |',
    '| --- | --- | --- | --- | --- |',
    ...configRows(configSpec),
  ].join('\n');
}

function renderErrorTable(): string {
  const rows = Object.entries(errorCodes).map(([code, spec]) => {
    const challenge =
      'bearerError' in spec ? (spec.bearerError === null ? '`Bearer realm=…`' : `\`error="${spec.bearerError}"\``) : '';
    return `| \`${code}\` | ${spec.status} | ${spec.message.replace(/_/g, '\\_')} | ${challenge} |`;
  });
  return ['| Code | Status | Message | `WWW-Authenticate` |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** Compares (or, with UPDATE_DOCS=1, rewrites) a whole generated file. */
function checkFile(file: string, wanted: string): void {
  const url = new URL(file, docsDir);
  const current = existsSync(url) ? readFileSync(url, 'utf8') : '';
  if (process.env.UPDATE_DOCS === '1') writeFileSync(url, wanted);
  else expect(current, `${file} is out of date; run UPDATE_DOCS=1 npx vitest run docs-sync`).toBe(wanted);
}

function check(file: string, block: string, body: string): void {
  checkFile(file, replaceBlock(readFileSync(new URL(file, docsDir), 'utf8'), block, body));
}

/** Codes the per-route table of errors.md leaves out: a body, a store or a bug can bring them anywhere. */
const commonCodes: readonly ErrorCode[] = [
  'ERR_VALIDATION',
  'ERR_MALFORMED_JSON',
  'ERR_FORBIDDEN_KEY',
  'ERR_BODY_TOO_LARGE',
  'ERR_UNSUPPORTED_MEDIA_TYPE',
  'ERR_STORE_UNAVAILABLE',
  'ERR_INTERNAL',
];

const serverVersion = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

describe('reference docs', () => {
  it('list every configuration setting as the code defines it', () => {
    check('configuration.md', 'settings', renderConfigTable());
  });

  it('list every error code as the code defines it', () => {
    check('errors.md', 'codes', renderErrorTable());
  });
});

describe('the API reference', () => {
  // The real app with its default settings and every optional route: the web page, the JWKS, the reference itself.
  let t: TestServer;
  let reference: ApiReference;
  beforeAll(async () => {
    t = await startTestServer({ env: { JWTGATE_OPEN_API_ENABLED: 'true' } });
    reference = describeApi(t.server.app.routeCatalog);
  });
  afterAll(() => t.close());

  it('is the OpenAPI document of the routes in openapi.json', () => {
    const document = toOpenApiDocument(reference, {
      version: serverVersion,
      refreshCookieName: refreshCookieName(t.server.config.cookie),
    });
    checkFile('openapi.json', `${JSON.stringify(document, null, 2)}\n`);
  });

  it('describes every route in api.md', () => {
    check('api.md', 'routes', renderApiReference(reference));
  });

  it('lists the codes each route can answer in errors.md', () => {
    check('errors.md', 'route-codes', renderRouteCodes(reference, commonCodes));
  });
});
