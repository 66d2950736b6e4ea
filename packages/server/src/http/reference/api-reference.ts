import { errorCodes } from '@jwtgate/core';
import type { FastifySchema, HTTPMethods } from 'fastify';
import { errorSchema } from '../schemas.js';
import { deadCookieCodes } from '../silent-refresh.js';
import type { CatalogRoute } from './route-catalog.js';
import { type ErrorCase, routeErrors } from './route-errors.js';

/** A JSON schema as the reference emits it: shared ones replaced by `$ref`s to `schemas`. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** The groups of routes, in the order the reference presents them. */
export const routeGroups = {
  auth: 'Registration, login, refresh and logout, and who the caller is.',
  sessions: "The caller's own sessions, one per device.",
  mfa: 'Second factors: an authenticator app (TOTP) and recovery codes, and the second step of a login.',
  oauth:
    'Sign-in with identity providers (OpenID Connect, plain OAuth 2.0) and the identities linked to an account (`OAuth.Providers`). See docs/federation.md.',
  admin:
    "The administration API. Every route needs an access token whose user is, according to the database at the time of the request, an enabled administrator, so a demoted administrator's unexpired token opens nothing.",
  keys: 'The public keys that verify access tokens, for services that verify them on their own.',
  gateway:
    'For gateways and services in any language: forward authentication, token introspection (RFC 7662), the authorization server metadata (RFC 8414) and the revocation feed. See docs/gateways.md.',
  health: 'Liveness and readiness, for load balancers and orchestrators.',
  web: 'The sign-in and session page (`Web.Enabled`) and its files.',
  reference:
    'This reference, served by the server itself (`OpenApi.Enabled`, on by default): the document and a page to read.',
} as const;

export type RouteGroup = keyof typeof routeGroups;

/** The security scheme of access tokens and of the refresh cookie, by their OpenAPI names. */
export const BEARER_SCHEME = 'bearerAuth';
/** The security scheme of the clients of introspection and the revocation feed (`Gateway.Clients`). */
export const CLIENT_SCHEME = 'clientBasic';
export const REFRESH_COOKIE_SCHEME = 'refreshCookie';

/** A response header: its meaning, and the schema of its value. */
export interface HeaderReference {
  readonly description: string;
  readonly schema: JsonSchema;
}

export interface ResponseReference {
  readonly status: number;
  readonly description: string;
  /** `undefined` when the answer has no body. */
  readonly schema: JsonSchema | undefined;
  readonly mediaTypes: readonly string[];
  readonly headers: Readonly<Record<string, HeaderReference>>;
  /** For error answers, the codes answered with this status. */
  readonly errors: readonly ErrorCase[];
}

export interface ParameterReference {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required: boolean;
  readonly description: string | undefined;
  readonly schema: JsonSchema;
}

/**
 * One route of the catalog:
 * - `operation`, a route in its own right;
 * - `refusal`, the 405 `ERR_METHOD_NOT_ALLOWED` answer other methods get on a route's path;
 * - `catch-all`, a route on every path (`OPTIONS *`, the CORS preflight).
 */
export interface RouteReference {
  readonly kind: 'operation' | 'refusal' | 'catch-all';
  readonly methods: readonly HTTPMethods[];
  /** Fastify's form: `/auth/sessions/:id`. */
  readonly url: string;
  /** OpenAPI's form: `/auth/sessions/{id}`; a trailing wildcard becomes `{path}`. */
  readonly path: string;
  readonly group: RouteGroup | undefined;
  readonly summary: string | undefined;
  readonly description: string | undefined;
  /** OpenAPI security requirements; empty for a public route. */
  readonly security: readonly Readonly<Record<string, readonly string[]>>[];
  /** Behind the access-token guard. */
  readonly bearer: boolean;
  /** Behind the origin and CSRF checks (`config: { csrf: true }`). */
  readonly csrf: boolean;
  readonly parameters: readonly ParameterReference[];
  readonly body: { readonly schema: JsonSchema; readonly required: boolean; readonly mediaType: string } | undefined;
  /** Successes, then errors, by status. */
  readonly responses: readonly ResponseReference[];
  /** Every code the route can answer. */
  readonly errors: readonly ErrorCase[];
  /** Fastify answers HEAD on this GET route too. */
  readonly alsoHead: boolean;
  /** For a refusal: the methods the path does accept (`Allow`). */
  readonly allow: readonly HTTPMethods[];
}

