import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyBaseLogger } from 'fastify';

/** What the audit trail knows of the request being served. */
export interface AuditRequestContext {
  /** Fastify's `request.id`, the `reqId` of the request's log lines. */
  readonly requestId: string;
  /** The request's logger, which stamps its `reqId`: audit lines written during the request go through it. */
  readonly log: FastifyBaseLogger;
  /**
   * Where the request came from; read when a record is made, so that the
   * many requests that record nothing never work out the client address.
   */
  client(): { readonly ip: string | null; readonly userAgent: string | null };
  /** The caller's session, once the guard has verified an access token; read when a record is made. */
  sessionId(): string | undefined;
}

const storage = new AsyncLocalStorage<AuditRequestContext>();

/**
 * Runs `fn`, and everything it starts, as part of a request, so that every
 * audit record made meanwhile carries the request's id and client, including
 * the records of session events raised deep inside `@jwtgate/core` (a reuse
 * detection, a revocation), which knows nothing of HTTP.
 *
 * @example
 * app.addHook('onRequest', (request, _reply, done) => runInAuditContext(contextOf(request), done));
 */
export function runInAuditContext<T>(context: AuditRequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/**
 * The request the current code runs for, or `undefined` outside any request
 * (housekeeping, start-up, an embedding application's own calls).
 *
 * @example
 * const requestId = currentAuditContext()?.requestId;
 */
export function currentAuditContext(): AuditRequestContext | undefined {
  return storage.getStore();
}
