import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userOwnedTables } from '../../src/stores/sql/erase-user-rows.js';
import {
  type BackendPlace,
  backendAvailable,
  everyBackend,
  openBackend,
  startTestServerOn,
} from '../support/backends.js';
import { codeFor, enrolTotp, passwordStep, verify } from '../support/mfa-steps.js';
import { addPasskey, PASSKEY_ORIGIN } from '../support/passkey-steps.js';
import { uniqueName } from '../support/services.js';
import { createSoftwareAuthenticator } from '../support/software-authenticator.js';
import type { TestServer } from '../support/test-server.js';

const password = 'correct horse battery staple';
const DAY_MS = 86_400_000;

/** A column that holds a user's id: `id` of the users table, and every `…user_id` or `actor_id` column. */
const USER_ID_COLUMN = /(^|_)user_id$|^actor_id$/;

/** Every table of the real schema with a column holding a user id, and those columns. */
async function userIdColumns(t: TestServer): Promise<Map<string, string[]>> {
  const tables = await t.server.database.db.introspection.getTables();
  const found = new Map<string, string[]>();
  for (const table of tables) {
    if (!table.name.startsWith('jwtgate_')) continue;
    const columns = table.columns
      .map((c) => c.name)
      .filter((c) => USER_ID_COLUMN.test(c) || (table.name === 'jwtgate_users' && c === 'id'));
    if (columns.length > 0) found.set(table.name, columns);
  }
  return found;
}

/** Every row of any table that names `userId` in a user-id column. */
async function rowsNaming(t: TestServer, userId: string): Promise<Map<string, Record<string, unknown>[]>> {
  const rows = new Map<string, Record<string, unknown>[]>();
  for (const [table, columns] of await userIdColumns(t)) {
    const where = sql.join(
      columns.map((c) => sql`${sql.ref(c)} = ${userId}`),
      sql` or `,
    );
    const result = await sql<Record<string, unknown>>`select * from ${sql.table(table)} where ${where}`.execute(
      t.server.database.db,
    );
    if (result.rows.length > 0) rows.set(table, result.rows);
  }
  return rows;
}

