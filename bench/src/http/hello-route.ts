import type { RouteShorthandOptions } from 'fastify';

/** The path every server under load answers, guarded or not. */
export const HELLO_PATH = '/api/hello';
/** The unguarded twin on the jwtgate app, to tell the guard's cost from the app's. */
export const OPEN_PATH = '/api/open';

/** The body every case answers with, so all responses have the same size. */
export const HELLO_BODY = { hello: 'world' } as const;

/** The same schema on every case (the house rule: a schema on every route; it also picks the fast serialiser). */
export const helloSchema = {
  response: {
    200: {
      type: 'object',
      required: ['hello'],
      additionalProperties: false,
      properties: { hello: { type: 'string' } },
    },
  },
} as const satisfies RouteShorthandOptions['schema'];

/** The hello schema plus the refusal a hand-written check answers. */
export const refusingHelloSchema = {
  response: {
    ...helloSchema.response,
    401: {
      type: 'object',
      required: ['error'],
      properties: { error: { type: 'object', required: ['code'], properties: { code: { type: 'string' } } } },
    },
  },
} as const;

/**
 * The handler every case uses.
 *
 * @example
 * app.get(HELLO_PATH, { schema: helloSchema }, helloHandler);
 */
export async function helloHandler(): Promise<typeof HELLO_BODY> {
  return HELLO_BODY;
}
