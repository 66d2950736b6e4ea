import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthError } from '@jwtgate/core';

/** Options of {@link createClientAuthenticator}. */
export interface ClientAuthenticatorOptions {
  /** Client id → SHA-256 of its secret (`Gateway.Clients`). */
  readonly clients: ReadonlyMap<string, Buffer>;
  /** The realm of the `Basic` challenge (`Name`). */
  readonly realm: string;
}

/** The client credentials a request may carry, as they arrived. */
export interface PresentedClient {
  /** The `Authorization` header. */
  readonly authorization: string | undefined;
  /** `client_id` and `client_secret` of a form body (client_secret_post), when the route takes one. */
  readonly clientId?: string | undefined;
  readonly clientSecret?: string | undefined;
}

/** Authenticates the clients of introspection and the revocation feed. */
export interface ClientAuthenticator {
  /**
   * The id of the authenticated client. Throws `ERR_INVALID_CLIENT` (401,
   * with a `Basic` challenge) for missing or wrong credentials, and
   * `ERR_VALIDATION` for credentials sent twice (RFC 6749 §2.3: one method per request).
   */
  authenticate(presented: PresentedClient): string;
}

/** Printable ASCII without quotes or backslashes, so the realm cannot break out of its quoted string. */
function quotedRealm(realm: string): string {
  return realm.replace(/[^\x20-\x7e]|["\\]/g, '');
}

/**
 * `client_secret_basic`: `Basic base64(id ":" secret)`, each part
 * form-urlencoded first (RFC 6749 §2.3.1). `null` when the header is no
 * Basic credential; `undefined` parts when it is malformed.
 */
function fromBasic(header: string): { id: string; secret: string } | null | undefined {
  const match = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (match === null) return /^basic(\s|$)/i.test(header) ? undefined : null;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  try {
    const part = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
    return { id: part(decoded.slice(0, colon)), secret: part(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

/**
 * Client authentication by `client_secret_basic` or `client_secret_post`.
 * Secrets are compared as SHA-256 digests in constant time; an unknown
 * client id is compared against a random digest, so the answer and its
 * timing are the same for an unknown client and a wrong secret. A fast hash
 * suffices because the secrets are random and at least 32 bytes long: there
 * is nothing to guess from a digest, unlike a password.
 *
 * @example
 * const clients = createClientAuthenticator({ clients: config.gateway.clients, realm: 'jwtgate' });
 * const clientId = clients.authenticate({ authorization: request.headers.authorization });
 */
export function createClientAuthenticator(options: ClientAuthenticatorOptions): ClientAuthenticator {
  const unknownClient = createHash('sha256').update(randomBytes(32)).digest();
  const challenge = { 'www-authenticate': `Basic realm="${quotedRealm(options.realm)}"` };
  const refuse = (reason: string) => new AuthError('ERR_INVALID_CLIENT', { reason, headers: challenge });

  return {
    authenticate({ authorization, clientId, clientSecret }) {
      const basic = authorization === undefined ? null : fromBasic(authorization);
      if (basic === undefined) throw refuse('malformed-basic');
      if (basic !== null && (clientId !== undefined || clientSecret !== undefined)) {
        throw new AuthError('ERR_VALIDATION', {
          message: 'Client credentials must be sent one way only: the Authorization header or the body',
        });
      }
      const id = basic?.id ?? clientId;
      const secret = basic?.secret ?? clientSecret;
      if (id === undefined || secret === undefined) throw refuse('missing');
      const expected = options.clients.get(id) ?? unknownClient;
      const presented = createHash('sha256').update(secret, 'utf8').digest();
      if (!timingSafeEqual(presented, expected) || !options.clients.has(id)) throw refuse('wrong');
      return id;
    },
  };
}
