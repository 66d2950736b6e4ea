import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuthError } from '@jwtgate/core';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { errorResponses } from '../schemas.js';

/**
 * The page's security policy: scripts and styles from this origin only, no
 * inline script or style, no framing, no plugins, requests to this origin
 * only, and Trusted Types so that no string can ever become markup.
 */
export const webContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

/** `packages/server/web/`, the same from `src/http/routes` and `dist/http/routes`. */
const webRoot = fileURLToPath(new URL('../../../web/', import.meta.url));

function readFolder(folder: string, extensions: readonly string[], what: string): Map<string, Asset> {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    throw new Error(
      `the web page's ${what} are missing from ${folder}: run \`npm run build\`, or set Web.Enabled: false`,
    );
  }
  const assets = new Map<string, Asset>();
  for (const name of names) {
    const type = CONTENT_TYPES[extname(name)];
    if (type === undefined || !extensions.includes(extname(name))) continue;
    assets.set(name, { body: readFileSync(join(folder, name)), type });
  }
  return assets;
}

/**
 * Every file the page needs, read once at start-up into memory: a request
 * path is only ever a key in this map, never a file system path.
 */
function loadAssets(): Map<string, Asset> {
  const clientEntry = createRequire(import.meta.url).resolve('@jwtgate/client');
  const assets = new Map<string, Asset>();
  for (const [name, asset] of readFolder(join(webRoot, 'static'), ['.html', '.css', '.svg'], 'static files')) {
    assets.set(name, asset);
  }
  for (const [name, asset] of readFolder(join(webRoot, 'dist'), ['.js'], 'compiled scripts')) {
    assets.set(`app/${name}`, asset);
  }
  for (const [name, asset] of readFolder(join(webRoot, 'dist', 'admin'), ['.js'], "admin console's scripts")) {
    assets.set(`app/admin/${name}`, asset);
  }
  for (const [name, asset] of readFolder(dirname(clientEntry), ['.js'], 'client SDK files')) {
    assets.set(`client/${name}`, asset);
  }
  const required = ['index.html', 'admin.html', 'app/main.js', 'app/admin/admin-main.js', 'client/index.js'];
  if (required.some((name) => !assets.has(name))) {
    throw new Error(`the web page is incomplete in ${webRoot}: run \`npm run build\`, or set Web.Enabled: false`);
  }
  return assets;
}

function send(reply: FastifyReply, asset: Asset): FastifyReply {
  return reply
    .header('content-type', asset.type)
    .header('content-security-policy', webContentSecurityPolicy)
    .header('cache-control', 'no-cache')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin')
    .send(asset.body);
}

/**
 * The sign-in and session page at `/`, the admin console at `/admin`, their
 * scripts under `/assets/app/` (the console's under `/assets/app/admin/`),
 * and the compiled `@jwtgate/client` ES modules they import under
 * `/assets/client/` (no bundler: the browser loads the modules as they are).
 * The console is only a page: every answer it shows comes from the `/admin/*`
 * API, which decides on each request whether the caller is an administrator.
 */
export const webRoutes: FastifyPluginAsync = async (app) => {
  const assets = loadAssets();
  const page = assets.get('index.html') as Asset;
  const consolePage = assets.get('admin.html') as Asset;
  const text = { 200: { type: 'string' }, ...errorResponses } as const;

  app.get(
    '/',
    {
      schema: {
        summary: 'The sign-in and session page',
        description: 'Served with a strict Content-Security-Policy (no inline script or style, Trusted Types).',
        tags: ['web'],
        produces: ['text/html'],
        response: text,
      },
    },
    async (_request, reply) => send(reply, page),
  );

  app.get(
    '/admin',
    {
      schema: {
        summary: 'The admin console',
        description:
          'A page like the one at `/`, under the same Content-Security-Policy and session cookie. It holds no data and grants nothing: what it shows and does goes through the `/admin/*` API, which refuses every caller whose account is not an enabled administrator in the database.',
        tags: ['web'],
        produces: ['text/html'],
        response: text,
      },
    },
    async (_request, reply) => send(reply, consolePage),
  );

  app.get<{ Params: { '*': string } }>(
    '/assets/*',
    {
      schema: {
        summary: 'Scripts, styles and images of the page',
        tags: ['web'],
        produces: ['text/javascript', 'text/css', 'image/svg+xml'],
        errors: { ERR_NOT_FOUND: 'no such file' },
        params: {
          type: 'object',
          required: ['*'],
          properties: { '*': { type: 'string', pattern: '^(app/|app/admin/|client/)?[A-Za-z0-9_-]+\\.(js|css|svg)$' } },
        },
        response: text,
      },
    },
    async (request, reply) => {
      // The pattern admits no `.html`, so the pages are only ever served at `/` and `/admin`.
      const asset = assets.get(request.params['*']);
      if (asset === undefined) throw new AuthError('ERR_NOT_FOUND');
      return send(reply, asset);
    },
  );
};
