import { isAuthError } from '@jwtgate/core';
import fp from 'fastify-plugin';
import type { JwtgateMetrics, StoreBackend } from '../../metrics/jwtgate-metrics.js';

/** The backend named by an `ERR_STORE_UNAVAILABLE` reason (`redis`, `redis-timeout`, `database`, `revocation-feed`...). */
function backendOf(reason: string | undefined): StoreBackend {
  return reason !== undefined && (reason.startsWith('redis') || reason === 'revocation-feed') ? 'redis' : 'database';
}

/**
 * Counts every answered request by route pattern, method and status class,
 * with its duration; and, among failures, access tokens refused and stores
 * unavailable. Registered only when metrics are on. The hooks take
 * callbacks rather than being async, so that a request costs no extra
 * promise; a series is looked up in two small maps and incremented.
 */
export const requestMetricsPlugin = fp<{ metrics: JwtgateMetrics }>(
  async (app, { metrics }) => {
    app.addHook('onResponse', (request, reply, done) => {
      metrics.httpRequest(request.routeOptions.url, request.method, reply.statusCode, reply.elapsedTime);
      done();
    });
    // Runs for errors the error handler answers, including those from hooks such as the guard.
    app.addHook('onError', (_request, _reply, error, done) => {
      if (isAuthError(error)) {
        if (error.code === 'ERR_STORE_UNAVAILABLE') metrics.storeUnavailable(backendOf(error.reason));
        else if (error.code.startsWith('ERR_TOKEN_')) metrics.accessTokenRejected(error.code);
      }
      done();
    });
  },
  { name: 'jwtgate-request-metrics' },
);
