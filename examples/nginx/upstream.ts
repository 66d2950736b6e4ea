import { createServer, type IncomingMessage, type Server } from 'node:http';
import { pathToFileURL } from 'node:url';

/** What the service answers: who NGINX says the caller is, and whether a token reached it. */
export interface UpstreamAnswer {
  readonly path: string;
  readonly userId: string | null;
  readonly sessionId: string | null;
  readonly role: string | null;
  readonly sawAuthorization: boolean;
}

function header(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

/**
 * A service behind NGINX that verifies nothing itself: it believes the
 * identity headers NGINX sets from jwtgate's answer, which is safe only
 * because NGINX is the one way in (it listens on loopback).
 *
 * @example
 * const server = createUpstream();
 * server.listen(8890, '127.0.0.1');
 */
export function createUpstream(): Server {
  return createServer((request, response) => {
    const answer: UpstreamAnswer = {
      path: request.url ?? '/',
      userId: header(request, 'x-auth-user-id'),
      sessionId: header(request, 'x-auth-session-id'),
      role: header(request, 'x-auth-role'),
      sawAuthorization: request.headers.authorization !== undefined,
    };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? 8890);
  const server = createUpstream();
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    const bound = typeof address === 'object' && address !== null ? address.port : port;
    console.log(`upstream listening on http://127.0.0.1:${bound}`);
  });
  process.once('SIGTERM', () => server.close());
}
