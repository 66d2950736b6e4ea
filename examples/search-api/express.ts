// The search-api of the two-service setup, on Express: it verifies the tokens the
// jwtgate server issues and reads the user from them. See examples/README.md.
import type { AddressInfo } from 'node:net';
import { jwtgateAuth } from '@jwtgate/middleware/express';
import express from 'express';
import { readSettings } from './settings.js';

const settings = await readSettings();
const requireAuth = jwtgateAuth(settings.verifier);
const app = express();

// Open to anyone.
app.get('/search/ping', (_req, res) => {
  res.json({ pong: true });
});

// Only with a valid access token, like a go-zero route under `jwt: Auth`.
app.get('/search/do', requireAuth, (req, res) => {
  res.json({ name: String(req.query.name ?? ''), userId: req.auth?.sub, claims: req.auth });
});

const server = app.listen(settings.port, '127.0.0.1', () => {
  console.log(`search-api (express) listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.once('SIGTERM', () => {
  server.close(() => void settings.close().then(() => process.exit(0)));
});
