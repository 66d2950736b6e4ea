import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackendPlace, backendAvailable, everyBackend, openBackend } from '../support/backends.js';
import {
  authorizeAt,
  cookieOf,
  deliverCallback,
  landing,
  startLinkFlow,
  startServerWithProviders,
} from '../support/federated-flow.js';
import { type OidcProvider, startOidcProvider } from '../support/identity-providers.js';
import { changeElsewhere, waitUntilWaiting } from '../support/postgres-races.js';
import type { TestServer } from '../support/test-server.js';

const postgres = everyBackend.find((b) => b.kind === 'postgres' && !b.redis);

/**
 * A link rests on the session that asked for it: whoever holds a stolen
 * session must not finish a link once the owner changed the password. The
 * session is checked before the identity is written; a password change that
 * commits between the check and the write must still void the link.
 * PostgreSQL lets the test hold the link at its write (the insert waits on a
 * table lock) while the change commits.
 */
describe.runIf(postgres !== undefined && backendAvailable(postgres))(
  'a link racing a password change, on PostgreSQL',
  () => {
    let place: BackendPlace;
    let idp: OidcProvider;
    let t: TestServer;
    let db: pg.Client;
    beforeAll(async () => {
      place = await openBackend(postgres as NonNullable<typeof postgres>);
      idp = await startOidcProvider();
      t = await startServerWithProviders(
        `OAuth:\n  Providers:\n    idp:\n      Issuer: ${idp.issuer}\n      ClientId: jwtgatetest\n`,
        { ...place.env, JWTGATE_OAUTH_PROVIDERS_IDP_CLIENT_SECRET: 'idp-client-secret-value' },
      );
      db = new pg.Client({ connectionString: place.env.JWTGATE_DATABASE_URL });
      await db.connect();
    });
    afterAll(async () => {
      await db?.end();
      await t?.close();
      await idp?.stop();
      await place?.remove();
    });

    it('takes the identity back when the password changed, with every session ended, between the check and the write', async () => {
      const user = await t.signUp();
      idp.claims = { sub: `racer-${Date.now()}` };
      const started = await startLinkFlow(t, 'idp', user.accessToken);
      expect(started.statusCode, started.body).toBe(200);
      const callback = await authorizeAt(new URL(started.json().authorizationUrl));

      await db.query('begin');
      await db.query('lock table jwtgate_identities in exclusive mode');
      const finishing = deliverCallback(t, callback, cookieOf(started, 'jwtgate_oauth') as string);
      await waitUntilWaiting(db, 'jwtgate_identities');
      await changeElsewhere(db, user.userId, t.clock.now());

      const finished = await finishing;
      expect(landing(finished).fragment.get('oauth-error')).toBe('ERR_TOKEN_REVOKED');
      const identities = await db.query('select provider from jwtgate_identities where user_id = $1', [user.userId]);
      expect(identities.rows).toEqual([]);
      await t.server.flushAudit();
      const trail = await t.server.database.db
        .selectFrom('jwtgate_audit')
        .select('event')
        .where('user_id', '=', user.userId)
        .where('event', 'in', ['identity.linked', 'identity.unlinked'])
        .execute();
      expect(trail.map((record) => record.event).sort()).toEqual(['identity.linked', 'identity.unlinked']);
    });

    it('links as before when nothing changed meanwhile, and the linking session lives on', async () => {
      const user = await t.signUp();
      idp.claims = { sub: `calm-${Date.now()}` };
      const started = await startLinkFlow(t, 'idp', user.accessToken);
      const done = await deliverCallback(
        t,
        await authorizeAt(new URL(started.json().authorizationUrl)),
        cookieOf(started, 'jwtgate_oauth') as string,
      );
      expect(landing(done).url.hash).toBe('#oauth-linked=idp');
      expect((await t.request({ method: 'GET', url: '/auth/me', token: user.accessToken })).statusCode).toBe(200);
    });
  },
);
