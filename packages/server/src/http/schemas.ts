import { type ErrorCode, errorCodes, type SessionRecord } from '@jwtgate/core';

/**
 * JSON schemas shared by routes; every route declares its body and responses.
 * A `title` names a shape in the API reference, which shows it once and
 * points at it wherever it is used.
 */

/**
 * The codes a route's own handler can answer, each with when, for the API
 * reference (`docs/api.md`, `docs/openapi.json`). Those its body, parameters,
 * access-token guard and CSRF check imply are added to them (`reference/route-errors.ts`).
 */
export type RouteErrors = Partial<Readonly<Record<ErrorCode, string>>>;

declare module 'fastify' {
  interface FastifySchema {
    /** One line for the API reference. */
    summary?: string;
    description?: string;
    /** The route's group in the reference: `auth`, `sessions`, `admin`, `keys`, `health`, `web`, `reference`. */
    tags?: readonly string[];
    /**
     * OpenAPI security requirements, for routes that a group hook guards or
     * that take a credential other than the access token; `config: { auth: true }`
     * implies `bearerAuth` by itself.
     */
    security?: readonly Readonly<Record<string, readonly string[]>>[];
    /** The codes the handler answers, each with when. */
    errors?: RouteErrors;
    /** Media type of the request body when it is not JSON. */
    consumes?: string;
    /** Media types of a successful answer when it is not JSON. */
    produces?: readonly string[];
  }
}

export const errorSchema = {
  title: 'Error',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: Object.keys(errorCodes) },
        message: { type: 'string' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            properties: { path: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
    },
  },
} as const;

/** Error answers every route can give. */
export const errorResponses = { '4xx': errorSchema, '5xx': errorSchema } as const;

export const publicUserSchema = {
  title: 'PublicUser',
  type: 'object',
  required: ['id', 'username', 'role', 'createdAt'],
  properties: {
    id: { type: 'string' },
    username: { type: 'string' },
    role: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    email: { type: 'string', description: 'Present when the account has an email address.' },
    emailVerified: { type: 'boolean', description: 'Present with `email`: whether it has been verified.' },
  },
} as const;

export const tokenResponseSchema = {
  title: 'TokenResponse',
  type: 'object',
  required: ['accessToken', 'tokenType', 'expiresIn', 'refreshAfter'],
  properties: {
    accessToken: { type: 'string' },
    refreshToken: {
      type: 'string',
      description: 'Absent in cookie mode, where the refresh token is in an HttpOnly cookie.',
    },
    tokenType: { type: 'string', enum: ['Bearer'] },
    expiresIn: { type: 'integer', description: 'Access token lifetime in seconds.' },
    refreshAfter: { type: 'integer', description: 'Unix time (seconds) after which the client should refresh.' },
  },
} as const;

export const mfaRequiredSchema = {
  title: 'MfaRequired',
  type: 'object',
  required: ['mfaRequired', 'mfaToken', 'methods'],
  properties: {
    mfaRequired: { type: 'boolean', enum: [true] },
    mfaToken: {
      type: 'string',
      description:
        'Finishes this login at `POST /auth/mfa/verify`: once, within 5 minutes, from the same network and browser. Good for nothing else.',
    },
    methods: {
      type: 'array',
      items: { type: 'string', enum: ['totp', 'webauthn', 'recovery'] },
      description: 'The second factors this user can finish with.',
    },
    enrollmentRequired: {
      type: 'boolean',
      enum: [true],
      description: 'The role requires a second factor and none is set up: set one up with this mfaToken first.',
    },
  },
} as const;

export const sessionSchema = {
  title: 'Session',
  type: 'object',
  required: ['id', 'device', 'ip', 'userAgent', 'createdAt', 'lastUsedAt', 'expiresAt', 'current'],
  properties: {
    id: { type: 'string' },
    device: { type: ['string', 'null'] },
    ip: { type: ['string', 'null'] },
    userAgent: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    lastUsedAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time' },
    current: { type: 'boolean', description: 'Whether this is the session of the calling access token.' },
    amr: {
      type: 'array',
      items: { type: 'string' },
      description: 'How the user signed in (RFC 8176): `["pwd"]`, or `["pwd","otp","mfa"]` with a second factor.',
    },
    authTime: { type: 'string', format: 'date-time', description: 'When the user signed in.' },
  },
} as const;

/** A list of sessions, as `/auth/sessions` and the administration API answer it. */
export const sessionListSchema = {
  title: 'SessionList',
  type: 'object',
  required: ['sessions'],
  properties: { sessions: { type: 'array', items: sessionSchema } },
} as const;

const iso = (ms: number) => new Date(ms).toISOString();

/** A session as the API shows it; `current` marks the caller's own. */
export function toSessionView(session: SessionRecord, callerSessionId: string) {
  return {
    id: session.id,
    device: session.device,
    ip: session.ip,
    userAgent: session.userAgent,
    createdAt: iso(session.createdAt),
    lastUsedAt: iso(session.lastUsedAt),
    expiresAt: iso(session.expiresAt),
    current: session.id === callerSessionId,
    amr: session.amr,
    authTime: iso(session.authTime),
  };
}

/** Session ids are 22 base64url characters. */
export const sessionIdParamsSchema = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$', description: 'A session id, as the session lists show it.' },
  },
} as const;