/** The whole reference: every route, and the shared (titled) schemas they point at. */
export interface ApiReference {
  readonly routes: readonly RouteReference[];
  readonly schemas: Readonly<Record<string, JsonSchema>>;
}

/** Where a shared schema lives in the document. */
function schemaRef(name: string): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

/**
 * Collects the shared schemas: a schema with a `title` is one, named by it,
 * and wherever a route uses it the reference points at it instead.
 */
class SharedSchemas {
  readonly byName = new Map<string, JsonSchema>();
  private readonly texts = new Map<string, string>();

  /** A deep copy of `schema`, titled schemas inside it replaced by references. */
  convert(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map((item) => this.convert(item));
    if (schema === null || typeof schema !== 'object') return schema;
    const copy = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, this.convert(value)]));
    const title = (schema as { title?: unknown }).title;
    if (typeof title !== 'string') return copy;
    const text = JSON.stringify(copy);
    const known = this.texts.get(title);
    if (known !== undefined && known !== text) throw new Error(`two different schemas are titled ${title}`);
    this.texts.set(title, text);
    this.byName.set(title, copy);
    return schemaRef(title);
  }
}

function asObject(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

const stringSchema: JsonSchema = { type: 'string' };

/** Headers that depend on what a route is, not on its schema. */
const headers = {
  wwwAuthenticate: {
    description:
      'RFC 6750 challenge: `Bearer realm="<Name>"` when no token was sent; `Bearer realm="<Name>", error="invalid_token", error_description="…"` when one was refused; `error="insufficient_user_authentication"` with `acr_values` or `max_age` (RFC 9470) when the sign-in behind it is not strong or recent enough.',
    schema: stringSchema,
  },
  retryAfterThrottle: {
    description: 'Seconds until failed logins stop being counted against this username and address.',
    schema: { type: 'integer' },
  },
  retryAfterStore: {
    description:
      'Seconds to wait before retrying: 1 to 5, drawn at random so that clients do not all come back at once.',
    schema: { type: 'integer', minimum: 1, maximum: 5 },
  },
  allow: { description: 'The methods this path accepts.', schema: stringSchema },
  accessToken: {
    description:
      'Cookie mode, where the refresh cookie reaches the route (`Cookie.Path`): the access token that replaces an expired one, renewed on the fly with the cookie (silent refresh).',
    schema: stringSchema,
  },
  refreshAfter: {
    description: 'Cookie mode, with `X-Access-Token`: Unix time (seconds) after which the client should refresh.',
    schema: { type: 'integer' },
  },
  renewedCookie: {
    description: 'Cookie mode, with `X-Access-Token`: the successor refresh cookie.',
    schema: stringSchema,
  },
  deadCookie: {
    description: 'Cookie mode: deletes the refresh cookie when it can never work again.',
    schema: stringSchema,
  },
} as const satisfies Record<string, HeaderReference>;

const successText: Readonly<Record<number, string>> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No content',
  304: 'Not modified',
};

function headersOf(schema: Readonly<Record<string, unknown>>): Record<string, HeaderReference> {
  const declared = asObject(schema.headers) ?? {};
  return Object.fromEntries(
    Object.entries(declared).map(([name, value]) => {
      const { description, ...rest } = asObject(value) ?? {};
      return [name, { description: typeof description === 'string' ? description : '', schema: rest }];
    }),
  );
}

function mergeHeader(into: Record<string, HeaderReference>, name: string, header: HeaderReference): void {
  const existing = into[name];
  into[name] =
    existing === undefined ? header : { ...existing, description: `${existing.description} ${header.description}` };
}

