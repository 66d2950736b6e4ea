import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { makeTempDir } from '../support/temp-dir.js';
import { startTestServer, TEST_ACCESS_SECRET, TEST_REFRESH_SECRET, type TestServer } from '../support/test-server.js';

describe('protecting your own routes, as the README shows', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('guards one route declared with config.auth and hands it the typed claims', async () => {
    // The app is already ready in the harness, so build a fresh one the way an embedder would.
    const { createJwtgateServer } = await import('../../src/runtime/create-server.js');
    const server = await createJwtgateServer({
      config: t.server.config,
      logger: false,
      devModeBanner: false,
      customClaims: () => ({ plan: 'free' }),
    });
    try {
      server.app.get('/api/profile', { config: { auth: true } }, async (request) => ({
        userId: request.auth?.sub,
        plan: request.auth?.plan,
      }));
      server.app.register(async (group) => {
        group.addHook('onRequest', group.requireAuth);
        group.get('/api/orders', async (request) => ({ owner: request.auth?.sub }));
      });
      server.app.get('/api/public', async (request) => ({ auth: request.auth }));
      // Sign up and log in through the embedder's own app, so its claim hook shapes the token.
      const credentials = { username: 'embedder-user', password: 'correct horse battery' };
      const registered = await server.app.inject({ method: 'POST', url: '/auth/register', payload: credentials });
      expect(registered.statusCode).toBe(201);
      const userId: string = registered.json().id;
      const login = await server.app.inject({ method: 'POST', url: '/auth/login', payload: credentials });
      const accessToken: string = login.json().accessToken;
      const authorization = `Bearer ${accessToken}`;
      const profile = await server.app.inject({ method: 'GET', url: '/api/profile', headers: { authorization } });
      expect(profile.json()).toEqual({ userId, plan: 'free' });
      const orders = await server.app.inject({ method: 'GET', url: '/api/orders', headers: { authorization } });
      expect(orders.json()).toEqual({ owner: userId });
      for (const url of ['/api/profile', '/api/orders']) {
        const anonymous = await server.app.inject({ method: 'GET', url });
        expect(anonymous.statusCode).toBe(401);
        expect(anonymous.json().error.code).toBe('ERR_TOKEN_MISSING');
      }
      const open = await server.app.inject({ method: 'GET', url: '/api/public', headers: { authorization } });
      expect(open.json()).toEqual({ auth: null });
    } finally {
      await server.close();
    }
  });
});

describe('a server made from code', () => {
  async function bannerOf(env: Record<string, string>): Promise<string> {
    const dir = makeTempDir();
    const { createJwtgateServer } = await import('../../src/runtime/create-server.js');
    const printed: string[] = [];
    try {
      const config = loadConfig({ env: { JWTGATE_DATA_DIR: dir.path, ...env }, cwd: dir.path });
      const server = await createJwtgateServer({
        config,
        logger: false,
        devModeBanner: { write: (text) => printed.push(text) },
      });
      await server.close();
      return printed.join('');
    } finally {
      dir.remove();
    }
  }

  it('prints the development-mode banner docs/configuration.md promises, naming the generated secrets', async () => {
    const banner = await bannerOf({});
    expect(banner).toContain('jwtgate is running in DEVELOPMENT MODE.');
    expect(banner).toMatch(/secrets generated in .*dev-secrets\.json/);
    expect(banner).toContain('set NODE_ENV=production with explicit secrets');
  });

  it('prints no banner in production', async () => {
    const banner = await bannerOf({
      NODE_ENV: 'production',
      JWTGATE_AUTH_ACCESS_SECRET: TEST_ACCESS_SECRET,
      JWTGATE_AUTH_REFRESH_SECRET: TEST_REFRESH_SECRET,
    });
    expect(banner).toBe('');
  });
});
