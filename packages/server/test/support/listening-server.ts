import { type Exposition, parseExposition } from './prometheus-text.js';
import { startTestServer, type TestServer } from './test-server.js';

/** An answer over a real socket. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are asserted field by field.
  readonly body: any;
}

/** A test server listening on real ports: the API and, when enabled, the metrics listener. */
export interface ListeningServer {
  readonly t: TestServer;
  /** `http://127.0.0.1:<port>` of the API. */
  readonly url: string;
  /** One request to the API over HTTP. */
  send(
    method: 'GET' | 'POST' | 'DELETE' | 'PATCH' | 'HEAD',
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<HttpAnswer>;
  /** Registers `username` and logs in over HTTP; returns the account and its tokens. */
  signUp(username?: string): ReturnType<TestServer['signUp']>;
  /** Scrapes `/metrics` on the metrics listener and checks the text against the format. */
  scrape(): Promise<Exposition>;
  /** The raw text of a scrape. */
  scrapeText(): Promise<string>;
  close(): Promise<void>;
}

export const PASSWORD = 'correct horse battery staple';
let counter = 0;

/**
 * {@link startTestServer} (a fresh SQLite file, a manual clock), then
 * `listen()` on free ports, with metrics on unless `metrics: false`.
 *
 * @example
 * const s = await startListeningServer();
 * await s.send('GET', '/auth/me', { token });
 * (await s.scrape()).value('jwtgate_logins_total', { outcome: 'success' });
 */
export async function startListeningServer(
  options: NonNullable<Parameters<typeof startTestServer>[0]> & { metrics?: boolean } = {},
): Promise<ListeningServer> {
  const { metrics, env, ...rest } = options;
  const metricsEnv: Record<string, string> =
    metrics === false ? {} : { JWTGATE_METRICS_ENABLED: 'true', JWTGATE_METRICS_PORT: '0' };
  const t = await startTestServer({ ...rest, env: { JWTGATE_PORT: '0', ...metricsEnv, ...env } });
  const url = await t.server.listen();

  const send: ListeningServer['send'] = async (method, path, { token, body, headers } = {}) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text === '' ? null : JSON.parse(text) };
  };

  const scrapeText = async () => {
    const metricsUrl = t.server.metricsUrl;
    if (metricsUrl === undefined) throw new Error('metrics are not enabled on this server');
    const res = await fetch(`${metricsUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
    if (res.status !== 200) throw new Error(`scrape answered ${res.status}`);
    return res.text();
  };

  return {
    t,
    url,
    send,
    async signUp(name) {
      counter += 1;
      const username = name ?? `ops${counter}-${Math.random().toString(36).slice(2, 8)}`;
      const registered = await send('POST', '/auth/register', { body: { username, password: PASSWORD } });
      if (registered.status !== 201) throw new Error(`register failed: ${registered.status}`);
      const login = await send('POST', '/auth/login', { body: { username, password: PASSWORD } });
      if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
      return { username, password: PASSWORD, userId: registered.body.id, ...login.body };
    },
    scrape: async () => parseExposition(await scrapeText()),
    scrapeText,
    close: () => t.close(),
  };
}