/** A response's body schema, without the `headers` keyword; `undefined` when it has no body. */
function responseBody(value: unknown, shared: SharedSchemas): JsonSchema | undefined {
  const { headers: _headers, ...body } = asObject(value) ?? {};
  return body.type === 'null' ? undefined : (shared.convert(body) as JsonSchema);
}

function successResponses(
  schema: FastifySchema | undefined,
  bearer: boolean,
  shared: SharedSchemas,
): ResponseReference[] {
  const declared = asObject(schema?.response) ?? {};
  return Object.entries(declared)
    .filter(([status]) => /^[123]\d\d$/.test(status))
    .map(([status, value]) => {
      const code = Number(status);
      const described = asObject(value)?.description;
      const responseHeaders = headersOf(asObject(value) ?? {});
      if (bearer) {
        mergeHeader(responseHeaders, 'X-Access-Token', headers.accessToken);
        mergeHeader(responseHeaders, 'X-Refresh-After', headers.refreshAfter);
        mergeHeader(responseHeaders, 'Set-Cookie', headers.renewedCookie);
      }
      const body = responseBody(value, shared);
      return {
        status: code,
        description: typeof described === 'string' ? described : (successText[code] ?? 'Success'),
        schema: body,
        mediaTypes: body === undefined ? [] : (schema?.produces ?? ['application/json']),
        headers: responseHeaders,
        errors: [],
      };
    })
    .sort((a, b) => a.status - b.status);
}

function errorResponses(errors: readonly ErrorCase[], readsCookie: boolean): ResponseReference[] {
  const statuses = [...new Set(errors.map((error) => error.status))];
  return statuses.map((status) => {
    const cases = errors.filter((error) => error.status === status);
    const responseHeaders: Record<string, HeaderReference> = {};
    if (cases.some((error) => 'bearerError' in errorCodes[error.code]))
      responseHeaders['WWW-Authenticate'] = headers.wwwAuthenticate;
    if (cases.some((error) => error.code === 'ERR_RATE_LIMITED'))
      responseHeaders['Retry-After'] = headers.retryAfterThrottle;
    if (cases.some((error) => error.code === 'ERR_STORE_UNAVAILABLE' || error.code === 'ERR_SERVER_BUSY'))
      responseHeaders['Retry-After'] = headers.retryAfterStore;
    if (cases.some((error) => error.code === 'ERR_METHOD_NOT_ALLOWED')) responseHeaders.Allow = headers.allow;
    if (readsCookie && cases.some((error) => deadCookieCodes.has(error.code)))
      responseHeaders['Set-Cookie'] = headers.deadCookie;
    return {
      status,
      description: cases.map((error) => `- \`${error.code}\`: ${error.when}`).join('\n'),
      schema: schemaRef('Error'),
      mediaTypes: ['application/json'],
      headers: responseHeaders,
      errors: cases,
    };
  });
}

function parametersOf(
  schema: FastifySchema | undefined,
  part: 'params' | 'querystring',
  shared: SharedSchemas,
): ParameterReference[] {
  const object = asObject(schema?.[part]);
  const properties = asObject(object?.properties) ?? {};
  const required = Array.isArray(object?.required) ? (object.required as string[]) : [];
  return Object.entries(properties).map(([name, value]) => {
    const { description, ...rest } = asObject(value) ?? {};
    return {
      name: part === 'params' && name === '*' ? 'path' : name,
      in: part === 'params' ? 'path' : 'query',
      required: part === 'params' || required.includes(name),
      description:
        typeof description === 'string'
          ? description
          : name === '*'
            ? 'The rest of the path, slashes included.'
            : undefined,
      schema: shared.convert(rest) as JsonSchema,
    };
  });
}

/** The path's parameters: those its schema describes, and any other of its template as a plain string. */
function pathParametersOf(url: string, schema: FastifySchema | undefined, shared: SharedSchemas): ParameterReference[] {
  const described = parametersOf(schema, 'params', shared);
  const inTemplate = [...openApiPath(url).matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string);
  const undescribed = inTemplate
    .filter((name) => !described.some((parameter) => parameter.name === name))
    .map((name) => ({ name, in: 'path' as const, required: true, description: undefined, schema: stringSchema }));
  return [...described, ...undescribed];
}

