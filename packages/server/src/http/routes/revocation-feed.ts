import { AuthError } from '@jwtgate/core';
import type { FastifyPluginAsync } from 'fastify';
import type { FeedPosition, RevocationJournal } from '../../runtime/revocation-journal.js';
import type { ClientAuthenticator } from '../client-auth.js';
import { CLIENT_SCHEME } from '../reference/api-reference.js';
import { errorResponses } from '../schemas.js';

/** Options of {@link revocationFeedRoutes}. */
export interface RevocationFeedOptions {
  readonly journal: RevocationJournal;
  readonly clients: ClientAuthenticator;
  /** Whether revocations are reaching this instance (the Redis subscription is up). */
  readonly live: () => boolean;
}

const MAX_PAGE = 1000;
const MAX_WAIT_SEC = 30;
const CURSOR = /^([A-Za-z0-9_-]{8})\.(\d{1,15})\.(\d{1,15})$/;

/** `<epoch>.<seq>.<time>`; opaque to followers, who only hand it back. */
function encodeCursor(position: FeedPosition): string {
  return `${position.epoch}.${position.seq}.${position.at}`;
}

function decodeCursor(cursor: string): FeedPosition {
  const match = CURSOR.exec(cursor);
  if (match === null) throw new AuthError('ERR_INVALID_CURSOR');
  return { epoch: match[1] as string, seq: Number(match[2]), at: Number(match[3]) };
}

/**
 * `GET /auth/revocations`: the revocation feed for services in any language,
 * over plain HTTP, for clients of `Gateway.Clients`. Each answer carries the
 * session ids revoked since the cursor (each with its revocation time), the
 * next cursor, and whether more are waiting; `wait` makes it a long poll that
 * answers as soon as there is something new. docs/revocation-feed.md is the
 * protocol: its guarantees come from the journal (`revocation-journal.ts`).
 *
 * @example
 * await app.register(revocationFeedRoutes, { journal, clients, live: () => true });
 */
export const revocationFeedRoutes: FastifyPluginAsync<RevocationFeedOptions> = async (app, options) => {
  const { journal, clients } = options;
  // A pending long poll must not hold shutdown up: it answers with what it has.
  app.addHook('preClose', (done) => {
    journal.close();
    done();
  });

  /** Not ready, not answered: a page read while revocations are not reaching this instance would look complete. */
  const assertLive = () => {
    if (!options.live()) throw new AuthError('ERR_STORE_UNAVAILABLE', { reason: 'revocation-feed' });
  };

  const read = (from: FeedPosition | undefined, limit: number) => {
    const page = journal.read(from, limit);
    if (page === 'resync') throw new AuthError('ERR_FEED_RESYNC');
    return page;
  };

  app.get<{ Querystring: { since?: string; limit: number; wait: number } }>(
    '/auth/revocations',
    {
      schema: {
        summary: 'The revocation feed',
        description:
          'The session ids revoked since `since` (a cursor from an earlier answer; none: every revocation kept, one access-token lifetime), oldest first, at most `limit`; then `cursor` for the next call and `more` when another page is already waiting. With `wait`, an answer that would be empty waits up to that many seconds for a revocation. A cursor older than one access-token lifetime answers 410 `ERR_FEED_RESYNC`: start again without `since`. Clients of `Gateway.Clients`, HTTP Basic. See docs/revocation-feed.md.',
        tags: ['gateway'],
        security: [{ [CLIENT_SCHEME]: [] }],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            since: { type: 'string', maxLength: 64, description: 'The `cursor` of the previous answer.' },
            limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: MAX_PAGE },
            wait: {
              type: 'integer',
              minimum: 0,
              maximum: MAX_WAIT_SEC,
              default: 0,
              description: 'Long poll: seconds to wait for a revocation when there is none yet.',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['revoked', 'cursor', 'more', 'retention'],
            additionalProperties: false,
            properties: {
              revoked: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['sid', 'at'],
                  additionalProperties: false,
                  properties: {
                    sid: { type: 'string', description: 'The session id (`sid` of its access tokens).' },
                    at: { type: 'integer', description: 'When it was revoked, milliseconds since the epoch.' },
                  },
                },
              },
              cursor: { type: 'string', description: 'Pass it as `since` next time.' },
              more: { type: 'boolean', description: 'Another page is waiting: call again at once.' },
              retention: {
                type: 'integer',
                description:
                  'Seconds a revocation stays in the feed (access-token lifetime plus leeway): a follower must call again within this time, and may forget a revoked session id after it.',
              },
            },
          },
          ...errorResponses,
        },
        errors: {
          ERR_INVALID_CLIENT: 'no client credentials, an unknown client, or a wrong secret (`WWW-Authenticate: Basic`)',
          ERR_INVALID_CURSOR: '`since` is not a cursor this feed handed out',
          ERR_FEED_RESYNC:
            '`since` is older than the revocations kept (one access-token lifetime): read again without it',
          ERR_STORE_UNAVAILABLE:
            'this instance is not receiving revocations right now (its Redis subscription is down)',
        },
      },
    },
    async (request) => {
      clients.authenticate({ authorization: request.headers.authorization });
      assertLive();
      const { since, limit, wait } = request.query;
      const from = since === undefined ? undefined : decodeCursor(since);
      let page = read(from, limit);
      if (page.entries.length === 0 && wait > 0) {
        await journal.changed(wait * 1000);
        // The subscription may have dropped during the wait: an empty page would then vouch for nothing.
        assertLive();
        page = read(page.next, limit);
      }
      return {
        revoked: page.entries.map((entry) => ({ sid: entry.sessionId, at: entry.revokedAt })),
        cursor: encodeCursor(page.next),
        more: page.more,
        retention: Math.ceil(journal.retentionMs / 1000),
      };
    },
  );
};
