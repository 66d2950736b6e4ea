import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtgateServer } from '../../src/runtime/create-server.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const committed = new URL('../../../../docs/openapi.json', import.meta.url);

describe('GET /openapi.json', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { JWTGATE_OPEN_API_ENABLED: 'true' } });
  });
  afterAll(() => t.close());

  it('is not served unless OpenApi.Enabled is true', async () => {
    const off = await startTestServer();
    try {
      const res = await off.request({ method: 'GET', url: '/openapi.json' });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('ERR_NOT_FOUND');
    } finally {
      await off.close();
    }
  });

  it('serves the document docs/openapi.json holds, as JSON', async () => {
    const res = await t.request({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json()).toEqual(JSON.parse(readFileSync(committed, 'utf8')));
    const again = await t.request({ method: 'GET', url: '/openapi.json' });
    expect(again.body).toBe(res.body);
  });

  it("lists an embedder's own routes, and the guard on them", async () => {
    const server = await createJwtgateServer({ config: t.server.config, logger: false });
    try {
      server.app.get('/api/orders', { config: { auth: true }, schema: { summary: 'My orders' } }, async () => []);
      server.app.get('/api/status', async () => ({ ok: true }));
      server.app.route({ method: ['PUT', 'PATCH'], url: '/api/orders/:id', handler: async () => ({}) });
      const res = await server.app.inject({ method: 'GET', url: '/openapi.json' });
      const paths = res.json().paths;
      expect(paths['/api/orders'].get.summary).toBe('My orders');
      expect(paths['/api/orders'].get.security).toEqual([{ bearerAuth: [] }]);
      expect(paths['/api/orders'].get.responses['401'].headers).toHaveProperty('WWW-Authenticate');
      expect(paths['/api/status'].get.security).toBeUndefined();
      expect(paths['/api/orders/{id}'].put.operationId).toBe('putApiOrdersId');
      expect(paths['/api/orders/{id}'].patch.operationId).toBe('patchApiOrdersId');
      expect(paths['/api/orders/{id}'].put.parameters).toEqual([
        { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
      ]);
    } finally {
      await server.close();
    }
  });
});
