import { errorCodes } from '@jwtgate/core';
import {
  type ApiReference,
  BEARER_SCHEME,
  CLIENT_SCHEME,
  type HeaderReference,
  type JsonSchema,
  type ParameterReference,
  REFRESH_COOKIE_SCHEME,
  type ResponseReference,
  type RouteReference,
  routeGroups,
} from './api-reference.js';

/** What the document says about the server beyond its routes. */
export interface OpenApiOptions {
  /** `info.version`: the server's version. */
  readonly version: string;
  /** The refresh cookie's full name (`__Secure-jwtgate_refresh` with the default settings). */
  readonly refreshCookieName: string;
}

type Json = Readonly<Record<string, unknown>>;

const overview = [
  'A JWT authentication server: registration and password login, short-lived access tokens, rotating refresh tokens with reuse detection, sessions per device, an administration API, and browser sessions with the refresh token in an HttpOnly cookie.',
  '',
  'Every error answer is `{"error": {"code", "message"}}` with a stable `code` (`Error`); validation errors add `details`. Codes are public API; see docs/errors.md.',
  '',
  'Every GET route answers HEAD too. Other methods on the paths that change state answer 405 `ERR_METHOD_NOT_ALLOWED` with `Allow` (listed per path under `x-refused-methods`). `OPTIONS` on any path is the CORS preflight (`x-cors-preflight`): 204 for an origin in `Cors.AllowedOrigins`, else 403 `ERR_ORIGIN_NOT_ALLOWED`. Answers carry `Cache-Control: no-store` unless said otherwise, and `Vary: Origin`.',
].join('\n');

function header(reference: HeaderReference): Json {
  return { description: reference.description, schema: reference.schema };
}

function parameter(reference: ParameterReference): Json {
  return {
    name: reference.name,
    in: reference.in,
    required: reference.required,
    ...(reference.description === undefined ? {} : { description: reference.description }),
    schema: reference.schema,
  };
}

function errorExamples(response: ResponseReference): Json {
  return Object.fromEntries(
    response.errors.map((error) => [
      error.code,
      { summary: error.when, value: { error: { code: error.code, message: errorCodes[error.code].message } } },
    ]),
  );
}

function response(reference: ResponseReference): Json {
  const headers = Object.entries(reference.headers);
  const content =
    reference.schema === undefined
      ? undefined
      : Object.fromEntries(
          reference.mediaTypes.map((type) => [
            type,
            {
              schema: reference.schema,
              ...(reference.errors.length > 0 ? { examples: errorExamples(reference) } : {}),
            },
          ]),
        );
  return {
    description: reference.description,
    ...(headers.length > 0 ? { headers: Object.fromEntries(headers.map(([name, h]) => [name, header(h)])) } : {}),
    ...(content === undefined ? {} : { content }),
  };
}

/** `DELETE /auth/sessions/{id}` → `deleteAuthSessionsId`; `OPTIONS *` → `optionsAnyPath`. */
function operationId(method: string, path: string): string {
  const words = path
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0)
    .map((word) => `${word[0]?.toUpperCase()}${word.slice(1)}`);
  const name = path === '*' ? 'AnyPath' : words.length === 0 ? 'Root' : words.join('');
  return `${method.toLowerCase()}${name}`;
}

function operation(route: RouteReference, method: string): Json {
  return {
    operationId: operationId(method, route.path),
    ...(route.group === undefined ? {} : { tags: [route.group] }),
    ...(route.summary === undefined ? {} : { summary: route.summary }),
    ...(route.description === undefined ? {} : { description: route.description }),
    ...(route.security.length > 0 ? { security: route.security } : {}),
    ...(route.parameters.length > 0 ? { parameters: route.parameters.map(parameter) } : {}),
    ...(route.body === undefined
      ? {}
      : {
          requestBody: {
            required: route.body.required,
            content: { [route.body.mediaType]: { schema: route.body.schema } },
          },
        }),
    responses: Object.fromEntries(route.responses.map((r) => [String(r.status), response(r)])),
  };
}

function refusal(route: RouteReference): Json {
  return {
    methods: route.methods,
    allow: route.allow,
    responses: Object.fromEntries(route.responses.map((r) => [String(r.status), response(r)])),
  };
}

/**
 * The OpenAPI 3.1 document of an {@link ApiReference}. Operations are keyed
 * by path then method; the 405 answers of other methods are listed under
 * each path's `x-refused-methods`, the CORS preflight under `x-cors-preflight`.
 *
 * @example
 * const document = toOpenApiDocument(describeApi(app.routeCatalog), {
 *   version: '0.1.0',
 *   refreshCookieName: '__Secure-jwtgate_refresh',
 * });
 */
export function toOpenApiDocument(reference: ApiReference, options: OpenApiOptions): Json {
  const paths: Record<string, Record<string, unknown>> = {};
  const catchAll: Json[] = [];
  for (const route of reference.routes) {
    if (route.kind === 'catch-all') {
      catchAll.push({ methods: route.methods, ...operation(route, route.methods.join('')) });
      continue;
    }
    const item = paths[route.path] ?? {};
    paths[route.path] = item;
    if (route.kind === 'refusal') {
      item['x-refused-methods'] = refusal(route);
      continue;
    }
    for (const method of route.methods) item[method.toLowerCase()] = operation(route, method);
  }
  const usedGroups = new Set(reference.routes.map((route) => route.group));
  return {
    openapi: '3.1.0',
    info: {
      title: 'jwtgate',
      version: options.version,
      description: overview,
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: Object.entries(routeGroups)
      .filter(([name]) => usedGroups.has(name as keyof typeof routeGroups))
      .map(([name, description]) => ({ name, description })),
    paths,
    ...(catchAll.length > 0 ? { 'x-cors-preflight': catchAll.length === 1 ? catchAll[0] : catchAll } : {}),
    components: {
      schemas: reference.schemas,
      securitySchemes: {
        [BEARER_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'The access token (`typ: at+jwt`) in `Authorization: Bearer <token>`. The bare token, `Authorization: <token>`, as go-zero clients send it, is accepted too.',
        },
        [CLIENT_SCHEME]: {
          type: 'http',
          scheme: 'basic',
          description:
            'A client of `Gateway.Clients`: its id and secret as HTTP Basic credentials (`client_secret_basic`, RFC 6749 §2.3.1). Token introspection also takes them as `client_id` and `client_secret` in its form body (`client_secret_post`).',
        },
        [REFRESH_COOKIE_SCHEME]: {
          type: 'apiKey',
          in: 'cookie',
          name: options.refreshCookieName,
          description:
            'Cookie mode (`Cookie.Mode: opt-in`): the refresh token in an HttpOnly cookie, set by a login with `"cookie": true`. Its name follows `Cookie.Name`, with the `__Host-` or `__Secure-` prefix its attributes earn. Requests it can authenticate need an allowed `Origin` and `X-Jwtgate-Csrf: 1`.',
        },
      } satisfies Record<string, JsonSchema>,
    },
  };
}
