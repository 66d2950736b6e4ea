// The search-api of the two-service setup, on Hono (Node server): it verifies the
// tokens the jwtgate server issues and reads the user from them. See examples/README.md.
import { serve } from '@hono/node-server';
import { jwtgateAuth } from '@jwtgate/middleware/hono';
import { Hono } from 'hono';
import { readSettings } from './settings.js';

const settings = await readSettings();
const requireAuth = jwtgateAuth(settings.verifier);
const app = new Hono();

// Open to anyone.
app.get('/search/ping', (c) => c.json({ pong: true }));

// Only with a valid access token, like a go-zero route under `jwt: Auth`.
app.get('/search/do', requireAuth, (c) => {
  const claims = c.get('auth');
  return c.json({ name: c.req.query('name') ?? '', userId: claims.sub, claims });
});

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: settings.port }, (info) => {
  console.log(`search-api (hono) listening on http://127.0.0.1:${info.port}`);
});
process.once('SIGTERM', () => {
  server.close(() => void settings.close().then(() => process.exit(0)));
});
