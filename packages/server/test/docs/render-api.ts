import type { ErrorCode } from '@jwtgate/core';
import {
  type ApiReference,
  BEARER_SCHEME,
  type JsonSchema,
  REFRESH_COOKIE_SCHEME,
  type RouteGroup,
  type RouteReference,
  routeGroups,
} from '../../src/http/reference/api-reference.js';
import type { ErrorCase } from '../../src/http/reference/route-errors.js';

/**
 * `docs/api.md` and the per-route table of `docs/errors.md`, rendered from
 * the same {@link ApiReference} as `docs/openapi.json`.
 */

const groupTitles: Readonly<Record<RouteGroup, string>> = {
  auth: 'Authentication',
  sessions: 'Sessions',
  mfa: 'Second factors',
  oauth: 'Identity providers',
  admin: 'Administration',
  keys: 'Keys',
  gateway: 'Gateways',
  health: 'Health',
  web: 'Web page',
  reference: 'Reference',
};

/** Codes every route with a body can answer; listed in one line rather than in each table. */
const bodyCodes: readonly ErrorCode[] = [
  'ERR_MALFORMED_JSON',
  'ERR_FORBIDDEN_KEY',
  'ERR_BODY_TOO_LARGE',
  'ERR_UNSUPPORTED_MEDIA_TYPE',
];

/** What the access-token guard answers, on every route behind it (see errors.md). */
const guardCodes: readonly ErrorCode[] = [
  'ERR_TOKEN_MISSING',
  'ERR_TOKEN_INVALID',
  'ERR_TOKEN_EXPIRED',
  'ERR_TOKEN_REVOKED',
  'ERR_REFRESH_TOKEN_INVALID',
  'ERR_REFRESH_TOKEN_EXPIRED',
  'ERR_REFRESH_TOKEN_REUSED',
  'ERR_SESSION_REVOKED',
];

/** Markdown table cells: no pipes, no line breaks. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function refName(schema: JsonSchema): string | undefined {
  const ref = schema.$ref;
  return typeof ref === 'string' ? ref.slice(ref.lastIndexOf('/') + 1) : undefined;
}

/**
 * A JSON schema in brief, TypeScript-like; shared shapes by name.
 *
 * @example
 * briefShape({ type: 'object', required: ['id'], properties: { id: { type: 'string' }, device: { type: ['string', 'null'] } } });
 * // '{ id: string, device?: string | null }'
 */
function briefShape(schema: unknown): string {
  if (schema === true || schema === undefined) return 'any';
  if (schema === null || typeof schema !== 'object') return 'any';
  const s = schema as JsonSchema;
  const name = refName(s);
  if (name !== undefined) return name;
  if (Array.isArray(s.enum)) {
    return s.enum.length <= 4
      ? s.enum.map((value) => JSON.stringify(value)).join(' | ')
      : `${String(s.type ?? 'any')} (one of ${s.enum.length} values)`;
  }
  const types = Array.isArray(s.type) ? (s.type as string[]) : [String(s.type ?? 'any')];
  return types
    .map((type) => {
      if (type === 'array') return `${briefShape(s.items)}[]`;
      if (type === 'object') {
        const properties = Object.entries((s.properties ?? {}) as Record<string, unknown>);
        if (properties.length === 0) return 'object';
        const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
        const fields = properties.map(
          ([key, value]) =>
            `${/^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key)}${required.has(key) ? '' : '?'}: ${briefShape(value)}`,
        );
        return `{ ${fields.join(', ')} }`;
      }
      return typeof s.format === 'string' && type === 'string' ? `string (${s.format})` : type;
    })
    .join(' | ');
}

function authLine(route: RouteReference): string {
  const parts: string[] = [];
  if (route.security.some((entry) => BEARER_SCHEME in entry)) parts.push('access token (`Authorization: Bearer …`)');
  if (route.security.some((entry) => REFRESH_COOKIE_SCHEME in entry)) {
    parts.push(
      route.security.some((entry) => Object.keys(entry).length === 0)
        ? 'a refresh token, in the body or as the refresh cookie'
        : 'the refresh cookie',
    );
  }
  if (parts.length === 0) parts.push('none');
  if (route.csrf) parts.push('origin and CSRF checks (`X-Jwtgate-Csrf: 1` with the refresh cookie)');
  return parts.join('; ');
}