const csrfHeader: ParameterReference = {
  name: 'X-Jwtgate-Csrf',
  in: 'header',
  required: false,
  description:
    'Required, with an allowed `Origin`, when the request carries the refresh cookie (and on a cookie-mode login); no form, link or `text/plain` post can send it.',
  schema: { type: 'string', enum: ['1'] },
};

/**
 * A Fastify route path in OpenAPI's form.
 *
 * @example
 * openApiPath('/auth/sessions/:id'); // '/auth/sessions/{id}'
 * openApiPath('/assets/*'); // '/assets/{path}'
 */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\/\*$/, '/{path}');
}

function describeRoute(route: CatalogRoute, all: readonly CatalogRoute[], shared: SharedSchemas): RouteReference {
  const { options } = route;
  const schema = options.schema;
  const declaredSecurity = schema?.security ?? [];
  const bearer = options.config?.auth === true || declaredSecurity.some((entry) => BEARER_SCHEME in entry);
  const security =
    bearer && !declaredSecurity.some((entry) => BEARER_SCHEME in entry)
      ? [...declaredSecurity, { [BEARER_SCHEME]: [] }]
      : declaredSecurity;
  const csrf = options.config?.csrf === true;
  const declared = schema?.errors;
  const kind =
    route.url === '*' ? 'catch-all' : declared?.ERR_METHOD_NOT_ALLOWED !== undefined ? 'refusal' : 'operation';
  const errors = routeErrors({
    methods: route.methods,
    validated: {
      body: schema?.body !== undefined,
      params: schema?.params !== undefined,
      querystring: schema?.querystring !== undefined,
    },
    bearer,
    csrf,
    declared,
  });
  const readsCookie = bearer || security.some((entry) => REFRESH_COOKIE_SCHEME in entry);
  const body = asObject(schema?.body);
  return {
    kind,
    methods: route.methods,
    url: route.url,
    path: openApiPath(route.url),
    group: (schema?.tags ?? []).find((tag): tag is RouteGroup => Object.hasOwn(routeGroups, tag)),
    summary: schema?.summary,
    description: schema?.description,
    security,
    bearer,
    csrf,
    parameters: [
      ...pathParametersOf(route.url, schema, shared),
      ...parametersOf(schema, 'querystring', shared),
      ...(csrf ? [csrfHeader] : []),
    ],
    body:
      body === undefined
        ? undefined
        : {
            schema: shared.convert(body) as JsonSchema,
            required: Array.isArray(body.required) && body.required.length > 0,
            mediaType: schema?.consumes ?? 'application/json',
          },
    responses: [...successResponses(schema, bearer, shared), ...errorResponses(errors, readsCookie)],
    errors,
    alsoHead:
      route.methods.includes('GET') &&
      all.some((other) => other.implicitHead && other.url === route.url && other.options.handler === options.handler),
    allow:
      kind === 'refusal'
        ? all
            .filter((other) => other.url === route.url && other !== route && !other.implicitHead)
            .flatMap((other) => other.methods)
        : [],
  };
}

/**
 * The API reference of an app, built from its route catalog: one entry per
 * route (Fastify's own HEAD twins of GET routes folded into them), with
 * everything the OpenAPI document, `docs/api.md` and the per-route error
 * table in `docs/errors.md` say about it.
 *
 * @example
 * await app.ready();
 * const reference = describeApi(app.routeCatalog);
 * reference.routes.find((route) => route.url === '/auth/login')?.errors;
 */
export function describeApi(catalog: readonly CatalogRoute[]): ApiReference {
  const shared = new SharedSchemas();
  // Every error answer points at it, whether or not a route's schema names it.
  shared.convert(errorSchema);
  const routes = catalog.filter((route) => !route.implicitHead).map((route) => describeRoute(route, catalog, shared));
  return { routes, schemas: Object.fromEntries(shared.byName) };
}
