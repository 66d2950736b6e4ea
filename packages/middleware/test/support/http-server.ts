import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP server on a free loopback port that records every request it gets. */
export interface RecordingServer {
  readonly url: string;
  /** Paths requested so far, in order. */
  readonly hits: string[];
  /** Replaces how requests are answered. */
  respond(handler: (request: IncomingMessage, response: ServerResponse) => void): void;
  close(): Promise<void>;
}

/**
 * Starts a server that answers with `handler` (by default 404) and records
 * each request's path: a JWKS endpoint to count fetches, or the attacker's
 * host behind a `jku`/`x5u` header to prove it is never contacted.
 *
 * @example
 * const server = await startRecordingServer((req, res) => res.end('{}'));
 * expect(server.hits).toEqual([]);
 */
export async function startRecordingServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void = (_, response) => {
    response.statusCode = 404;
    response.end();
  },
): Promise<RecordingServer> {
  let current = handler;
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(request.url ?? '');
    current(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    respond(next) {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A handler that serves `body` as JSON. */
export function json(body: unknown, status = 200): (request: IncomingMessage, response: ServerResponse) => void {
  return (_, response) => {
    response.statusCode = status;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(body));
  };
}
