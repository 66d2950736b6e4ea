import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { jwtgateAuth as expressAuth } from '../../src/express/index.js';
import { jwtgateAuth as fastifyAuth } from '../../src/fastify/index.js';
import { jwtgateAuth as honoAuth } from '../../src/hono/index.js';
import type { Verifier } from '../../src/index.js';

/** What a test sees of one answer, whichever framework gave it. */
export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
  json(): { error?: { code: string; message: string }; claims?: Record<string, unknown> };
}

/** A service with a public route (`/ping`) and a protected one (`/claims`, GET and POST) that echoes the claims. */
export interface Service {
  request(path: string, headers?: Record<string, string>, method?: 'GET' | 'POST'): Promise<Answer>;
  close(): Promise<void>;
}

export interface Framework {
  readonly name: 'fastify' | 'express' | 'hono';
  start(verifier: Verifier): Promise<Service>;
}

function answer(status: number, headers: Record<string, string | undefined>, body: string): Answer {
  return { status, headers, body, json: () => JSON.parse(body) };
}

async function fetchAnswer(url: string, headers: Record<string, string>, method: string): Promise<Answer> {
  const res = await fetch(url, { method, headers, signal: AbortSignal.timeout(10_000) });
  return answer(res.status, Object.fromEntries(res.headers), await res.text());
}

/** The same small service on each framework, each through its own integration. */
export const frameworks: readonly Framework[] = [
  {
    name: 'fastify',
    async start(verifier) {
      const app = Fastify({ logger: false });
      await app.register(fastifyAuth, { verifier });
      app.get('/ping', async () => ({ ok: true }));
      app.get('/claims', { config: { auth: true } }, async (request) => ({ claims: request.auth }));
      app.post('/claims', { config: { auth: true } }, async (request) => ({ claims: request.auth }));
      await app.ready();
      return {
        async request(path, headers = {}, method = 'GET') {
          const res = await app.inject({ method, url: path, headers });
          return answer(res.statusCode, res.headers as Record<string, string>, res.body);
        },
        close: () => app.close(),
      };
    },
  },
  {
    name: 'express',
    async start(verifier) {
      const app = express();
      const requireAuth = expressAuth({ verifier });
      app.get('/ping', (_req, res) => {
        res.json({ ok: true });
      });
      app.get('/claims', requireAuth, (req, res) => {
        res.json({ claims: req.auth });
      });
      app.post('/claims', requireAuth, (req, res) => {
        res.json({ claims: req.auth });
      });
      const server = await new Promise<import('node:http').Server>((resolve) => {
        const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
      });
      const { port } = server.address() as AddressInfo;
      return {
        request: (path, headers = {}, method = 'GET') =>
          fetchAnswer(`http://127.0.0.1:${port}${path}`, headers, method),
        close: () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      };
    },
  },
  {
    name: 'hono',
    async start(verifier) {
      const app = new Hono();
      const requireAuth = honoAuth({ verifier });
      app.get('/ping', (c) => c.json({ ok: true }));
      app.get('/claims', requireAuth, (c) => c.json({ claims: c.get('auth') }));
      app.post('/claims', requireAuth, (c) => c.json({ claims: c.get('auth') }));
      return {
        async request(path, headers = {}, method = 'GET') {
          const res = await app.request(path, { method, headers });
          return answer(res.status, Object.fromEntries(res.headers), await res.text());
        },
        close: async () => {},
      };
    },
  },
];
