import {
  AUDIT_OUTCOMES,
  AUDIT_PAGE_MAX,
  type AuditOutcome,
  type AuditStore,
  AuthError,
  type StoredAuditRecord,
} from '@jwtgate/core';
import type { FastifyPluginAsync } from 'fastify';
import { adminErrors, adminOnly, createRequireAdmin } from '../admin-access.js';
import type { RouteDeps } from '../route-deps.js';
import { errorResponses } from '../schemas.js';

/** What the audit route needs besides the admin check. */
export interface AdminAuditDeps extends RouteDeps {
  readonly audit: AuditStore;
}

interface AuditQuerystring {
  userId?: string;
  sessionId?: string;
  event?: string[];
  outcome?: AuditOutcome;
  ip?: string;
  since?: string;
  until?: string;
  limit: number;
  cursor?: string;
}

const DEFAULT_LIMIT = 50;
const nullableString = { type: ['string', 'null'] } as const;

const auditRecordSchema = {
  title: 'AuditRecord',
  type: 'object',
  required: [
    'id',
    'at',
    'event',
    'outcome',
    'userId',
    'sessionId',
    'actorId',
    'ip',
    'userAgent',
    'requestId',
    'details',
  ],
  properties: {
    id: { type: 'string', description: 'The same id as the record in the log and the audit file.' },
    at: { type: 'string', format: 'date-time' },
    event: { type: 'string', description: 'The event name, e.g. `login.failed` (docs/operations.md lists them).' },
    outcome: { type: 'string', enum: AUDIT_OUTCOMES },
    userId: nullableString,
    sessionId: { ...nullableString, description: "The session concerned, or else the caller's session." },
    actorId: { ...nullableString, description: 'The administrator who acted, when not the user.' },
    ip: nullableString,
    userAgent: nullableString,
    requestId: { ...nullableString, description: 'The `reqId` of the request in the log.' },
    details: {
      type: 'object',
      additionalProperties: true,
      description: "The event's other fields (reason, generation, changes...), as in the log.",
    },
  },
} as const;

const isoTime = {
  type: 'string',
  pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d(:\\d\\d(\\.\\d{1,9})?)?(Z|[+-]\\d\\d:\\d\\d)$',
} as const;

const querystring = {
  type: 'object',
  additionalProperties: false,
  properties: {
    userId: { type: 'string', minLength: 1, maxLength: 64 },
    sessionId: { type: 'string', minLength: 1, maxLength: 64 },
    event: {
      type: 'array',
      maxItems: 20,
      items: { type: 'string', pattern: '^[a-z]+(\\.[a-z-]+)+$', maxLength: 64 },
      description: 'Any of these event names; repeat the parameter for several.',
    },
    outcome: { type: 'string', enum: AUDIT_OUTCOMES },
    ip: { type: 'string', minLength: 1, maxLength: 64 },
    since: { ...isoTime, description: 'At or after this time (RFC 3339, e.g. `2026-11-24T08:00:00Z`).' },
    until: { ...isoTime, description: 'Before this time (RFC 3339).' },
    limit: { type: 'integer', minimum: 1, maximum: AUDIT_PAGE_MAX, default: DEFAULT_LIMIT },
    cursor: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description: '`nextCursor` of the previous page, with the same filters.',
    },
  },
} as const;

function toView(record: StoredAuditRecord) {
  return { ...record, at: new Date(record.at).toISOString() };
}

/**
 * A time the schema has shaped as RFC 3339; one that names no real day
 * (month 13, February 31, which `Date.parse` would roll into March) is
 * refused too.
 */
function millis(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const at = Date.parse(value);
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (Number.isNaN(at) || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) {
    throw new AuthError('ERR_VALIDATION', { reason: `${name}-not-a-time` });
  }
  return at;
}

/**
 * `GET /admin/audit`: the audit trail in the database, newest first, a page
 * at a time. Behind the same checks as every administration route (a valid
 * access token whose account is an enabled administrator in the database).
 */
export const adminAuditRoutes: FastifyPluginAsync<AdminAuditDeps> = async (app, deps) => {
  const { audit } = deps;
  app.addHook('onRequest', app.requireAuth);
  app.addHook('onRequest', createRequireAdmin(deps));

  app.get<{ Querystring: AuditQuerystring }>(
    '/admin/audit',
    {
      schema: {
        ...adminOnly,
        summary: 'Search the audit trail',
        description:
          'Records newest first, filtered by every parameter given. Pass `nextCursor` back as `cursor` (with the same filters) for the next, older page; it is `null` on the last.',
        errors: {
          ...adminErrors,
          ERR_INVALID_CURSOR: '`cursor` is not a `nextCursor` this server gave',
          ERR_STORE_UNAVAILABLE: 'the database cannot be reached to check the caller or to read the trail',
        },
        querystring,
        response: {
          200: {
            type: 'object',
            required: ['records', 'nextCursor'],
            properties: {
              records: { type: 'array', items: auditRecordSchema },
              nextCursor: nullableString,
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const since = millis(q.since, 'since');
      const until = millis(q.until, 'until');
      const page = await audit.query({
        limit: q.limit,
        ...(q.userId === undefined ? {} : { userId: q.userId }),
        ...(q.sessionId === undefined ? {} : { sessionId: q.sessionId }),
        ...(q.event === undefined ? {} : { events: q.event }),
        ...(q.outcome === undefined ? {} : { outcome: q.outcome }),
        ...(q.ip === undefined ? {} : { ip: q.ip }),
        ...(since === undefined ? {} : { since }),
        ...(until === undefined ? {} : { until }),
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      });
      return { records: page.records.map(toView), nextCursor: page.nextCursor };
    },
  );
};
