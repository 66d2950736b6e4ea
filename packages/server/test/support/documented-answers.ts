import type { FastifyInstance, onSendHookHandler } from 'fastify';
import { type ApiReference, describeApi, type RouteReference } from '../../src/http/reference/api-reference.js';

/** What {@link watchDocumentedAnswers} saw that the API reference does not list. */
export interface UndocumentedAnswers {
  readonly problems: readonly string[];
  /** How many answers were checked. */
  readonly answers: number;
}

function routeFor(reference: ApiReference, method: string, url: string): RouteReference | undefined {
  const candidates = reference.routes.filter((route) => route.url === url);
  return (
    candidates.find((route) => route.methods.includes(method as RouteReference['methods'][number])) ??
    (method === 'HEAD' ? candidates.find((route) => route.alsoHead) : undefined)
  );
}

function codeOf(payload: unknown): string | undefined {
  if (typeof payload !== 'string') return undefined;
  try {
    // jwtgate's own shape, or the OAuth one (`error` a string, the code beside it).
    const body = JSON.parse(payload) as { error?: { code?: unknown } | string; code?: unknown };
    const code = typeof body.error === 'string' ? body.code : body.error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks every answer of `app` against its own API reference: the status
 * must be one the route documents, and an error's code one of the route's
 * codes. So every request any test makes is also a test of `docs/api.md`
 * and `docs/openapi.json`, and a handler that learns a new code fails the
 * suite until its route declares it (`schema.errors`). Call once the routes
 * are declared and before `ready()`: the check is a route-level `onSend`
 * hook added to each route's options, which Fastify reads when it gets ready.
 *
 * @example
 * const seen = watchDocumentedAnswers(server.app);
 * await server.app.ready();
 * // ...requests...
 * expect(seen.problems).toEqual([]);
 */
export function watchDocumentedAnswers(app: FastifyInstance): UndocumentedAnswers {
  const problems: string[] = [];
  let answers = 0;
  let reference: ApiReference | undefined;
  const check: onSendHookHandler = async (request, reply, payload) => {
    answers += 1;
    reference ??= describeApi(app.routeCatalog);
    const where = `${request.method} ${request.routeOptions.url}`;
    const route = routeFor(reference, request.method, request.routeOptions.url ?? '');
    const status = reply.statusCode;
    if (route === undefined) {
      problems.push(`${where} is not in the API reference`);
    } else if (status < 400) {
      if (!route.responses.some((response) => response.status === status)) {
        problems.push(`${where} answered ${status}, which its schema does not declare`);
      }
    } else {
      const code = codeOf(payload);
      if (!route.errors.some((error) => error.code === code && error.status === status)) {
        problems.push(`${where} answered ${status} ${code ?? '(no code)'}, which its reference does not list`);
      }
    }
    return payload;
  };
  for (const { options } of app.routeCatalog) {
    const existing = options.onSend;
    options.onSend = existing === undefined ? [check] : [...(Array.isArray(existing) ? existing : [existing]), check];
  }
  return {
    problems,
    get answers() {
      return answers;
    },
  };
}
