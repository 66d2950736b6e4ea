// The search-api of the two-service setup, on Fastify: it verifies the tokens the
// jwtgate server issues and reads the user from them. See examples/README.md.
import { jwtgateAuth } from '@jwtgate/middleware/fastify';
import Fastify from 'fastify';
import { readSettings } from './settings.js';

const settings = await readSettings();
const app = Fastify({ logger: false });
await app.register(jwtgateAuth, settings.verifier);

const searchQuery = { type: 'object', properties: { name: { type: 'string', maxLength: 100 } } } as const;
const searchReply = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    userId: { type: 'string' },
    claims: { type: 'object', additionalProperties: true },
  },
} as const;

// Open to anyone.
app.get(
  '/search/ping',
  { schema: { response: { 200: { type: 'object', properties: { pong: { type: 'boolean' } } } } } },
  async () => ({
    pong: true,
  }),
);

// Only with a valid access token, like a go-zero route under `jwt: Auth`.
app.get<{ Querystring: { name?: string } }>(
  '/search/do',
  { config: { auth: true }, schema: { querystring: searchQuery, response: { 200: searchReply } } },
  async (request) => ({ name: request.query.name ?? '', userId: request.auth?.sub, claims: request.auth }),
);

const address = await app.listen({ host: '127.0.0.1', port: settings.port });
console.log(`search-api (fastify) listening on ${address}`);
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => settings.close())
    .then(() => process.exit(0));
});
