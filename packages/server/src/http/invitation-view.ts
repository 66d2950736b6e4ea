import { type InvitationRecord, type InvitationStatus, invitationStatus } from '@jwtgate/core';

/** Every status an invitation can be in, in the order the API documents them. */
export const invitationStatuses: readonly InvitationStatus[] = ['pending', 'used', 'expired', 'revoked'];

const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const;

/** The JSON schema of an invitation as the admin API (and `jwtgate invite --json`) shows it. */
export const invitationSchema = {
  title: 'Invitation',
  type: 'object',
  required: ['id', 'email', 'role', 'status', 'createdBy', 'createdAt', 'expiresAt', 'usedAt', 'userId', 'revokedAt'],
  properties: {
    id: { type: 'string' },
    email: { type: 'string', description: 'The address invited; the account registered with it gets it, verified.' },
    role: { type: 'string', description: 'The role the account registered with it gets.' },
    status: {
      type: 'string',
      enum: [...invitationStatuses],
      description: '`pending` (usable), `used`, `expired` (never used) or `revoked`.',
    },
    createdBy: {
      type: ['string', 'null'],
      description:
        'The id of the administrator who made it; `null` when an operator made it with `jwtgate invite create` (the audit record `admin.invitation-created` names the operator).',
    },
    createdAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time' },
    usedAt: nullableTime,
    userId: { type: ['string', 'null'], description: 'The account registered with it.' },
    revokedAt: nullableTime,
  },
} as const;

const iso = (at: number) => new Date(at).toISOString();
const isoOrNull = (at: number | null) => (at === null ? null : iso(at));

/**
 * An invitation as the admin API and the command line's JSON show it: its
 * status at `now`, times as ISO 8601, never the link's hash.
 *
 * @example
 * invitationView(invitation, clock.now()); // { id, email, role, status: 'pending', createdBy, ... }
 */
export function invitationView(invitation: InvitationRecord, now: number) {
  return {
    id: invitation.id,
    email: invitation.email,
    role: invitation.role,
    status: invitationStatus(invitation, now),
    createdBy: invitation.createdBy,
    createdAt: iso(invitation.createdAt),
    expiresAt: iso(invitation.expiresAt),
    usedAt: isoOrNull(invitation.usedAt),
    userId: invitation.userId,
    revokedAt: isoOrNull(invitation.revokedAt),
  };
}