function headersText(headers: Readonly<Record<string, unknown>>): string {
  const names = Object.keys(headers);
  return names.length === 0 ? '' : `; headers ${names.map((name) => `\`${name}\``).join(', ')}`;
}

function renderRoute(route: RouteReference, refusals: readonly RouteReference[]): string[] {
  const methods = route.methods.join(', ');
  const lines = [`### \`${methods} ${route.path}\``, ''];
  if (route.summary !== undefined) lines.push(`${route.summary}.`.replace(/\.\.$/, '.'));
  if (route.description !== undefined) lines.push('', route.description);
  lines.push('', '| | |', '| --- | --- |', `| Auth | ${cell(authLine(route))} |`);
  for (const parameter of route.parameters.filter((p) => p.in !== 'header')) {
    const what = `${parameter.in === 'path' ? 'Path' : 'Query'} \`${parameter.name}\``;
    const note = parameter.description === undefined ? '' : ` — ${parameter.description}`;
    lines.push(
      `| ${what} | ${cell(`\`${briefShape(parameter.schema)}\`${parameter.required ? '' : ' (optional)'}${note}`)} |`,
    );
  }
  if (route.body !== undefined) {
    lines.push(
      `| Body | ${cell(`\`${briefShape(route.body.schema)}\`${route.body.required ? '' : ' (may be omitted)'}`)} |`,
    );
  }
  for (const response of route.responses.filter((r) => r.errors.length === 0)) {
    const body = response.schema === undefined ? 'no body' : `\`${briefShape(response.schema)}\``;
    const media =
      response.mediaTypes.length > 0 && response.mediaTypes[0] !== 'application/json'
        ? ` (${response.mediaTypes.join(', ')})`
        : '';
    lines.push(`| ${response.status} | ${cell(`${body}${media}${headersText(response.headers)}`)} |`);
  }
  if (route.alsoHead) lines.push('| HEAD | answered too, without a body |');
  const refusal = refusals.find((r) => r.url === route.url);
  if (refusal !== undefined) {
    lines.push(`| Other methods | ${cell(`405 \`ERR_METHOD_NOT_ALLOWED\`, \`Allow: ${refusal.allow.join(', ')}\``)} |`);
  }
  const listed = route.errors.filter((error) => !bodyCodes.includes(error.code) && error.code !== 'ERR_INTERNAL');
  if (listed.length > 0) lines.push('', ...errorTable(listed));
  const rest = route.errors.filter((error) => !listed.includes(error)).map((error) => `\`${error.code}\``);
  lines.push(
    '',
    `${listed.length > 0 ? 'Also' : 'Errors: only'} ${rest.join(', ')}, as [any route](#conventions).`,
    '',
  );
  return lines;
}

