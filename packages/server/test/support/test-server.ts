import { join } from 'node:path';
import { type Clock, createManualClock } from '@jwtgate/core';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config/load-config.js';
import { type CreateServerOptions, createJwtgateServer, type JwtgateServer } from '../../src/runtime/create-server.js';
import { type UndocumentedAnswers, watchDocumentedAnswers } from './documented-answers.js';
import { makeTempDir } from './temp-dir.js';

/** The password `signUp` gives an account unless told otherwise. */
export const SIGN_UP_PASSWORD = 'correct horse battery staple';

export const TEST_ACCESS_SECRET = 'test-access-secret-0123456789abcdefghijklmnop';
export const TEST_REFRESH_SECRET = 'test-refresh-secret-0123456789abcdefghijklmno';

export interface TestServer {
  readonly server: JwtgateServer;
  readonly clock: ReturnType<typeof createManualClock>;
  readonly dataDir: string;
  /** Every answer is checked against the API reference; `close()` fails when one was not in it. */
  readonly answers: UndocumentedAnswers;
  request(options: {
    method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
    url: string;
    token?: string;
    body?: unknown;
    headers?: Record<string, string>;
  }): Promise<LightMyRequestResponse>;
  /** Registers and logs in a fresh user; returns the user, password and tokens. */
  signUp(options?: { username?: string; password?: string; device?: string }): Promise<{
    username: string;
    password: string;
    userId: string;
    accessToken: string;
    refreshToken: string;
  }>;
  login(username: string, password: string, device?: string): Promise<{ accessToken: string; refreshToken: string }>;
  close(): Promise<void>;
}

let counter = 0;

/**
 * A real server on a fresh SQLite file, driven through `inject()`, with a
 * manual clock so that expiry and grace windows are tested without sleeping.
 * `env` takes the same JWTGATE_* variables as production.
 */
export async function startTestServer(
  options: {
    env?: Record<string, string>;
    dataDir?: string;
    clock?: Clock;
    customClaims?: CreateServerOptions['customClaims'];
    passwordHasher?: CreateServerOptions['passwordHasher'];
    /** Fastify logger options; no logging by default. */
    logger?: CreateServerOptions['logger'];
    /** The server's own logger (`Log.Level`, redaction) writing here; set `JWTGATE_LOG_LEVEL` in `env`. */
    logStream?: CreateServerOptions['logStream'];
  } = {},
): Promise<TestServer> {
  const temp = options.dataDir === undefined ? makeTempDir() : undefined;
  const dataDir = options.dataDir ?? (temp?.path as string);
  const config = loadConfig({
    env: {
      JWTGATE_AUTH_ACCESS_SECRET: TEST_ACCESS_SECRET,
      JWTGATE_AUTH_REFRESH_SECRET: TEST_REFRESH_SECRET,
      JWTGATE_DATA_DIR: dataDir,
      JWTGATE_LOG_LEVEL: 'silent',
      ...options.env,
    },
    cwd: dataDir,
  });
  const clock = createManualClock(Date.now());
  const server = await createJwtgateServer({
    config,
    devModeBanner: false,
    clock: options.clock ?? clock,
    ...(options.logStream === undefined ? { logger: options.logger ?? false } : { logStream: options.logStream }),
    ...(options.customClaims ? { customClaims: options.customClaims } : {}),
    ...(options.passwordHasher ? { passwordHasher: options.passwordHasher } : {}),
  });
  const answers = watchDocumentedAnswers(server.app);
  await server.app.ready();

  const request: TestServer['request'] = ({ method, url, token, body, headers }) =>
    server.app.inject({
      method,
      url,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  const login: TestServer['login'] = async (username, password, device) => {
    const res = await request({
      method: 'POST',
      url: '/auth/login',
      body: { username, password, ...(device === undefined ? {} : { device }) },
    });
    if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
    return res.json();
  };

  return {
    server,
    clock,
    dataDir,
    answers,
    request,
    login,
    async signUp(opts = {}) {
      counter += 1;
      const username = opts.username ?? `user${counter}-${Math.random().toString(36).slice(2, 8)}`;
      const password = opts.password ?? SIGN_UP_PASSWORD;
      const res = await request({ method: 'POST', url: '/auth/register', body: { username, password } });
      if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
      const tokens = await login(username, password, opts.device);
      return { username, password, userId: res.json().id, ...tokens };
    },
    async close() {
      await server.close();
      temp?.remove();
      if (answers.problems.length > 0) {
        throw new Error(`answers the API reference does not document:\n${[...new Set(answers.problems)].join('\n')}`);
      }
    },
  };
}

/** Decodes a JWT's header and payload without verifying it (for assertions). */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header ?? '', 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()),
  };
}

/**
 * Loads the configuration the way the server does, from `env` plus the test
 * secrets, in a throw-away folder; for tests of what start-up accepts or refuses.
 *
 * @example
 * expect(() => loadTestConfig({ JWTGATE_COOKIE_SECURE: 'false', NODE_ENV: 'production' })).toThrow(/Cookie.Secure/);
 */
export function loadTestConfig(env: Record<string, string>): ReturnType<typeof loadConfig> {
  const dir = makeTempDir();
  try {
    return loadConfig({
      env: { JWTGATE_AUTH_ACCESS_SECRET: TEST_ACCESS_SECRET, JWTGATE_AUTH_REFRESH_SECRET: TEST_REFRESH_SECRET, ...env },
      cwd: dir.path,
    });
  } finally {
    dir.remove();
  }
}

export function databasePath(dataDir: string): string {
  return join(dataDir, 'jwtgate.db');
}
