import type { SessionActor } from '@jwtgate/core';

/**
 * Who carried out an administrative action: an administrator through the
 * admin API (their user id), or an operator at the command line (the
 * operating-system account that ran `jwtgate`, which holds the server's
 * configuration and so needs no jwtgate account).
 */
export type AdminActor =
  | { readonly kind: 'admin'; readonly id: string }
  | { readonly kind: 'cli'; readonly operator: string };

/**
 * How an administrator's action record names its {@link AdminActor}: by
 * `actorId` (the administrator, as ever), or by `actor: "cli"` and
 * `operator` (the command line).
 */
export type AdminActorFields = { readonly actorId: string } | { readonly actor: 'cli'; readonly operator: string };

/**
 * The fields an audit record of the action carries.
 *
 * @example
 * adminActorFields({ kind: 'cli', operator: 'root' }); // { actor: 'cli', operator: 'root' }
 */
export function adminActorFields(actor: AdminActor): AdminActorFields {
  return actor.kind === 'admin' ? { actorId: actor.id } : { actor: 'cli', operator: actor.operator };
}

/**
 * The actor the sessions ended by the action are recorded with.
 *
 * @example
 * await sessions.revokeAll(userId, { reason: 'admin', actor: sessionActorOf(actor) });
 */
export function sessionActorOf(actor: AdminActor): SessionActor {
  return actor.kind === 'admin' ? { kind: 'admin', id: actor.id } : { kind: 'cli' };
}

/**
 * Whose administrator's authority the action rests on, for the stores to
 * check with its write (`actingAdmin`): an administrator's, who must still
 * be one at that moment; none for an operator at the command line, who
 * holds the server's configuration and needs no account.
 *
 * @example
 * await changeUserAccess(deps, userId, changes, { actor: sessionActorOf(actor), ...actingAdminOf(actor) });
 */
export function actingAdminOf(actor: AdminActor): { readonly actingAdmin?: string } {
  return actor.kind === 'admin' ? { actingAdmin: actor.id } : {};
}