/** One row per status and note: codes answered in the same case share it. */
function errorTable(errors: readonly ErrorCase[]): string[] {
  const rows: { status: number; codes: string[]; when: string }[] = [];
  for (const error of errors) {
    const row = rows.find((r) => r.status === error.status && r.when === error.when);
    if (row === undefined) rows.push({ status: error.status, codes: [error.code], when: error.when });
    else row.codes.push(error.code);
  }
  return [
    '| Status | Code | When |',
    '| --- | --- | --- |',
    ...rows.map(
      (row) => `| ${row.status} | ${row.codes.map((code) => `\`${code}\``).join(', ')} | ${cell(row.when)} |`,
    ),
  ];
}

/**
 * The generated part of `docs/api.md`: one section per group, each route
 * with its method, path, credentials, request and answers in brief, and the
 * codes it can answer; then the shared shapes.
 *
 * @example
 * renderApiReference(describeApi(app.routeCatalog));
 */
export function renderApiReference(reference: ApiReference): string {
  const operations = reference.routes.filter((route) => route.kind === 'operation');
  const refusals = reference.routes.filter((route) => route.kind === 'refusal');
  const lines: string[] = [];
  const groups = (Object.keys(routeGroups) as RouteGroup[]).filter((group) =>
    operations.some((route) => route.group === group),
  );
  for (const group of groups) {
    const routes = operations.filter((route) => route.group === group);
    lines.push(`- [${groupTitles[group]}](#${groupTitles[group].toLowerCase().replace(/ /g, '-')}):`);
    lines.push(`  ${routes.map((route) => `\`${route.methods.join(', ')} ${route.path}\``).join(', ')}`);
  }
  lines.push('- [Shapes](#shapes)', '');
  for (const group of groups) {
    lines.push(`## ${groupTitles[group]}`, '', routeGroups[group], '');
    for (const route of operations.filter((r) => r.group === group)) lines.push(...renderRoute(route, refusals));
  }
  const ungrouped = operations.filter((route) => route.group === undefined);
  if (ungrouped.length > 0) throw new Error(`routes without a group: ${ungrouped.map((r) => r.url).join(', ')}`);
  for (const route of reference.routes.filter((r) => r.kind === 'catch-all')) {
    lines.push(`## \`${route.methods.join(', ')}\` on any path: ${route.summary ?? ''}`, '');
    const answers = route.responses.filter((r) => r.errors.length === 0).map((r) => `${r.status} (${r.description})`);
    lines.push(
      `Answers ${answers.join(', ')} to an origin in \`Cors.AllowedOrigins\`.`,
      '',
      ...errorTable(route.errors),
      '',
    );
  }
  lines.push('## Shapes', '', 'The `code` of an `Error` is one of those listed in [errors.md](errors.md).', '');
  for (const [name, schema] of Object.entries(reference.schemas)) {
    lines.push(`### ${name}`, '', '```ts', briefShape(schema), '```', '');
  }
  return lines.join('\n').trimEnd();
}

/**
 * The generated table of `docs/errors.md`: for each route, the codes it can
 * answer besides the `common` ones, the access-token guard's in two words.
 *
 * @example
 * renderRouteCodes(describeApi(app.routeCatalog), ['ERR_VALIDATION', 'ERR_INTERNAL']);
 * // '| Route | Codes besides … |\n| --- | --- |\n| `GET /healthz` | none |…'
 */
export function renderRouteCodes(reference: ApiReference, common: readonly ErrorCode[]): string {
  const rows = reference.routes
    .filter((route) => route.kind === 'operation')
    .map((route) => {
      const own = route.errors.filter(
        (error) => !common.includes(error.code) && !(route.bearer && guardCodes.includes(error.code)),
      );
      const codes = [...(route.bearer ? ['the access-token codes'] : []), ...own.map((error) => `\`${error.code}\``)];
      return `| \`${route.methods.join(', ')} ${route.path}\` | ${codes.length === 0 ? 'none' : codes.join(', ')} |`;
    });
  const refusals = reference.routes.filter((route) => route.kind === 'refusal');
  if (refusals.length > 0) {
    rows.push(
      `| another method on ${refusals.map((route) => `\`${route.path}\``).join(', ')} | \`ERR_METHOD_NOT_ALLOWED\` (405, with \`Allow\`) |`,
    );
  }
  for (const route of reference.routes.filter((r) => r.kind === 'catch-all')) {
    const codes = route.errors.filter((error) => !common.includes(error.code)).map((error) => `\`${error.code}\``);
    rows.push(`| \`${route.methods.join(', ')}\` on any path (${route.summary ?? ''}) | ${codes.join(', ')} |`);
  }
  rows.push('| a path no route has | `ERR_NOT_FOUND` |');
  return [`| Route | Codes besides ${common.map((code) => `\`${code}\``).join(', ')} |`, '| --- | --- |', ...rows].join(
    '\n',
  );
}
