import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROMETHEUS_CONTENT_TYPE } from './registry.js';

/** A running metrics listener. */
export interface MetricsListener {
  /** `http://host:port`, the port being the one actually bound. */
  readonly url: string;
  /** Stops listening and drops open scrape connections. */
  close(): Promise<void>;
}

/** Options of {@link startMetricsListener}. */
export interface MetricsListenerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** The exposition text, rendered for each scrape. */
  readonly render: () => string;
  /** A scrape that failed to render (answered 500). */
  readonly onError?: (error: unknown) => void;
}

function answer(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  response.end(body);
}

/**
 * Serves `GET /metrics` on an address and port of its own, apart from the
 * API: whatever exposes the API to the internet (a published port, a load
 * balancer, an ingress) does not reach this one unless it is routed there on
 * purpose, and by default it listens on loopback only. Nothing else is served
 * here; the API's routes, cookies and CORS are not involved at all.
 *
 * @example
 * const listener = await startMetricsListener({ host: '127.0.0.1', port: 9888, render: () => registry.render() });
 * // curl http://127.0.0.1:9888/metrics
 */
export async function startMetricsListener(options: MetricsListenerOptions): Promise<MetricsListener> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      answer(response, 404, 'Not found: metrics are at /metrics\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      answer(response, 405, 'Method not allowed\n', { allow: 'GET, HEAD' });
      return;
    }
    let text: string;
    try {
      text = options.render();
    } catch (error) {
      options.onError?.(error);
      answer(response, 500, 'Metrics could not be rendered\n');
      return;
    }
    answer(response, 200, request.method === 'HEAD' ? '' : text, { 'content-type': PROMETHEUS_CONTENT_TYPE });
  });
  await new Promise<void>((resolve, reject) => {
    const refused = (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `Metrics.Host, Metrics.Port: the metrics listener cannot listen on ${options.host}:${options.port} (${error.code ?? error.message}); choose another port or address, or set Metrics.Enabled: false`,
          { cause: error },
        ),
      );
    server.once('error', refused);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', refused);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
