import { AuthError } from '@jwtgate/core';
import type { FastifyInstance } from 'fastify';

/** The media type of an HTML form post, which OAuth endpoints take. */
export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/**
 * A form body as an object of strings. A parameter sent twice is refused
 * (RFC 6749 §3.1), so that a proxy and jwtgate can never read different
 * values out of one request.
 */
function parseForm(body: string): Record<string, string> {
  const fields: Record<string, string> = Object.create(null);
  for (const [name, value] of new URLSearchParams(body)) {
    if (Object.hasOwn(fields, name)) {
      throw new AuthError('ERR_VALIDATION', { message: 'A parameter was sent more than once' });
    }
    fields[name] = value;
  }
  return { ...fields };
}

/**
 * Lets the routes of `app`'s context (and only them: call it inside a
 * plugin) take form bodies, read by {@link parseForm}. No other route of
 * the server takes a form, which a page on any site could post without a
 * preflight.
 *
 * @example
 * acceptFormBodies(app);
 */
export function acceptFormBodies(app: FastifyInstance): void {
  app.addContentTypeParser(FORM_MEDIA_TYPE, { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseForm(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
