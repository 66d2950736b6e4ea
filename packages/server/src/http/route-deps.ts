import type { Clock, LoginThrottle, PasswordHasher, SessionManager, UserStore } from '@jwtgate/core';
import type { FastifyRequest } from 'fastify';

/** What the route plugins need; assembled by `buildApp`. */
export interface RouteDeps {
  readonly sessions: SessionManager;
  readonly users: UserStore;
  readonly hasher: PasswordHasher;
  readonly clock: Clock;
  readonly throttle: LoginThrottle;
}

const USER_AGENT_MAX = 512;

/** Where a request comes from, as recorded on sessions. */
export function clientInfo(request: FastifyRequest): { ip: string | null; userAgent: string | null } {
  const agent = request.headers['user-agent'];
  return {
    ip: request.ip || null,
    userAgent: typeof agent === 'string' && agent.length > 0 ? agent.slice(0, USER_AGENT_MAX) : null,
  };
}
