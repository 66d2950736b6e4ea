import { createHash } from 'node:crypto';
import { escapeHtml } from '../escape-html.js';

type Json = Readonly<Record<string, unknown>>;

/** The rendered page and the security policy it must be served with. */
export interface ReferencePage {
  readonly html: string;
  /** Allows exactly the page's own stylesheet (by hash) and nothing else: no script, no request, no frame. */
  readonly contentSecurityPolicy: string;
}

const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const UNGROUPED = 'other';

// Inline, so the page needs no request of its own; the policy admits it by its hash only.
const STYLE = `
:root { color-scheme: light dark; --line: #8884; --muted: #888; --code: #8881; }
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; display: grid; grid-template-columns: 17rem 1fr; }
nav { position: sticky; top: 0; height: 100vh; overflow: auto; padding: 1rem; border-right: 1px solid var(--line); box-sizing: border-box; font-size: 14px; }
nav ul { list-style: none; padding-left: .5rem; margin: .2rem 0 .8rem; }
nav a { text-decoration: none; }
main { padding: 1rem 2rem 4rem; max-width: 62rem; min-width: 0; }
h1 { margin-top: 0; }
section, article, h3 { scroll-margin-top: 1rem; }
h2 { border-bottom: 1px solid var(--line); padding-bottom: .2rem; margin-top: 2.5rem; }
article { border: 1px solid var(--line); border-radius: 6px; padding: .2rem 1rem 1rem; margin: 1.2rem 0; }
h3 { font-size: 1.05rem; display: flex; gap: .6rem; align-items: baseline; flex-wrap: wrap; }
h4 { margin: 1rem 0 .3rem; font-size: .95rem; }
.method { font: bold 12px/1 ui-monospace, monospace; padding: .3rem .45rem; border-radius: 4px; color: #fff; background: #555; text-transform: uppercase; }
.get { background: #1a6fb5; } .post { background: #2b8a3e; } .patch, .put { background: #a86400; } .delete { background: #c92a2a; } .options { background: #6741d9; }
code, pre { font-family: ui-monospace, monospace; font-size: 13px; }
code { background: var(--code); padding: 0 .2rem; border-radius: 3px; }
pre { background: var(--code); padding: .6rem; border-radius: 4px; overflow: auto; max-height: 24rem; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid var(--line); padding: .25rem .4rem; }
.muted { color: var(--muted); }
.errors { margin: .2rem 0; padding-left: 1.2rem; }
`;

