import { registerUser } from '@jwtgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArgon2Hasher } from '../../src/passwords/argon2-hasher.js';
import { type BackendPlace, backendAvailable, everyBackend, openBackend } from '../support/backends.js';
import { enrolTotp } from '../support/mfa-steps.js';
import { type CliResult, runCli, useProcessSandbox } from '../support/spawn-server.js';
import { startTestServer, TEST_ACCESS_SECRET, TEST_REFRESH_SECRET, type TestServer } from '../support/test-server.js';

const PASSWORD = 'correct horse battery staple';

/** What a command printed as JSON on standard output, after checking it succeeded. */
// biome-ignore lint/suspicious/noExplicitAny: the JSON is compared whole with the API's.
function jsonOf(result: CliResult): any {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

// Every database: the second factors are read from its tables.
const backends = everyBackend.filter((b) => !b.redis);

describe.each(backends.filter(backendAvailable))('jwtgate user list and second factors on $name', (backend) => {
  const dir = useProcessSandbox('jwtgate-user-list-cli-');
  let place: BackendPlace;
  let t: TestServer;
  /** The configuration the server and the commands share. */
  let env: Record<string, string>;

  beforeAll(async () => {
    place = await openBackend(backend);
    env = {
      ...place.env,
      ...(place.dataDir === undefined ? {} : { JWTGATE_DATA_DIR: place.dataDir }),
      JWTGATE_AUTH_ACCESS_SECRET: TEST_ACCESS_SECRET,
      JWTGATE_AUTH_REFRESH_SECRET: TEST_REFRESH_SECRET,
      JWTGATE_MFA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    };
    t = await startTestServer({ ...(place.dataDir === undefined ? {} : { dataDir: place.dataDir }), env });
  });
  afterAll(async () => {
    await t?.close();
    await place?.remove();
  });

  const cli = (args: readonly string[], extra: Record<string, string> = {}) =>
    runCli(args, { cwd: dir.path, env: { ...env, ...extra }, timeoutMs: 20_000 });

  it('prints the users exactly as GET /admin/users answers them, secondFactor included, and shows it in the table', async () => {
    await registerUser(
      { users: t.server.users, hasher: await createArgon2Hasher(), clock: t.clock },
      { username: 'boss', password: PASSWORD, role: 'admin' },
    );
    const { accessToken } = await t.login('boss', PASSWORD);
    const erin = await t.signUp({ username: 'erin' });
    await enrolTotp(t, erin);
    await t.signUp({ username: 'finn' });

    const api = await t.request({ method: 'GET', url: '/admin/users?limit=100', token: accessToken });
    expect(api.statusCode, api.body).toBe(200);
    const listed = jsonOf(await cli(['user', 'list', '--limit', '100', '--json']));
    expect(listed).toEqual(api.json());
    const factorOf = (name: string) =>
      listed.users.find((u: { username: string }) => u.username === name)?.secondFactor as boolean | undefined;
    expect([factorOf('boss'), factorOf('erin'), factorOf('finn')]).toEqual([false, true, false]);

    const table = await cli(['user', 'list']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^ID +USERNAME +EMAIL +ROLE +STATE +2FA +CREATED\n/);
    expect(table.stdout).toMatch(/\n\S+ +erin +- +user +enabled +yes +\S+\n/);
    expect(table.stdout).toMatch(/\n\S+ +finn +- +user +enabled +no +\S+\n/);
  });
});