describe.each(everyBackend.filter(backendAvailable))('deleting an account on $name', (backend) => {
  let place: BackendPlace;
  let t: TestServer;

  beforeAll(async () => {
    place = await openBackend(backend);
    t = await startTestServerOn(place, { JWTGATE_AUDIT_DATABASE: 'true', JWTGATE_WEB_PUBLIC_URL: PASSKEY_ORIGIN });
  });
  afterAll(async () => {
    await t?.close();
    await place?.remove();
  });

  /** A user with an address, two sessions, a second factor, metadata and audit records. */
  async function richUser() {
    const username = uniqueName('del');
    const email = `${username}@example.com`;
    const registered = await t.request({ method: 'POST', url: '/auth/register', body: { username, email, password } });
    expect(registered.statusCode, registered.body).toBe(201);
    const userId = registered.json().id as string;
    // Factors are added only once the address is proven, as the mailed link would.
    await t.server.users.update(userId, { emailVerifiedAt: t.clock.now(), updatedAt: t.clock.now() });
    const first = await t.login(username, password, 'laptop');
    await t.login(username, password, 'phone');
    const { secret } = await enrolTotp(t, { accessToken: first.accessToken, password });
    const mfaToken = await passwordStep(t, username, password, 'tablet');
    const signedIn = await verify(t, mfaToken, codeFor(secret, t.clock.now()));
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    t.clock.advance(30_000);
    const tokens = signedIn.json() as { accessToken: string; refreshToken: string };
    await addPasskey(t, tokens.accessToken, createSoftwareAuthenticator({ origin: PASSKEY_ORIGIN }));
    // An identity at a provider, as a sign-in through one leaves it (no provider runs in this test).
    await t.server.database.db
      .insertInto('jwtgate_identities')
      .values({
        provider: 'example',
        subject: `s-${userId}`,
        user_id: userId,
        email,
        email_verified: 1,
        display_name: username,
        created_at: t.clock.now(),
        last_sign_in_at: t.clock.now(),
        sealed_tokens: null,
      })
      .execute();
    const meta = await t.request({
      method: 'PATCH',
      url: '/auth/me',
      token: tokens.accessToken,
      body: { userMetadata: { theme: 'dark' } },
    });
    expect(meta.statusCode, meta.body).toBe(200);
    // Every record so far is in the database before it is looked at.
    await t.server.flushAudit();
    return { username, email, userId, secret, ...tokens };
  }

  it('lists every table with a user-id column among those a deletion erases', async () => {
    const tables = [...(await userIdColumns(t)).keys()].sort();
    expect(tables.length).toBeGreaterThan(5);
    expect(tables.filter((table) => !Object.hasOwn(userOwnedTables, table))).toEqual([]);
  });

  it('exports everything kept about the caller, and no secret', async () => {
    const user = await richUser();
    const res = await t.request({ method: 'GET', url: '/auth/me/export', token: user.accessToken });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-disposition']).toContain('attachment');
    const data = res.json();
    expect(data.user).toMatchObject({
      id: user.userId,
      username: user.username,
      email: user.email,
      userMetadata: { theme: 'dark' },
      appMetadata: {},
    });
    expect(data.sessions.map((s: { device: string }) => s.device).sort()).toEqual(['tablet']);
    expect(data.secondFactors).toMatchObject({ totp: true, recoveryCodesLeft: 10 });
    expect(data.passkeys).toHaveLength(1);
    const events = (data.audit as { event: string }[]).map((r) => r.event);
    expect(events).toEqual(expect.arrayContaining(['user.registered', 'login.succeeded', 'mfa.enrolled']));
    const text = res.body;
    expect(text).not.toContain('$argon2');
    expect(text).not.toContain(user.secret);
    expect(text).not.toContain(user.refreshToken);
    expect(text).not.toMatch(/passwordHash|password_hash|currentHash|credentialVersion/);
  });

  it('deletes the caller only with the password or a code, ends every session at once and leaves no row behind', async () => {
    const user = await richUser();
    // Every per-user table has a row of this user before, so that "none after" means something.
    const before = [...(await rowsNaming(t, user.userId)).keys()].sort();
    expect(before).toEqual(
      expect.arrayContaining([
        'jwtgate_users',
        'jwtgate_mfa_totp',
        'jwtgate_mfa_recovery_codes',
        'jwtgate_passkeys',
        'jwtgate_identities',
        'jwtgate_email_tokens',
        'jwtgate_mail_outbox',
        'jwtgate_audit',
        ...(backend.redis ? [] : ['jwtgate_sessions']),
      ]),
    );
    const wrong = await t.request({
      method: 'DELETE',
      url: '/auth/me',
      token: user.accessToken,
      body: { password: 'not the password at all' },
    });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('ERR_REAUTHENTICATION_FAILED');
    const wrongCode = await t.request({
      method: 'DELETE',
      url: '/auth/me',
      token: user.accessToken,
      body: { code: '000000' },
    });
    expect(wrongCode.json().error.code).toBe('ERR_REAUTHENTICATION_FAILED');

    const deleted = await t.request({
      method: 'DELETE',
      url: '/auth/me',
      token: user.accessToken,
      body: { code: codeFor(user.secret, t.clock.now()) },
    });
    expect(deleted.statusCode, deleted.body).toBe(204);

    // The access token that asked is refused at once, and the refresh token with it.
    const me = await t.request({ method: 'GET', url: '/auth/me', token: user.accessToken });
    expect(me.statusCode).toBe(401);
    const refreshed = await t.request({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: user.refreshToken },
    });
    expect(refreshed.statusCode).toBe(401);
    const login = await t.request({ method: 'POST', url: '/auth/login', body: { username: user.username, password } });
    expect(login.json().error.code).toBe('ERR_INVALID_CREDENTIALS');

    await t.server.flushAudit();
    const left = await rowsNaming(t, user.userId);
    const tables = [...left.keys()].sort();
    // What may remain, and only as it may: revoked sessions without client details, and the anonymised trail.
    expect(tables.filter((table) => table !== 'jwtgate_sessions' && table !== 'jwtgate_audit')).toEqual([]);
    for (const session of left.get('jwtgate_sessions') ?? []) {
      expect(session.revoked_at).not.toBeNull();
      expect([session.ip, session.user_agent, session.device]).toEqual([null, null, null]);
    }
    const audit = left.get('jwtgate_audit') ?? [];
    expect(audit.map((r) => r.event)).toEqual(expect.arrayContaining(['user.registered', 'user.deleted']));
    for (const record of audit) {
      expect([record.ip, record.user_agent]).toEqual([null, null]);
      const details = String(record.details);
      expect(details).not.toContain(user.username);
      expect(details).not.toContain(user.email);
      expect(details).not.toContain('usernameDigest');
    }
    expect(JSON.stringify(audit)).not.toContain(user.username);
  });

  it('keeps the username taken for the quarantine, and frees it after', async () => {
    const user = await richUser();
    const deleted = await t.request({
      method: 'DELETE',
      url: '/auth/me',
      token: user.accessToken,
      body: { password },
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const again = () =>
      t.request({ method: 'POST', url: '/auth/register', body: { username: user.username, password } });
    const early = await again();
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('ERR_USERNAME_TAKEN');
    t.clock.advance(31 * DAY_MS);
    const later = await again();
    expect(later.statusCode, later.body).toBe(201);
    expect(later.json().id).not.toBe(user.userId);
  });

  it('lets an administrator delete a user, but never the last administrator', async () => {
    const admin = await t.signUp();
    await t.server.users.update(admin.userId, { role: 'admin', updatedAt: t.clock.now() });
    const adminTokens = await t.login(admin.username, admin.password);
    const target = await richUser();
    const res = await t.request({
      method: 'DELETE',
      url: `/admin/users/${target.userId}`,
      token: adminTokens.accessToken,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ deleted: { id: target.userId }, revokedSessions: 1 });
    expect((await t.request({ method: 'GET', url: '/auth/me', token: target.accessToken })).statusCode).toBe(401);
    const missing = await t.request({
      method: 'DELETE',
      url: `/admin/users/${target.userId}`,
      token: adminTokens.accessToken,
    });
    expect(missing.json().error.code).toBe('ERR_USER_NOT_FOUND');

    const self = await t.request({
      method: 'DELETE',
      url: `/admin/users/${admin.userId}`,
      token: adminTokens.accessToken,
    });
    expect(self.statusCode).toBe(409);
    expect(self.json().error.code).toBe('ERR_LAST_ADMIN');
    // Refused: nothing changed, the administrator is still signed in.
    expect((await t.request({ method: 'GET', url: '/auth/me', token: adminTokens.accessToken })).statusCode).toBe(200);
  });
});
