import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyBaseLogger } from 'fastify';

/** The logger of the request being handled, wherever the code that logs was called from. */
export interface RequestLogScope {
  /** Runs `fn` (and everything it starts) as part of the request logging to `log`. */
  run(log: FastifyBaseLogger, fn: () => void): void;
  /** The logger of the request the caller is running for; `undefined` outside any request. */
  current(): FastifyBaseLogger | undefined;
}

/**
 * Carries each request's logger (which stamps its `reqId`) through the async
 * calls the request makes, so that code which knows nothing of requests, such
 * as the session manager reporting a rotation to the audit trail, still logs
 * under the request it is working for.
 *
 * @example
 * const scope = createRequestLogScope();
 * const audit = createAuditLog({ clock, log: () => scope.current() ?? app.log });
 */
export function createRequestLogScope(): RequestLogScope {
  const storage = new AsyncLocalStorage<FastifyBaseLogger>();
  return {
    run: (log, fn) => storage.run(log, fn),
    current: () => storage.getStore(),
  };
}
