import { beforeAll, describe, expect, it } from 'vitest';
import { type Backend, backendAvailable, everyBackend, serverOnBackend } from '../support/backends.js';
import { codeFor, enrolTotp } from '../support/mfa-steps.js';
import { addPasskey, PASSKEY_ORIGIN, signInWith } from '../support/passkey-steps.js';
import { createSoftwareAuthenticator } from '../support/software-authenticator.js';
import type { TestServer } from '../support/test-server.js';

const phone = () => createSoftwareAuthenticator({ origin: PASSKEY_ORIGIN });

/** Factors live in the SQL database whatever holds the sessions: one run per database. */
const databases: readonly Backend[] = everyBackend.filter((backend) => !backend.redis);

/** How many users race at once in each test: one unlucky interleaving is enough to lose a factor. */
const ROUNDS = 4;

describe.each(databases.filter(backendAvailable))('removing second factors concurrently on $name', (backend) => {
  const server = serverOnBackend(backend, { JWTGATE_WEB_PUBLIC_URL: PASSKEY_ORIGIN, JWTGATE_MFA_MAX_FAILURES: '1000' });
  let t: TestServer;
  beforeAll(() => {
    t = server();
  });

  async function removals(userId: string): Promise<number> {
    await t.server.flushAudit();
    const rows = await t.server.database.db
      .selectFrom('jwtgate_audit')
      .select('id')
      .where('user_id', '=', userId)
      .where('event', '=', 'mfa.removed')
      .execute();
    return rows.length;
  }

  async function status(accessToken: string) {
    return (await t.request({ method: 'GET', url: '/auth/mfa', token: accessToken })).json();
  }

  /** A user with two passkeys and no app, signed in with the first (a second factor, so step-up passes). */
  async function userWithTwoPasskeys() {
    const user = await t.signUp();
    const first = phone();
    const firstId = await addPasskey(t, user.accessToken, first);
    const signedIn = await signInWith(t, first);
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    const accessToken: string = signedIn.json().accessToken;
    return { user, ids: [firstId, await addPasskey(t, accessToken, phone())], accessToken };
  }

  /** `ROUNDS` users made one after another: their set-ups move the shared clock. */
  async function several<T>(make: () => Promise<T>): Promise<T[]> {
    const made: T[] = [];
    for (let round = 0; round < ROUNDS; round++) made.push(await make());
    return made;
  }

  it('lets only one of two concurrent deletions of the last two passkeys through without the password', async () => {
    const users = await several(userWithTwoPasskeys);
    const answers = await Promise.all(
      users.flatMap(({ ids, accessToken }) =>
        ids.map((id) => t.request({ method: 'DELETE', url: `/auth/passkeys/${id}`, token: accessToken })),
      ),
    );
    for (const [index, { user, accessToken }] of users.entries()) {
      const pair = answers.slice(index * 2, index * 2 + 2);
      expect(pair.map((res) => res.statusCode).sort()).toEqual([204, 403]);
      const refused = pair.find((res) => res.statusCode === 403);
      expect(refused?.json().error.code).toBe('ERR_REAUTHENTICATION_FAILED');
      expect((await status(accessToken)).passkeys).toBe(1);
      // One removal done, one audited.
      expect(await removals(user.userId)).toBe(1);
    }
  });

  it('lets only one of an app turned off with a code and the last passkey deleted without the password through', async () => {
    const users = await several(async () => {
      const user = await t.signUp();
      const device = phone();
      const id = await addPasskey(t, user.accessToken, device);
      const { accessToken } = (await signInWith(t, device)).json();
      const { secret } = await enrolTotp(t, { accessToken, password: user.password });
      return { user, id, secret, accessToken: accessToken as string };
    });
    const answers = await Promise.all(
      users.flatMap(({ id, secret, accessToken }) => [
        t.request({
          method: 'DELETE',
          url: '/auth/mfa/totp',
          token: accessToken,
          body: { code: codeFor(secret, t.clock.now()) },
        }),
        t.request({ method: 'DELETE', url: `/auth/passkeys/${id}`, token: accessToken }),
      ]),
    );
    for (const [index, { user, accessToken }] of users.entries()) {
      const pair = answers.slice(index * 2, index * 2 + 2);
      expect(pair.map((res) => res.statusCode).sort()).toEqual([204, 403]);
      expect(pair.find((res) => res.statusCode === 403)?.json().error.code).toBe('ERR_REAUTHENTICATION_FAILED');
      const left = await status(accessToken);
      expect(Number(left.totp) + left.passkeys).toBe(1);
      expect(await removals(user.userId)).toBe(1);
    }
  });

  it('removes the last factor when the password comes with it, even racing another removal', async () => {
    const users = await several(userWithTwoPasskeys);
    const answers = await Promise.all(
      users.flatMap(({ user, ids, accessToken }) =>
        ids.map((id) =>
          t.request({
            method: 'DELETE',
            url: `/auth/passkeys/${id}`,
            token: accessToken,
            body: { password: user.password },
          }),
        ),
      ),
    );
    expect(answers.map((res) => res.statusCode)).toEqual(answers.map(() => 204));
    for (const { user, accessToken } of users) {
      expect(await status(accessToken)).toMatchObject({ totp: false, passkeys: 0, methods: [] });
      expect(await removals(user.userId)).toBe(2);
    }
  });
});

// Keeps vitest from reporting an empty file when only SQLite is there and it is filtered out.
describe.skip('placeholder', () => {});