/** The documents' prose is Markdown-ish: escaped first, then only `code` spans become markup. */
function prose(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function paragraphs(text: string | undefined): string {
  if (text === undefined) return '';
  return text
    .split(/\n\s*\n/)
    .map((block) => `<p>${prose(block).replace(/\n/g, '<br>')}</p>`)
    .join('');
}

function asRecord(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** An anchor id made only of safe characters. */
function anchor(prefix: string, name: string): string {
  return `${prefix}-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

const SCHEMA_REF = '#/components/schemas/';

/** JSON, pretty-printed and escaped, with each `$ref` to a shared schema a link to it. */
function jsonHtml(value: unknown, indent = ''): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => inner + jsonHtml(item, inner)).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    const lines = entries.map(([key, item]) => {
      const name = escapeHtml(JSON.stringify(key));
      if (key === '$ref' && typeof item === 'string' && item.startsWith(SCHEMA_REF)) {
        const target = anchor('schema', item.slice(SCHEMA_REF.length));
        return `${inner}${name}: <a href="#${target}">${escapeHtml(JSON.stringify(item))}</a>`;
      }
      return `${inner}${name}: ${jsonHtml(item, inner)}`;
    });
    return `{\n${lines.join(',\n')}\n${indent}}`;
  }
  return escapeHtml(JSON.stringify(value) ?? 'null');
}

function schemaBlock(schema: unknown): string {
  return `<pre>${jsonHtml(schema)}</pre>`;
}

function securityHtml(operation: Json): string {
  const requirements = Array.isArray(operation.security) ? (operation.security as Json[]) : [];
  if (requirements.length === 0) return '<p><strong>Security:</strong> none (public)</p>';
  const alternatives = requirements.map((requirement) =>
    Object.keys(requirement)
      .map((scheme) => `<a href="#${anchor('security', scheme)}"><code>${escapeHtml(scheme)}</code></a>`)
      .join(' and '),
  );
  return `<p><strong>Security:</strong> ${alternatives.join(' or ')}</p>`;
}

function parametersHtml(operation: Json): string {
  const parameters = Array.isArray(operation.parameters) ? (operation.parameters as Json[]) : [];
  if (parameters.length === 0) return '';
  const rows = parameters.map(
    (parameter) =>
      `<tr><td><code>${escapeHtml(String(parameter.name))}</code></td><td>${escapeHtml(String(parameter.in))}</td>` +
      `<td>${parameter.required === true ? 'yes' : 'no'}</td><td><code>${escapeHtml(JSON.stringify(parameter.schema))}</code></td>` +
      `<td>${prose(asString(parameter.description) ?? '')}</td></tr>`,
  );
  return `<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Required</th><th>Schema</th><th>Meaning</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function requestBodyHtml(operation: Json): string {
  const body = asRecord(operation.requestBody);
  const content = asRecord(body.content);
  const types = Object.entries(content);
  if (types.length === 0) return '';
  const required = body.required === true ? 'required' : 'optional';
  return `<h4>Request body <span class="muted">(${required})</span></h4>${types
    .map(([type, media]) => `<p><code>${escapeHtml(type)}</code></p>${schemaBlock(asRecord(media).schema)}`)
    .join('')}`;
}

function responseHtml(status: string, response: Json): string {
  const headers = Object.entries(asRecord(response.headers));
  const content = Object.entries(asRecord(response.content));
  const codes = content.flatMap(([, media]) => Object.entries(asRecord(asRecord(media).examples)));
  const parts = [`<h4>${escapeHtml(status)}</h4>`];
  if (codes.length > 0) {
    const items = codes.map(
      ([code, example]) =>
        `<li><code>${escapeHtml(code)}</code>: ${prose(asString(asRecord(example).summary) ?? '')}</li>`,
    );
    parts.push(`<ul class="errors">${items.join('')}</ul>`);
  } else {
    parts.push(paragraphs(asString(response.description)));
  }
  if (headers.length > 0) {
    parts.push(
      `<p class="muted">Headers: ${headers
        .map(
          ([name, header]) => `<code>${escapeHtml(name)}</code> ${prose(asString(asRecord(header).description) ?? '')}`,
        )
        .join('; ')}</p>`,
    );
  }
  // Error answers all share the Error schema; it is shown once, under Schemas.
  for (const [type, media] of content) {
    if (codes.length > 0) continue;
    parts.push(`<p><code>${escapeHtml(type)}</code></p>${schemaBlock(asRecord(media).schema)}`);
  }
  if (codes.length > 0) parts.push(`<p class="muted">Body: <a href="#schema-Error"><code>Error</code></a></p>`);
  return parts.join('');
}

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly operation: Json;
  readonly refused: Json | undefined;
}

function operationHtml({ method, path, operation }: Operation): string {
  const id = asString(operation.operationId) ?? `${method}${path}`;
  const responses = Object.entries(asRecord(operation.responses)).map(([status, response]) =>
    responseHtml(status, asRecord(response)),
  );
  return [
    `<article id="${anchor('op', id)}">`,
    `<h3><span class="method ${escapeHtml(method)}">${escapeHtml(method)}</span><code>${escapeHtml(path)}</code></h3>`,
    `<p><strong>${prose(asString(operation.summary) ?? '')}</strong></p>`,
    paragraphs(asString(operation.description)),
    securityHtml(operation),
    parametersHtml(operation),
    requestBodyHtml(operation),
    `<h4>Responses</h4>${responses.join('')}`,
    '</article>',
  ].join('\n');
}

function refusedHtml(path: string, refused: Json): string {
  const methods = Array.isArray(refused.methods) ? (refused.methods as string[]) : [];
  const allow = Array.isArray(refused.allow) ? (refused.allow as string[]) : [];
  return `<p class="muted">Other methods on <code>${escapeHtml(path)}</code> (${escapeHtml(methods.join(', '))}) answer 405 <code>ERR_METHOD_NOT_ALLOWED</code> with <code>Allow: ${escapeHtml(allow.join(', '))}</code>.</p>`;
}

function operationsOf(document: Json): Operation[] {
  return Object.entries(asRecord(document.paths)).flatMap(([path, item]) => {
    const record = asRecord(item);
    const refused = record['x-refused-methods'] === undefined ? undefined : asRecord(record['x-refused-methods']);
    return OPERATION_METHODS.filter((method) => record[method] !== undefined).map((method) => ({
      method,
      path,
      operation: asRecord(record[method]),
      refused,
    }));
  });
}

/**
 * The API reference as one HTML page, rendered on the server from the
 * OpenAPI document: every operation with its method, path, summary,
 * security, parameters, request body, responses and error codes, grouped by
 * tag with a link to each group and operation, then the shared schemas and
 * security schemes. Everything taken from the document is escaped; the page
 * has no script and loads nothing.
 *
 * @example
 * const page = renderReferencePage(document);
 * reply.header('content-security-policy', page.contentSecurityPolicy).type('text/html').send(page.html);
 */
export function renderReferencePage(document: Json): ReferencePage {
  const info = asRecord(document.info);
  const tags = (Array.isArray(document.tags) ? (document.tags as Json[]) : []).map((tag) => ({
    name: String(tag.name),
    description: asString(tag.description),
  }));
  const operations = operationsOf(document);
  const groupOf = (operation: Operation) => {
    const first = Array.isArray(operation.operation.tags) ? operation.operation.tags[0] : undefined;
    return typeof first === 'string' && tags.some((tag) => tag.name === first) ? first : UNGROUPED;
  };
  const groups = [...tags, { name: UNGROUPED, description: 'Routes without a group.' }]
    .map((tag) => ({ ...tag, operations: operations.filter((operation) => groupOf(operation) === tag.name) }))
    .filter((group) => group.operations.length > 0);

  const nav = groups.map(
    (group) =>
      `<a href="#${anchor('tag', group.name)}"><strong>${escapeHtml(group.name)}</strong></a><ul>${group.operations
        .map(
          ({ method, path, operation }) =>
            `<li><a href="#${anchor('op', asString(operation.operationId) ?? '')}">${escapeHtml(method.toUpperCase())} ${escapeHtml(path)}</a></li>`,
        )
        .join('')}</ul>`,
  );
  const refusalsShown = new Set<string>();
  const sections = groups.map((group) => {
    const articles = group.operations.map((operation) => {
      let html = operationHtml(operation);
      if (operation.refused !== undefined && !refusalsShown.has(operation.path)) {
        refusalsShown.add(operation.path);
        html += refusedHtml(operation.path, operation.refused);
      }
      return html;
    });
    return `<section id="${anchor('tag', group.name)}"><h2>${escapeHtml(group.name)}</h2>${paragraphs(group.description)}${articles.join('\n')}</section>`;
  });

  const preflight = asRecord(document['x-cors-preflight']);
  const preflightHtml =
    Object.keys(preflight).length === 0
      ? ''
      : `<section id="cors-preflight"><h2>CORS preflight</h2>${operationHtml({
          method: 'options',
          path: '*',
          operation: preflight,
          refused: undefined,
        })}</section>`;
  const components = asRecord(document.components);
  const schemas = Object.entries(asRecord(components.schemas)).map(
    ([name, schema]) =>
      `<h3 id="${anchor('schema', name)}"><code>${escapeHtml(name)}</code></h3>${schemaBlock(schema)}`,
  );
  const schemes = Object.entries(asRecord(components.securitySchemes)).map(([name, scheme]) => {
    const { description, ...rest } = asRecord(scheme);
    return `<h3 id="${anchor('security', name)}"><code>${escapeHtml(name)}</code></h3>${paragraphs(asString(description))}<pre>${jsonHtml(rest)}</pre>`;
  });
  const title = `${asString(info.title) ?? 'API'} ${asString(info.version) ?? ''}`.trim();

  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}: API reference</title>
<style>${STYLE}</style>
</head>
<body>
<nav aria-label="Routes">
<p><strong>${escapeHtml(title)}</strong></p>
${nav.join('\n')}
<a href="#schemas"><strong>schemas</strong></a><br>
<a href="#security"><strong>security schemes</strong></a>
</nav>
<main>
<h1>${escapeHtml(title)}: API reference</h1>
${paragraphs(asString(info.description))}
<p>The same reference as an OpenAPI ${escapeHtml(asString(document.openapi) ?? '')} document: <a href="/openapi.json"><code>/openapi.json</code></a>.</p>
${sections.join('\n')}
${preflightHtml}
<section id="schemas"><h2>Schemas</h2>${schemas.join('\n')}</section>
<section id="security"><h2>Security schemes</h2>${schemes.join('\n')}</section>
</main>
</body>
</html>
`;
  const styleHash = createHash('sha256').update(STYLE).digest('base64');
  return {
    html,
    contentSecurityPolicy: [
      "default-src 'none'",
      `style-src 'sha256-${styleHash}'`,
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
      "require-trusted-types-for 'script'",
      "trusted-types 'none'",
    ].join('; '),
  };
}
