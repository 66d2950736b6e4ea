import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import { describeApi } from '../reference/api-reference.js';
import { toOpenApiDocument } from '../reference/openapi-document.js';
import { errorResponses } from '../schemas.js';

/** The server package's version, the same from `src/http/routes` and `dist/http/routes`. */
function serverVersion(): string {
  const file = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/**
 * `GET /openapi.json` (`OpenApi.Enabled`): the API reference of this very
 * server, built on first request from its route catalog, so it lists exactly
 * the routes the server has, an embedder's own included. It is the document
 * `docs/openapi.json` holds for the default settings.
 */
export const openApiRoutes: FastifyPluginAsync<{ refreshCookieName: string }> = async (app, options) => {
  let document: string | undefined;
  app.get(
    '/openapi.json',
    {
      schema: {
        summary: 'This API reference, as an OpenAPI 3.1 document',
        description:
          'Only with `OpenApi.Enabled: true`. Built from the routes of the running server, with its refresh cookie name.',
        tags: ['reference'],
        response: { 200: { type: 'object', additionalProperties: true }, ...errorResponses },
      },
    },
    async (_request, reply) => {
      // The catalog is complete once the app is ready, which it is by the first request.
      document ??= JSON.stringify(
        toOpenApiDocument(describeApi(app.routeCatalog), {
          version: serverVersion(),
          refreshCookieName: options.refreshCookieName,
        }),
      );
      return reply.type('application/json; charset=utf-8').send(document);
    },
  );
};
