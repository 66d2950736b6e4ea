import type { FastifyRequest, FastifyServerOptions } from 'fastify';

/**
 * A request URL as it may be logged: the path, and `?[redacted]` for any
 * query string. jwtgate reads no credential from the query, but RFC 6750
 * §2.3 lets clients send `?access_token=…`, and some do; the query is also
 * where an administrator's lookups put usernames.
 *
 * @example
 * urlForLog('/auth/me?access_token=eyJ…'); // '/auth/me?[redacted]'
 */
export function urlForLog(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : `${url.slice(0, query)}?[redacted]`;
}

/** Fastify's own request log entry, with the URL from {@link urlForLog}. */
function requestForLog(request: FastifyRequest) {
  return {
    method: request.method,
    url: urlForLog(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/**
 * Logger options with jwtgate's request serializer in place of Fastify's,
 * whatever else the caller chose, so that no logger configuration writes a
 * query string into the logs.
 *
 * @example
 * Fastify({ logger: withSafeRequestLog({ level: 'info' }) });
 */
export function withSafeRequestLog(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === undefined || logger === false) return logger;
  const options = logger === true ? {} : logger;
  return { ...options, serializers: { ...options.serializers, req: requestForLog } };
}
