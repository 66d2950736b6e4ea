import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** A listening server and a token it accepts. */
export interface RunningServer {
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/**
 * Starts a Fastify app on 127.0.0.1 and a free port.
 *
 * @example
 * const port = await listenOnLoopback(app);
 */
export async function listenOnLoopback(app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}
