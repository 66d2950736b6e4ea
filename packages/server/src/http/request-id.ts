import { randomUUID } from 'node:crypto';

/** The header a request id comes in and goes back out in. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * What an incoming id may look like to be kept: up to 64 letters, digits and
 * `-_.:@`, enough for UUIDs, ULIDs and the ids proxies and tracers make. No
 * spaces, quotes or control characters, so an id a client chose cannot forge
 * or break a log line, and a short one cannot bloat every line of the request.
 */
const WELL_FORMED = /^[A-Za-z0-9._:@-]{1,64}$/;

/**
 * The id of a request: the caller's `X-Request-Id` when it is well formed
 * (a proxy or a client correlating its own logs with ours), else a fresh
 * random UUID. A header sent twice is not guessed between: a new id is made.
 *
 * @example
 * requestIdFor('3f2b9c1e-0c4d-4e9a-9a57-3b1d2f6c8e10'); // kept
 * requestIdFor('a b\n{"level":60}'); // replaced by a random UUID
 */
export function requestIdFor(header: string | readonly string[] | undefined): string {
  return typeof header === 'string' && WELL_FORMED.test(header) ? header : randomUUID();
}
