import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** A listening server and the tokens it accepts, one per user. */
export interface RunningServer {
  readonly port: number;
  readonly tokens: readonly string[];
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
