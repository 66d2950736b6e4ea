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
  nextToken: () => string;
  connections: number;
  durationSec: number;
}): Promise<LoadSample> {
  const latenciesMs: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        pipelining: 1,
        duration: options.durationSec,
        requests: [
          {
            method: 'GET',
            // Called for every request: the header is built from the next token.
            setupRequest: (request) => ({
              ...request,
              headers: { ...request.headers, authorization: `Bearer ${options.nextToken()}` },
            }),
          },
        ],
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
