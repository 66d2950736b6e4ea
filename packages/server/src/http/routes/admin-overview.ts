import { ADMIN_ROLE, AUDIT_PAGE_MAX, type AuditStore, USER_LIST_MAX_LIMIT, type UserStore } from '@jwtgate/core';
import type { FastifyPluginAsync } from 'fastify';
import { adminErrors, adminOnly, createRequireAdmin } from '../admin-access.js';
import type { RouteDeps } from '../route-deps.js';
import { errorResponses } from '../schemas.js';

/** What the overview reads besides the admin check; without an audit store it has no 24-hour figures. */
export interface AdminOverviewDeps extends RouteDeps {
  readonly audit?: AuditStore | undefined;
}

/** The most users the overview counts; past it, the count says "at least". */
export const OVERVIEW_USERS_MAX = 5000;
/** The most audit records one figure of the overview reads. */
export const OVERVIEW_RECORDS_MAX = 10_000;

const HOUR_MS = 3_600_000;
const DAY_HOURS = 24;

/** Events that are a request refused for asking too often. */
const RATE_LIMITED_EVENTS = ['login.rate-limited', 'mfa.rate-limited', 'session.refresh-rate-exceeded'];

const count = {
  type: 'object',
  required: ['count', 'capped'],
  properties: {
    count: { type: 'integer' },
    capped: { type: 'boolean', description: 'Counting stopped at its limit: there are at least `count`.' },
  },
} as const;

const overviewSchema = {
  title: 'AdminOverview',
  type: 'object',
  required: ['at', 'users', 'admins', 'disabledUsers', 'activeSessions', 'last24h'],
  properties: {
    at: { type: 'string', format: 'date-time' },
    users: count,
    admins: count,
    disabledUsers: count,
    activeSessions: {
      ...count,
      description:
        'Active sessions of all users, counted by the session store (one count query in SQL; a scan of the user indexes in Redis). Never `capped`.',
    },
    last24h: {
      type: ['object', 'null'],
      description: 'From the audit trail in the database; `null` when the trail is not kept there (`Audit.Database`).',
      required: ['logins', 'loginFailures', 'reuseDetections', 'rateLimited', 'hourly'],
      properties: {
        logins: count,
        loginFailures: count,
        reuseDetections: count,
        rateLimited: { ...count, description: `Requests refused for their rate: ${RATE_LIMITED_EVENTS.join(', ')}.` },
        hourly: {
          type: 'array',
          description:
            'Logins and failed logins per hour, oldest hour first (24 entries, the last one the current hour).',
          items: {
            type: 'object',
            required: ['hour', 'logins', 'failures'],
            properties: {
              hour: { type: 'string', format: 'date-time' },
              logins: { type: 'integer' },
              failures: { type: 'integer' },
            },
          },
        },
      },
    },
  },
} as const;

interface Count {
  count: number;
  capped: boolean;
}

/** Users in total, administrators and disabled ones. */
async function countUsers(users: UserStore) {
  const total: Count = { count: 0, capped: false };
  const admins: Count = { count: 0, capped: false };
  const disabled: Count = { count: 0, capped: false };
  let afterKey: string | undefined;
  for (;;) {
    const page = await users.list({ limit: USER_LIST_MAX_LIMIT, ...(afterKey === undefined ? {} : { afterKey }) });
    for (const user of page.users) {
      total.count += 1;
      if (user.role === ADMIN_ROLE) admins.count += 1;
      if (user.disabled) disabled.count += 1;
      afterKey = user.usernameKey;
    }
    if (!page.more) break;
    if (total.count >= OVERVIEW_USERS_MAX) {
      for (const counted of [total, admins, disabled]) counted.capped = true;
      break;
    }
  }
  return { total, admins, disabled };
}

/** Reads the records of `events` since `since`, handing each to `visit`, up to {@link OVERVIEW_RECORDS_MAX}. */
async function eachRecord(
  audit: AuditStore,
  events: readonly string[],
  since: number,
  visit: (event: string, at: number) => void,
): Promise<boolean> {
  let cursor: string | undefined;
  let read = 0;
  do {
    const page = await audit.query({
      events,
      since,
      limit: AUDIT_PAGE_MAX,
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const record of page.records) visit(record.event, record.at);
    read += page.records.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && read < OVERVIEW_RECORDS_MAX);
  return cursor !== undefined;
}

async function lastDay(audit: AuditStore, now: number) {
  const firstHour = Math.floor(now / HOUR_MS) * HOUR_MS - (DAY_HOURS - 1) * HOUR_MS;
  const since = now - DAY_HOURS * HOUR_MS;
  const hourly = Array.from({ length: DAY_HOURS }, (_, index) => ({
    hour: new Date(firstHour + index * HOUR_MS).toISOString(),
    logins: 0,
    failures: 0,
  }));
  const logins: Count = { count: 0, capped: false };
  const loginFailures: Count = { count: 0, capped: false };
  const capped = await eachRecord(audit, ['login.succeeded', 'login.failed'], since, (event, at) => {
    const bucket = hourly[Math.floor((at - firstHour) / HOUR_MS)];
    const succeeded = event === 'login.succeeded';
    (succeeded ? logins : loginFailures).count += 1;
    if (bucket !== undefined) bucket[succeeded ? 'logins' : 'failures'] += 1;
  });
  logins.capped = capped;
  loginFailures.capped = capped;
  const counted = async (events: readonly string[]): Promise<Count> => {
    let total = 0;
    const more = await eachRecord(audit, events, since, () => {
      total += 1;
    });
    return { count: total, capped: more };
  };
  const [reuseDetections, rateLimited] = await Promise.all([
    counted(['session.reuse-detected']),
    counted(RATE_LIMITED_EVENTS),
  ]);
  return { logins, loginFailures, reuseDetections, rateLimited, hourly };
}

/**
 * `GET /admin/overview`: the figures of the admin console's first page,
 * counted from the stores when asked (no counters kept aside that could
 * drift): users, administrators and disabled users, active sessions (all of them, counted by the session store), and
 * from the audit trail the last 24 hours' logins, failed logins, reuse
 * detections and rate-limited requests, with logins per hour. Each count read
 * here stops at a limit and then says so (`capped`), so the page costs a
 * bounded amount however large the server grows.
 */
export const adminOverviewRoutes: FastifyPluginAsync<AdminOverviewDeps> = async (app, deps) => {
  app.addHook('onRequest', app.requireAuth);
  app.addHook('onRequest', createRequireAdmin(deps));

  app.get(
    '/admin/overview',
    {
      schema: {
        ...adminOnly,
        summary: 'Counts of users, sessions and the last 24 hours of sign-in activity',
        description: `Counted on each request; a count that reached its limit (${OVERVIEW_USERS_MAX} users, ${OVERVIEW_RECORDS_MAX} audit records per figure) says \`capped\`.`,
        errors: adminErrors,
        response: { 200: overviewSchema, ...errorResponses },
      },
    },
    async () => {
      const now = deps.clock.now();
      const [users, active, last24h] = await Promise.all([
        countUsers(deps.users),
        deps.sessions.countActive(),
        deps.audit === undefined ? null : lastDay(deps.audit, now),
      ]);
      return {
        at: new Date(now).toISOString(),
        users: users.total,
        admins: users.admins,
        disabledUsers: users.disabled,
        activeSessions: { count: active, capped: false },
        last24h,
      };
    },
  );
};
