/**
 * The project of a user of the published packages, as the tarball test
 * writes it into an empty folder: a tsconfig with `skipLibCheck` off, an
 * Express and a Hono service that verify a token through the JWKS and print
 * what they answered, a page script bundled by Vite, and an embedding of the
 * server. Everything here type-checks against the installed declarations only.
 */
export const CONSUMER_FILES: Record<string, string> = {
  'tsconfig.json': `${JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: false,
        lib: ['ES2023', 'DOM'],
        types: ['node'],
        outDir: 'dist',
        rootDir: 'src',
      },
      include: ['src'],
    },
    null,
    2,
  )}\n`,
  'vite.config.js': `export default {
  build: { outDir: 'bundle', emptyOutDir: true, lib: { entry: 'src/browser.ts', formats: ['es'], fileName: 'browser' } },
};
`,
  'src/express.ts': `import type { AddressInfo } from 'node:net';
import { jwtgateAuth } from '@jwtgate/middleware/express';
import express from 'express';

const requireAuth = jwtgateAuth({
  jwksUrl: process.env.JWKS_URL as string,
  algorithms: ['ES256'],
  issuer: 'jwtgate',
  audience: 'search-api',
});
const app = express();
app.get('/me', requireAuth, (req, res) => {
  res.json({ audience: req.auth?.aud === undefined ? null : 'search-api', sub: req.auth?.sub });
});
const listening = app.listen(0, '127.0.0.1', async () => {
  const base = \`http://127.0.0.1:\${(listening.address() as AddressInfo).port}/me\`;
  const withToken = await fetch(base, { headers: { authorization: \`Bearer \${process.env.TOKEN}\` } });
  const body = (await withToken.json()) as { audience: string | null };
  const withoutToken = await fetch(base);
  console.log(JSON.stringify({ withToken: withToken.status, audience: body.audience, withoutToken: withoutToken.status }));
  listening.close();
});
`,
  'src/hono.ts': `import { jwtgateAuth } from '@jwtgate/middleware/hono';
import { Hono } from 'hono';

const app = new Hono();
app.get(
  '/me',
  jwtgateAuth({ jwksUrl: process.env.JWKS_URL as string, algorithms: ['ES256'], issuer: 'jwtgate', audience: 'search-api' }),
  (c) => c.json({ audience: c.get('auth').aud === undefined ? null : 'search-api', sub: c.get('auth').sub }),
);
const withToken = await app.request('/me', { headers: { authorization: \`Bearer \${process.env.TOKEN}\` } });
const body = (await withToken.json()) as { audience: string | null };
const withoutToken = await app.request('/me');
console.log(JSON.stringify({ withToken: withToken.status, audience: body.audience, withoutToken: withoutToken.status }));
`,
  'src/browser.ts': `import { createClient, type JwtgateClient, JwtgateClientError } from '@jwtgate/client';

export function start(baseUrl: string): JwtgateClient {
  const auth = createClient({ baseUrl });
  auth.subscribe((state) => {
    document.body.dataset.auth = state.status;
  });
  return auth;
}

export function isRevoked(error: unknown): boolean {
  return error instanceof JwtgateClientError && error.code === 'ERR_TOKEN_REVOKED';
}
`,
  'src/embedded.ts': `import { createJwtgateServer, loadConfig } from '@jwtgate/server';

export async function embedded(): Promise<void> {
  const server = await createJwtgateServer({ config: loadConfig() });
  server.app.get('/api/profile', { config: { auth: true } }, async (request) => ({ userId: request.auth?.sub }));
  await server.listen();
}
`,
};
