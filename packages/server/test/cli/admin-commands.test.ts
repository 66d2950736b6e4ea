import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlDatabase } from '../../src/stores/sql/open-database.js';
import { createSqlAuditStore } from '../../src/stores/sql/sql-audit-store.js';
import { type Backend, backendAvailable, everyBackend, openBackend } from '../support/backends.js';
import { type Answer, call, login, PASSWORD, register } from '../support/http-call.js';
import {
  type CliResult,
  childEnv,
  cliPath,
  runCli,
  startServerProcess,
  useProcessSandbox,
} from '../support/spawn-server.js';

const EX_USAGE = 64;
const NEW_PASSWORD = 'a brand new password 42';
const QUARANTINE_SEC = 4;

/** The keys of a user in the JSON of the user commands: the admin API's `AdminUser`. */
const USER_KEYS = ['appMetadata', 'createdAt', 'disabled', 'id', 'role', 'updatedAt', 'userMetadata', 'username'];
/** The keys of a user in `user list --json`: the admin API's `ListedUser`. */
const LISTED_USER_KEYS = [...USER_KEYS, 'secondFactor'].sort();
const SESSION_KEYS = [
  'amr',
  'authTime',
  'createdAt',
  'current',
  'device',
  'expiresAt',
  'id',
  'ip',
  'lastUsedAt',
  'userAgent',
];

