import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackendPlace, backendAvailable, everyBackend, openBackend } from '../support/backends.js';
import { codeFor } from '../support/mfa-steps.js';
import { PASSKEY_ORIGIN } from '../support/passkey-steps.js';
import { changeElsewhere, waitUntilWaiting } from '../support/postgres-races.js';
import { createSoftwareAuthenticator } from '../support/software-authenticator.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const postgres = everyBackend.find((b) => b.kind === 'postgres' && !b.redis);

/**
 * A paused login's mfaToken stands for a password checked a moment ago. If
 * the password changes (say the owner, fearing it stolen, changes it from
 * another device or an operator sets it at the command line) while the
 * enrolment that finishes that login is under way, the login must not end
 * with a session or leave its new passkey behind: the proof it rests on is
 * no longer the account's. PostgreSQL lets the test hold the enrolment at
 * the exact point (its passkey insert waits on a table lock) while the
 * credential change commits.
 */
describe.runIf(postgres !== undefined && backendAvailable(postgres))(
  'an enrolment racing a credential change, on PostgreSQL',
  () => {
    let place: BackendPlace;
    let t: TestServer;
    let db: pg.Client;
    beforeAll(async () => {
      place = await openBackend(postgres as NonNullable<typeof postgres>);
      t = await startTestServer({
        env: {
          ...place.env,
          JWTGATE_WEB_PUBLIC_URL: PASSKEY_ORIGIN,
          JWTGATE_MFA_REQUIRED_FOR_ROLES: 'admin',
          JWTGATE_AUDIT_DATABASE: 'true',
        },
      });
      db = new pg.Client({ connectionString: place.env.JWTGATE_DATABASE_URL });
      await db.connect();
    });
    afterAll(async () => {
      await db?.end();
      await t?.close();
      await place?.remove();
    });

    /** An administrator with no factor yet, paused at sign-in: the mfaToken that may set one up. */
    async function pausedAdmin() {
      const user = await t.signUp();
      await t.server.users.update(user.userId, { role: 'admin', updatedAt: t.clock.now() });
      const login = await t.request({
        method: 'POST',
        url: '/auth/login',
        body: { username: user.username, password: user.password },
      });
      expect(login.json()).toMatchObject({ enrollmentRequired: true });
      return { userId: user.userId, mfaToken: login.json().mfaToken as string };
    }

    /**
     * Sends `finish` while `table` is locked against writes, waits until the
     * request waits on that lock, raises the user's credential version (a
     * password changed elsewhere) and lets the request go on.
     */
    async function finishDuringChange(table: string, userId: string, finish: () => Promise<LightMyRequestResponse>) {
      await db.query('begin');
      await db.query(`lock table ${table} in exclusive mode`);
      const finishing = finish();
      await waitUntilWaiting(db, table);
      await db.query('update jwtgate_users set credential_version = credential_version + 1 where id = $1', [userId]);
      await db.query('commit');
      const finished = await finishing;
      expect(finished.statusCode, finished.body).toBe(401);
      expect(finished.json().error.code).toBe('ERR_MFA_TOKEN_INVALID');
      // The trail says the factor came and went again.
      await t.server.flushAudit();
      const trail = await t.server.database.db
        .selectFrom('jwtgate_audit')
        .select('event')
        .where('user_id', '=', userId)
        .where('event', 'in', ['mfa.enrolled', 'mfa.removed'])
        .execute();
      expect(trail.map((record) => record.event).sort()).toEqual(['mfa.enrolled', 'mfa.removed']);
    }

    it('keeps no app turned on by a signed-in session whose password changed, with its sessions ended, meanwhile', async () => {
      const user = await t.signUp();
      const enrol = await t.request({
        method: 'POST',
        url: '/auth/mfa/totp/enroll',
        token: user.accessToken,
        body: { password: user.password },
      });
      expect(enrol.statusCode, enrol.body).toBe(200);
      const code = codeFor(enrol.json().secret as string, t.clock.now());
      await db.query('begin');
      await db.query('lock table jwtgate_mfa_totp in exclusive mode');
      const confirming = t.request({
        method: 'POST',
        url: '/auth/mfa/totp/confirm',
        token: user.accessToken,
        body: { code },
      });
      await waitUntilWaiting(db, 'jwtgate_mfa_totp');
      await changeElsewhere(db, user.userId, t.clock.now());
      const confirmed = await confirming;
      expect(confirmed.statusCode, confirmed.body).toBe(401);
      expect(confirmed.json().error.code).toBe('ERR_TOKEN_REVOKED');
      const apps = await t.server.database.db
        .selectFrom('jwtgate_mfa_totp')
        .select('user_id')
        .where('user_id', '=', user.userId)
        .execute();
      expect(apps).toEqual([]);
    });

    it('keeps no passkey added by a signed-in session whose password changed, with its sessions ended, meanwhile', async () => {
      // A stolen session adds a passkey while the owner, on another device, changes the password:
      // the passkey must not stay to sign in without the new password.
      const user = await t.signUp();
      const options = await t.request({
        method: 'POST',
        url: '/auth/passkeys/register/options',
        token: user.accessToken,
        body: { password: user.password },
      });
      expect(options.statusCode, options.body).toBe(200);
      const { response } = createSoftwareAuthenticator({ origin: PASSKEY_ORIGIN }).register(options.json());
      await db.query('begin');
      await db.query('lock table jwtgate_passkeys in exclusive mode');
      const adding = t.request({
        method: 'POST',
        url: '/auth/passkeys/register/verify',
        token: user.accessToken,
        body: { credential: response },
      });
      await waitUntilWaiting(db, 'jwtgate_passkeys');
      await changeElsewhere(db, user.userId, t.clock.now());
      const added = await adding;
      expect(added.statusCode, added.body).toBe(401);
      expect(added.json().error.code).toBe('ERR_TOKEN_REVOKED');
      const passkeys = await t.server.database.db
        .selectFrom('jwtgate_passkeys')
        .select('id')
        .where('user_id', '=', user.userId)
        .execute();
      expect(passkeys).toEqual([]);
    });

    it('refuses to finish the login and keeps no passkey when the password changed while the passkey was being added', async () => {
      const { userId, mfaToken } = await pausedAdmin();
      const options = await t.request({
        method: 'POST',
        url: '/auth/mfa/enrollment/passkey/options',
        body: { mfaToken },
      });
      expect(options.statusCode, options.body).toBe(200);
      const { response } = createSoftwareAuthenticator({ origin: PASSKEY_ORIGIN }).register(options.json());
      await finishDuringChange('jwtgate_passkeys', userId, () =>
        t.request({
          method: 'POST',
          url: '/auth/mfa/enrollment/passkey/verify',
          body: { mfaToken, credential: response },
        }),
      );
      const passkeys = await t.server.database.db
        .selectFrom('jwtgate_passkeys')
        .select('id')
        .where('user_id', '=', userId)
        .execute();
      expect(passkeys).toEqual([]);
    });

    it('refuses to finish the login and keeps no app when the password changed while the app was being confirmed', async () => {
      const { userId, mfaToken } = await pausedAdmin();
      const enrol = await t.request({ method: 'POST', url: '/auth/mfa/enrollment/totp', body: { mfaToken } });
      expect(enrol.statusCode, enrol.body).toBe(200);
      const code = codeFor(enrol.json().secret as string, t.clock.now());
      await finishDuringChange('jwtgate_mfa_totp', userId, () =>
        t.request({ method: 'POST', url: '/auth/mfa/enrollment/totp/confirm', body: { mfaToken, code } }),
      );
      const apps = await t.server.database.db
        .selectFrom('jwtgate_mfa_totp')
        .select('user_id')
        .where('user_id', '=', userId)
        .execute();
      expect(apps).toEqual([]);
    });
  },
);
