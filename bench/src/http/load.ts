import autocannon from 'autocannon';

/** One timed run of the load generator against one server. */
export interface LoadSample {
  readonly requests: number;
  readonly seconds: number;
  /** The latency of every answer, in milliseconds. */
  readonly latenciesMs: readonly number[];
}

/**
 * Drives `url` with `connections` keep-alive connections for `durationSec`
 * seconds, each request carrying `Bearer ` and the next token of
 * `nextToken` (the unguarded cases get the same headers, so requests have
 * the same size everywhere). Fails when any
 * answer is not a 2xx or any connection errs, since a refused token would
 * otherwise be measured as a fast one.
 *
 * Latencies are collected from each response's own timing: autocannon's
 * histogram counts whole milliseconds, and a loopback answer takes a fraction
 * of one.
 *
 * @example
 * const sample = await runLoad({ url, nextToken: () => token, connections: 10, durationSec: 5 });
 */
export function runLoad(options: {
  url: string;
  /** One header for every request, or a list each connection goes through in turn (many users). */
  authorization?: string | readonly string[];
  /** Or the token of each request in turn, from one sequence shared by every connection. */
  nextToken?: () => string;
  connections: number;
  durationSec: number;
}): Promise<LoadSample> {
  const { authorization, nextToken } = options;
  if ((authorization === undefined) === (nextToken === undefined)) {
    throw new TypeError('runLoad needs either authorization or nextToken');
  }
  // A list becomes one prepared request per header, which each connection goes through in turn:
  // autocannon builds each request's bytes once, so the load generator costs no more per request.
  // A sequence is asked for each request's token as the request is built.
  const perRequest =
    nextToken !== undefined
      ? {
          requests: [
            {
              method: 'GET' as const,
              setupRequest: (request: autocannon.Request) => ({
                ...request,
                headers: { ...request.headers, authorization: `Bearer ${nextToken()}` },
              }),
            },
          ],
        }
      : typeof authorization === 'string'
        ? { headers: { authorization } }
        : { requests: (authorization ?? []).map((value) => ({ headers: { authorization: value } })) };
  const latenciesMs: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        pipelining: 1,
        duration: options.durationSec,
        ...perRequest,
      },
      (error: unknown, result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
          reject(
            new Error(
              `load on ${options.url} had ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`,
            ),
          );
          return;
        }
        if (latenciesMs.length === 0) {
          reject(new Error(`load on ${options.url} got no answer`));
          return;
        }
        resolve({
          requests: result.requests.total,
          seconds: (result.finish.getTime() - result.start.getTime()) / 1000,
          latenciesMs,
        });
      },
    );
    instance.on('response', (_client, _statusCode, _bytes, responseTimeMs) => {
      latenciesMs.push(responseTimeMs);
    });
  });
}
