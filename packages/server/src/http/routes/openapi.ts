import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import { describeApi } from '../reference/api-reference.js';
import { toOpenApiDocument } from '../reference/openapi-document.js';
import { type ReferencePage, renderReferencePage } from '../reference/reference-page.js';
import { errorResponses } from '../schemas.js';

/** The server package's version, the same from `src/http/routes` and `dist/http/routes`. */
function serverVersion(): string {
  const file = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/**
 * The API reference of this very server (`OpenApi.Enabled`, on by default),
 * built on first request from its route catalog, so it lists exactly the
 * routes the server has, an embedder's own included: `GET /openapi.json`,
 * the OpenAPI 3.1 document `docs/openapi.json` holds for the default
 * settings, and `GET /docs`, the same document as a page to read.
 */
export const openApiRoutes: FastifyPluginAsync<{ refreshCookieName: string }> = async (app, options) => {
  let document: Readonly<Record<string, unknown>> | undefined;
  let documentText: string | undefined;
  let page: ReferencePage | undefined;
  // The catalog is complete once the app is ready, which it is by the first request.
  const built = () => {
    document ??= toOpenApiDocument(describeApi(app.routeCatalog), {
      version: serverVersion(),
      refreshCookieName: options.refreshCookieName,
    });
    return document;
  };

  app.get(
    '/openapi.json',
    {
      schema: {
        summary: 'This API reference, as an OpenAPI 3.1 document',
        description:
          'Unless `OpenApi.Enabled: false`. Built from the routes of the running server, with its refresh cookie name.',
        tags: ['reference'],
        response: { 200: { type: 'object', additionalProperties: true }, ...errorResponses },
      },
    },
    async (_request, reply) => {
      documentText ??= JSON.stringify(built());
      return reply.type('application/json; charset=utf-8').send(documentText);
    },
  );

  app.get(
    '/docs',
    {
      schema: {
        summary: 'This API reference, as a page to read',
        description:
          'Unless `OpenApi.Enabled: false`. The document of `/openapi.json` rendered on the server as one HTML page: every route with its security, parameters, body, answers and error codes. It has no script and loads nothing; its `Content-Security-Policy` admits only its own stylesheet, by hash.',
        tags: ['reference'],
        produces: ['text/html'],
        response: { 200: { type: 'string' }, ...errorResponses },
      },
    },
    async (_request, reply) => {
      page ??= renderReferencePage(built());
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('content-security-policy', page.contentSecurityPolicy)
        .header('referrer-policy', 'no-referrer')
        .header('x-frame-options', 'DENY')
        .header('cross-origin-opener-policy', 'same-origin')
        .header('cross-origin-resource-policy', 'same-origin')
        .send(page.html);
    },
  );
};