/** What a command printed as JSON on standard output, after checking it succeeded. */
// biome-ignore lint/suspicious/noExplicitAny: the JSON is asserted field by field.
function jsonOf(result: CliResult): any {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

/** The records `audit tail --json` printed, one JSON object a line. */
// biome-ignore lint/suspicious/noExplicitAny: the JSON is asserted field by field.
function jsonLines(result: CliResult): any[] {
  expect(result.code, result.stderr).toBe(0);
  return result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

/** Polls `check` until it holds or `withinMs` passed; revocations reach a server process asynchronously. */
async function eventually(check: () => Promise<boolean>, withinMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > withinMs) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Date.now() - started;
}

const refused = (answer: Answer) => answer.status === 401 && answer.body?.error?.code === 'ERR_TOKEN_REVOKED';

/** The backends the commands run against: each database, and sessions in Redis (the revocation feed). */
const backends: readonly Backend[] = everyBackend.filter((backend) => !backend.redis || backend.kind === 'postgres');

describe('the administrative commands against the configured stores', () => {
  const dir = useProcessSandbox('jwtgate-admin-cli-');

  for (const backend of backends) {
    const available = backendAvailable(backend);
    // What does not depend on the stores (usage, password rules, errors of an absent user) is checked on SQLite only.
    const everything = backend.kind === 'sqlite';
    describe.skipIf(!available)(backend.name, () => {
      it('lists, shows, disables, re-roles, signs out and deletes users as the admin API does, while a server runs', async () => {
        const place = await openBackend(backend);
        try {
          const env = {
            ...place.env,
            JWTGATE_ACCOUNTS_USERNAME_QUARANTINE: String(QUARANTINE_SEC),
            // Without Redis the running server learns of the command's revocations by polling the database.
            JWTGATE_REVOCATION_POLL_INTERVAL: '200',
          };
          const cli = (args: readonly string[], input?: string) =>
            runCli(args, { cwd: dir.path, env, ...(input === undefined ? {} : { input }), timeoutMs: 20_000 });
          const server = await startServerProcess({ cwd: dir.path, env, timeoutMs: 20_000 });
          for (const name of ['root', 'alice', 'bob', 'carol']) await register(server, name);

          // set-role: root becomes the administrator; the JSON is the admin API's answer.
          const promoted = jsonOf(await cli(['user', 'set-role', 'root', 'admin', '--yes', '--json']));
          expect(Object.keys(promoted).sort()).toEqual(['revokedSessions', 'user']);
          expect(Object.keys(promoted.user).sort()).toEqual(USER_KEYS);
          expect(promoted.user).toMatchObject({ username: 'root', role: 'admin', disabled: false });

          // list: role filter, paging with the printed cursor, a prefix in any case.
          const first = jsonOf(await cli(['user', 'list', '--role', 'user', '--limit', '2', '--json']));
          expect(first.users.map((u: { username: string }) => u.username)).toEqual(['alice', 'bob']);
          expect(Object.keys(first.users[0]).sort()).toEqual(LISTED_USER_KEYS);
          expect(first.users[0].secondFactor).toBe(false);
          expect(typeof first.nextCursor).toBe('string');
          const next = jsonOf(await cli(['user', 'list', '--role', 'user', '--after', first.nextCursor, '--json']));
          expect(next).toEqual({ users: [expect.objectContaining({ username: 'carol' })], nextCursor: null });
          if (everything) {
            const table = await cli(['user', 'list', 'CA']);
            expect(table.code, table.stderr).toBe(0);
            expect(table.stdout).toMatch(
              /^ID +USERNAME +EMAIL +ROLE +STATE +2FA +CREATED\n\S+ +carol +- +user +enabled +no /,
            );
            expect(table.stdout.split('\n').filter(Boolean)).toHaveLength(2);
          }

          // show: the user and their sessions.
          const laptop = await login(server, 'alice');
          const phone = await login(server, 'alice');
          const shown = jsonOf(await cli(['user', 'show', 'alice', '--json']));
          expect(Object.keys(shown).sort()).toEqual(['sessions', 'user']);
          expect(shown.sessions).toHaveLength(2);
          expect(Object.keys(shown.sessions[0]).sort()).toEqual(SESSION_KEYS);

          // logout: without a terminal and without --yes nothing happens; with it, the server refuses the tokens.
          const unconfirmed = await cli(['user', 'logout', 'alice']);
          expect(unconfirmed.code).toBe(EX_USAGE);
          expect(unconfirmed.stderr).toContain('This ends 2 sessions');
          expect(unconfirmed.stderr).toContain('pass --yes');
          expect((await call(server, 'GET', '/auth/me', { token: laptop.accessToken })).status).toBe(200);
          expect(jsonOf(await cli(['user', 'logout', 'alice', '--yes', '--json']))).toEqual({ revoked: 2 });
          const tookMs = await eventually(
            async () =>
              refused(await call(server, 'GET', '/auth/me', { token: laptop.accessToken })) &&
              refused(await call(server, 'GET', '/auth/me', { token: phone.accessToken })),
            backend.redis ? 1_000 : 3_000,
          );
          if (backend.redis) expect(tookMs).toBeLessThan(1_000);

          // disable and enable: logins refused, then allowed again.
          const disabled = await cli(['user', 'disable', 'bob', '--yes']);
          expect(disabled.code, disabled.stderr).toBe(0);
          expect(disabled.stdout).toContain('bob disabled; 0 sessions ended');
          const bobLogin = await call(server, 'POST', '/auth/login', { body: { username: 'bob', password: PASSWORD } });
          expect(bobLogin.status).toBe(401);
          const listedDisabled = jsonOf(await cli(['user', 'list', '--disabled', '--json']));
          expect(listedDisabled.users.map((u: { username: string }) => u.username)).toEqual(['bob']);
          expect(jsonOf(await cli(['user', 'enable', 'bob', '--json']))).toMatchObject({
            user: { username: 'bob', disabled: false },
            revokedSessions: 0,
          });
          await login(server, 'bob');

          // The last administrator stays one, as in the API; the error is named, in JSON too.
          const lastAdmin = await cli(['user', 'set-role', 'root', 'user', '--yes', '--json']);
          expect(lastAdmin.code).toBe(1);
          expect(lastAdmin.stderr).toContain('ERR_LAST_ADMIN');
          expect(JSON.parse(lastAdmin.stdout)).toEqual({
            error: { code: 'ERR_LAST_ADMIN', message: expect.any(String) },
          });
          if (everything) {
            const nobody = await cli(['user', 'show', 'nobody']);
            expect(nobody.code).toBe(1);
            expect(nobody.stderr).toContain('ERR_USER_NOT_FOUND');
          }

          // set-password: the password rules hold, and the new password ends every session.
          if (everything) {
            const weak = await cli(['user', 'set-password', 'bob', '--password-stdin', '--yes'], 'Bob-2024-bob!\n');
            expect(weak.code).toBe(1);
            expect(weak.stderr).toContain('ERR_PASSWORD_CONTAINS_CONTEXT');
          }
          const bobSession = await login(server, 'bob');
          const reset = await cli(['user', 'set-password', 'bob', '--password-stdin', '--yes', '--json'], NEW_PASSWORD);
          expect(jsonOf(reset).revokedSessions).toBe(2);
          expect(`${reset.stdout}${reset.stderr}`).not.toContain(NEW_PASSWORD);
          const oldPassword = await call(server, 'POST', '/auth/login', {
            body: { username: 'bob', password: PASSWORD },
          });
          expect(oldPassword.status).toBe(401);
          const newPassword = await call(server, 'POST', '/auth/login', {
            body: { username: 'bob', password: NEW_PASSWORD },
          });
          expect(newPassword.status).toBe(200);
          await eventually(
            async () => refused(await call(server, 'GET', '/auth/me', { token: bobSession.accessToken })),
            3_000,
          );

          // session list and end: one session of bob's ends; the server refuses its token.
          const sessions = jsonOf(await cli(['session', 'list', 'bob', '--json']));
          expect(sessions.sessions).toHaveLength(1);
          const sessionId = sessions.sessions[0].id as string;
          // After "--": a session id may start with "-".
          expect(jsonOf(await cli(['session', 'end', '--yes', '--json', '--', sessionId]))).toEqual({
            sessionId,
            ended: true,
          });
          await eventually(
            async () => refused(await call(server, 'GET', '/auth/me', { token: newPassword.body.accessToken })),
            3_000,
          );
          if (everything) {
            const again = await cli(['session', 'end', '--yes', '--', sessionId]);
            expect(again.code).toBe(1);
            expect(again.stderr).toContain('ERR_SESSION_NOT_FOUND');
          }

          // delete: the username stays taken for the quarantine, then is free again.
          const deleted = jsonOf(await cli(['user', 'delete', 'carol', '--yes', '--json']));
          const deletedAt = Date.now();
          expect(deleted).toMatchObject({ deleted: { username: 'carol' }, revokedSessions: 0 });
          const taken = await call(server, 'POST', '/auth/register', {
            body: { username: 'carol', password: PASSWORD },
          });
          expect(taken.body.error?.code).toBe('ERR_USERNAME_TAKEN');

          // audit tail: the command line's actions, recorded as the operator's.
          const records = jsonLines(
            await cli(['audit', 'tail', '--user', 'alice', '--event', 'admin.user-signed-out', '--json']),
          );
          expect(records).toEqual([
            expect.objectContaining({
              event: 'admin.user-signed-out',
              outcome: 'success',
              userId: shown.user.id,
              actorId: null,
              details: expect.objectContaining({ actor: 'cli', operator: expect.any(String), revokedSessions: 2 }),
            }),
          ]);
          if (everything) {
            const revocations = jsonLines(
              await cli(['audit', 'tail', '--user', shown.user.id, '--event', 'session.revoked', '--json']),
            );
            expect(revocations).toHaveLength(2);
            for (const record of revocations) expect(record.details).toMatchObject({ reason: 'admin', actor: 'cli' });
          }
          const failures = await cli(['audit', 'tail', '--event', 'admin.user-changed']);
          expect(failures.stdout).toMatch(/admin\.user-changed +failure +\S+ +cli:\S+ +- +ERR_LAST_ADMIN/);

          await new Promise((resolve) =>
            setTimeout(resolve, Math.max(0, deletedAt + QUARANTINE_SEC * 1000 + 100 - Date.now())),
          );
          await register(server, 'carol');
          expect(await server.stop()).toBe(0);
        } finally {
          await place.remove();
        }
      }, 400_000);

      it('records an account made by user add as a registration is recorded, naming the operator, in the database', async () => {
        const place = await openBackend(backend);
        try {
          const env = { ...place.env, JWTGATE_AUDIT_DATABASE: 'true' };
          const cli = (args: readonly string[], input?: string) =>
            runCli(args, { cwd: dir.path, env, ...(input === undefined ? {} : { input }), timeoutMs: 20_000 });
          const added = jsonOf(await cli(['user', 'add', 'dana', '--role', 'support', '--password-stdin'], PASSWORD));
          // A refused one writes nothing: the record says an account exists.
          expect((await cli(['user', 'add', 'dana', '--password-stdin'], PASSWORD)).code).toBe(1);

          // The table itself, read here rather than through the command that wrote it.
          const database = openSqlDatabase({
            url: place.env.JWTGATE_DATABASE_URL ?? `sqlite:${join(dir.path, 'data', 'jwtgate.db')}`,
            timeoutMs: 10_000,
            poolSize: 1,
          });
          try {
            const page = await createSqlAuditStore(database.db).query({ events: ['user.registered'], limit: 10 });
            expect(page.records).toEqual([
              expect.objectContaining({
                event: 'user.registered',
                outcome: 'success',
                userId: added.id,
                actorId: null,
                ip: null,
                userAgent: 'jwtgate-cli',
                details: expect.objectContaining({
                  username: 'dana',
                  role: 'support',
                  actor: 'cli',
                  operator: expect.stringMatching(/\S/),
                }),
              }),
            ]);
            expect(JSON.stringify(page.records)).not.toContain(PASSWORD);
          } finally {
            await database.close();
          }
          // audit tail shows it as the operator's, as it does the other commands' records.
          const tail = await cli(['audit', 'tail', '--event', 'user.registered']);
          expect(tail.stdout).toMatch(/user\.registered +success +\S+ +cli:\S+/);
        } finally {
          await place.remove();
        }
      }, 120_000);
    });
  }
});

describe('audit tail --follow', () => {
  const dir = useProcessSandbox('jwtgate-audit-follow-');

  it('prints the records that land after it started, and stops cleanly on SIGINT', async () => {
    const cli = (args: readonly string[], input?: string) =>
      runCli(args, { cwd: dir.path, ...(input === undefined ? {} : { input }), timeoutMs: 20_000 });
    expect((await cli(['user', 'add', 'root', '--role', 'admin', '--password-stdin'], PASSWORD)).code).toBe(0);
    expect((await cli(['user', 'disable', 'root', '--yes'])).code).toBe(1);
    const follower = spawn(process.execPath, [cliPath, 'audit', 'tail', '--follow', '--json'], {
      cwd: dir.path,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    follower.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    const exited = new Promise<number | null>((resolve) => follower.once('exit', (code) => resolve(code)));
    try {
      // The record made before it started is printed once, as the tail, and never again.
      await eventually(async () => stdout.includes('admin.user-disabled'), 15_000);
      expect((await cli(['user', 'add', 'alice', '--password-stdin'], PASSWORD)).code).toBe(0);
      expect((await cli(['user', 'disable', 'alice', '--yes'])).code).toBe(0);
      await eventually(async () => stdout.split('admin.user-disabled').length === 3, 10_000);
      follower.kill('SIGINT');
      expect(await exited).toBe(0);
      const records = stdout
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as { event: string; outcome: string });
      expect(records.map((record) => [record.event, record.outcome])).toEqual([
        ['user.registered', 'success'],
        ['admin.user-disabled', 'failure'],
        ['user.registered', 'success'],
        ['admin.user-disabled', 'success'],
      ]);
    } finally {
      follower.kill('SIGKILL');
    }
  }, 60_000);
});

describe('the administrative commands on a bad command line', () => {
  const dir = useProcessSandbox('jwtgate-admin-usage-');

  it("answers an option the command does not take with that command's usage and the option meant", async () => {
    const typo = await runCli(['user', 'disable', 'alice', '--yse'], { cwd: dir.path });
    expect(typo.code).toBe(EX_USAGE);
    expect(typo.stderr).toMatch(
      /^jwtgate: unknown option --yse \(did you mean --yes\?\)\n\nUsage: jwtgate user disable <user>/,
    );
    // --role belongs to other commands: not to this one, so it is no suggestion here.
    const foreign = await runCli(['session', 'end', 'x', '--role', 'admin'], { cwd: dir.path });
    expect(foreign.code).toBe(EX_USAGE);
    expect(foreign.stderr).toContain('jwtgate: unknown option --role\n');
    expect(foreign.stderr).toContain('Usage: jwtgate session end <session-id>');
    expect(foreign.stderr).not.toContain('user list');
  });

  it('names the subcommand probably meant, and the missing words', async () => {
    const typo = await runCli(['user', 'lsit'], { cwd: dir.path });
    expect(typo.code).toBe(EX_USAGE);
    expect(typo.stderr).toContain('unknown command "user lsit" (did you mean "user list"?)');
    const missing = await runCli(['user', 'set-role', 'alice'], { cwd: dir.path });
    expect(missing.code).toBe(EX_USAGE);
    expect(missing.stderr).toContain('usage: jwtgate user set-role <user> <role>');
  });
});
