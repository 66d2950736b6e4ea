import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcryptjs from 'bcryptjs';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCsvSource } from '../../src/import/csv-source.js';
import { type ImportSummary, importUsers, type RejectedRow } from '../../src/import/import-users.js';
import { openJsonLinesSource } from '../../src/import/jsonl-source.js';
import { migrateToLatest } from '../../src/stores/sql/migrations.js';
import { openSqlDatabase, type SqlDatabase } from '../../src/stores/sql/open-database.js';
import { openMigratedTestDatabase } from '../support/databases.js';
import { runCli, useProcessSandbox } from '../support/spawn-server.js';
import { makeTempDir } from '../support/temp-dir.js';
import { startTestServer } from '../support/test-server.js';

const PASSWORD = 'correct horse battery staple';
const BCRYPT = bcryptjs.hashSync(PASSWORD, 4);
const DJANGO = 'pbkdf2_sha256$870000$ZrQs1wYkbe2B1sTSYKFS5z$ZAdHZ5DajvpKanxc0BwFgEM/HBcqFGkl0KWEszy0Isk=';

describe('importing users from files', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let database: SqlDatabase;
  beforeEach(async () => {
    dir = makeTempDir('jwtgate-import-');
    database = openSqlDatabase({ url: `sqlite:${join(dir.path, 'jwtgate.db')}`, timeoutMs: 5_000 });
    await migrateToLatest(database.db);
  });
  afterEach(async () => {
    await database.close();
    dir.remove();
  });

  const write = (name: string, text: string) => {
    const path = join(dir.path, name);
    writeFileSync(path, text);
    return path;
  };
  const run = async (
    path: string,
    options: { mode?: 'skip' | 'update'; batchSize?: number; dryRun?: boolean } = {},
  ) => {
    const rejected: RejectedRow[] = [];
    const source = path.endsWith('.csv') ? openCsvSource(path) : openJsonLinesSource(path);
    const summary: ImportSummary = await importUsers({
      db: database.db,
      source,
      ...options,
      now: () => Date.parse('2026-12-04T20:00:00Z'),
      onRejected: (row) => rejected.push(row),
    });
    return { summary, rejected };
  };
  const stored = () => database.db.selectFrom('jwtgate_users').selectAll().orderBy('id').execute();

  it('imports JSON Lines with ids of every kind kept exact, and reports each bad line by number and reason only', async () => {
    const path = write(
      'users.jsonl',
      [
        JSON.stringify({
          id: 1,
          username: 'alice',
          role: 'admin',
          created_at: '2021-03-04 05:06:07',
          password_hash: BCRYPT,
        }),
        `{"id": 1234567890123456789, "username": "snow", "password_hash": "${DJANGO}", "disabled": true}`,
        JSON.stringify({ id: 'user-abc', username: 'Zoë', created_at: 1_600_000_000, password_hash: BCRYPT }),
        '',
        '{"id": 4, "username": "broken"',
        JSON.stringify({ id: 5, username: 'plain', password_hash: 'hunter22' }),
        JSON.stringify({ id: 6, username: 'has space', password_hash: BCRYPT }),
        JSON.stringify({ id: 7, username: 'ZOË', password_hash: BCRYPT }),
        JSON.stringify({ id: 8, username: 'role', role: 'Root!', password_hash: BCRYPT }),
        JSON.stringify([1, 2]),
        JSON.stringify({ id: 9, username: 'p\u0430ypal', password_hash: BCRYPT }),
      ].join('\n'),
    );
    const { summary, rejected } = await run(path);
    expect(summary).toEqual({ read: 10, inserted: 3, updated: 0, skipped: 0, rejected: 7 });
    expect(rejected).toEqual([
      { line: 5, reason: 'not valid JSON' },
      { line: 6, id: '5', reason: 'password_hash: not a supported hash format, or its cost is beyond the limits' },
      { line: 7, id: '6', reason: 'username: not a valid username' },
      { line: 8, id: '7', reason: 'username: repeats line 3 (names differing only in case or Unicode form are one)' },
      { line: 9, id: '8', reason: 'role: not a valid role' },
      { line: 10, reason: 'not a JSON object' },
      { line: 11, id: '9', reason: 'username: mixes scripts (such as Latin with Cyrillic), so it looks like another' },
    ]);
    expect(JSON.stringify(rejected)).not.toContain('hunter22');
    const rows = await stored();
    expect(rows.map((r) => [r.id, r.username, r.role, Number(r.disabled), Number(r.created_at)])).toEqual([
      ['1', 'alice', 'admin', 0, Date.parse('2021-03-04T05:06:07Z')],
      ['1234567890123456789', 'snow', 'user', 1, Date.parse('2026-12-04T20:00:00Z')],
      ['user-abc', 'Zoë', 'user', 0, 1_600_000_000_000],
    ]);
    expect(rows[0]?.password_hash).toBe(BCRYPT);
  });

  it('is idempotent: a second run skips every stored id, and --update brings them up to date', async () => {
    const first = write(
      'a.csv',
      `id,username,email,role,created_at,password_hash,disabled\n10,carol,carol@example.com,user,2020-01-01T00:00:00Z,${BCRYPT},false\n11,dave,,user,,${BCRYPT},0\n`,
    );
    expect((await run(first)).summary).toMatchObject({ inserted: 2, skipped: 0 });
    expect((await run(first)).summary).toMatchObject({ inserted: 0, skipped: 2, rejected: 0 });
    const changed = write(
      'b.csv',
      `id,username,role,password_hash,disabled\n10,carol,admin,"${DJANGO}",true\n12,erin,user,${BCRYPT},no\n`,
    );
    expect((await run(changed, { mode: 'update' })).summary).toMatchObject({ inserted: 1, updated: 1 });
    const carol = (await stored()).find((r) => r.id === '10');
    expect(carol).toMatchObject({
      role: 'admin',
      password_hash: DJANGO,
      username: 'carol',
      email: 'carol@example.com',
    });
    expect(carol?.email_verified_at).toBeNull();
    // The new hash and role end carol's earlier sessions; running the same update again ends nothing more.
    expect(Number(carol?.credential_version)).toBe(1);
    await run(changed, { mode: 'update' });
    expect(Number((await stored()).find((r) => r.id === '10')?.credential_version)).toBe(1);
    const taken = write('c2.csv', `id,username,email,password_hash\n13,kim,CAROL@example.com,${BCRYPT}\n`);
    expect((await run(taken)).rejected).toEqual([{ line: 2, id: '13', reason: 'email: another user has it' }]);
    expect(Number(carol?.disabled)).toBe(1);
    // created_at is the source's and stays through updates.
    expect(Number(carol?.created_at)).toBe(Date.parse('2020-01-01T00:00:00Z'));
  });

  it('reports a CSV record it cannot parse with its line, and refuses a username another id holds', async () => {
    const path = write('c.csv', `id,username,password_hash\n20,frank,${BCRYPT}\n21,"unterminated,${BCRYPT}\n`);
    const { rejected } = await run(path);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toMatch(/^not a valid CSV record/);
    const other = write('d.jsonl', `${JSON.stringify({ id: 99, username: 'FRANK', password_hash: BCRYPT })}\n`);
    const again = await run(other);
    expect(again.rejected).toEqual([{ line: 1, id: '99', reason: 'username: another user has it' }]);
  });

  it('writes whole batches or nothing: a failure mid-batch leaves the batches before it and none of its own', async () => {
    const lines = Array.from({ length: 25 }, (_, i) =>
      JSON.stringify({ id: 100 + i, username: `u${i}`, password_hash: BCRYPT }),
    );
    const path = write('e.jsonl', lines.join('\n'));
    // The database itself refuses row 17, as a full disk or a constraint would.
    await sql`create trigger refuse_u17 before insert on jwtgate_users when new.username = 'u17' begin select raise(abort, 'refused'); end`.execute(
      database.db,
    );
    await expect(run(path, { batchSize: 10 })).rejects.toThrow();
    expect((await stored()).length).toBe(10);
    await sql`drop trigger refuse_u17`.execute(database.db);
    // Running it again finishes the job.
    expect((await run(path, { batchSize: 10 })).summary).toMatchObject({ inserted: 15, skipped: 10 });
    expect((await stored()).length).toBe(25);
  });

  it('checks without writing on a dry run', async () => {
    const path = write('f.jsonl', `${JSON.stringify({ id: 1, username: 'gina', password_hash: BCRYPT })}\n`);
    expect((await run(path, { dryRun: true })).summary).toMatchObject({ read: 1, inserted: 0, rejected: 0 });
    expect(await stored()).toEqual([]);
  });
});

describe('an imported user logging in', () => {
  it('logs in with the old password and is rehashed to argon2id on the way', async () => {
    const t = await startTestServer();
    const dir = makeTempDir('jwtgate-import-login-');
    try {
      const path = join(dir.path, 'u.jsonl');
      writeFileSync(path, `${JSON.stringify({ id: 77, username: 'henry', password_hash: DJANGO })}\n`);
      await importUsers({
        db: t.server.database.db,
        source: openJsonLinesSource(path),
        now: () => t.clock.now(),
        onRejected: () => {},
      });
      const wrong = await t.request({
        method: 'POST',
        url: '/auth/login',
        body: { username: 'henry', password: 'wrong password' },
      });
      expect(wrong.statusCode).toBe(401);
      expect((await t.server.users.findById('77'))?.passwordHash).toBe(DJANGO);
      const { accessToken } = await t.login('henry', PASSWORD);
      const after = await t.server.users.findById('77');
      expect(after?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      // The new hash works; the imported one is gone.
      await t.login('henry', PASSWORD);
      const me = await t.request({ method: 'GET', url: '/auth/me', token: accessToken });
      expect(me.json().user.id).toBe('77');
    } finally {
      await t.close();
      dir.remove();
    }
  });
});

describe('jwtgate user import', () => {
  const dir = useProcessSandbox('jwtgate-import-cli-');

  it('prints a summary, progress lines off a terminal, the rejected rows, and fails when a row was rejected', async () => {
    const path = join(dir.path, 'users.jsonl');
    writeFileSync(
      path,
      `${JSON.stringify({ id: 1, username: 'ivy', password_hash: BCRYPT })}\n${JSON.stringify({ id: 2, username: 'jack', password_hash: 'plain-text-password' })}\n`,
    );
    const rejects = join(dir.path, 'rejects.jsonl');
    const result = await runCli(['user', 'import', path, '--rejects', rejects], { cwd: dir.path });
    expect(result.code, result.stderr).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      read: 2,
      inserted: 1,
      updated: 0,
      skipped: 0,
      rejected: 1,
      dryRun: false,
    });
    expect(result.stderr).toContain('line 2 (id 2): password_hash: not a supported hash format');
    expect(result.stderr).toMatch(/import: 100% {2}2 rows {2}[0-9,]+ rows\/s, done/);
    expect(result.stderr).not.toContain('plain-text-password');
    const again = await runCli(['user', 'import', path], { cwd: dir.path });
    expect(JSON.parse(again.stdout)).toMatchObject({ inserted: 0, skipped: 1, rejected: 1 });
    const usage = await runCli(['user', 'import'], { cwd: dir.path });
    expect(usage.code).toBe(64);
  });
});

describe.each([
  { name: 'SQLite', kind: 'sqlite' },
  { name: 'PostgreSQL', kind: 'postgres' },
  { name: 'MariaDB', kind: 'mysql' },
] as const)('an --update that moves a user to another address, on $name', ({ kind }) => {
  let database: SqlDatabase;
  let close: () => Promise<void>;
  beforeEach(async () => {
    if (kind === 'sqlite') {
      const dir = makeTempDir('jwtgate-import-');
      database = openSqlDatabase({ url: `sqlite:${join(dir.path, 'jwtgate.db')}`, timeoutMs: 5_000 });
      await migrateToLatest(database.db);
      close = async () => {
        await database.close();
        dir.remove();
      };
    } else {
      ({ database, close } = await openMigratedTestDatabase(kind));
    }
  });
  afterEach(() => close());

  it('ends the sessions started before, as a confirmed address change does, and a re-run ends nothing more', async () => {
    // The address logs in, receives resets and is in the tokens: a new one is a credential change.
    const dir = makeTempDir('jwtgate-import-rows-');
    try {
      const rows = (email: string) => {
        const path = join(dir.path, `${email}.jsonl`);
        writeFileSync(path, `${JSON.stringify({ id: 20, username: 'fay', email, password_hash: BCRYPT })}\n`);
        return path;
      };
      const run = (path: string) =>
        importUsers({
          db: database.db,
          source: openJsonLinesSource(path),
          mode: 'update',
          now: () => 1,
          onRejected: (row) => expect.unreachable(row.reason),
        });
      const version = async () =>
        Number(
          (
            await database.db
              .selectFrom('jwtgate_users')
              .select('credential_version')
              .where('id', '=', '20')
              .executeTakeFirst()
          )?.credential_version,
        );
      await run(rows('fay@example.com'));
      expect(await version()).toBe(0);
      await run(rows('FAY@example.com'));
      expect(await version()).toBe(0);
      await run(rows('fay@elsewhere.example'));
      expect(await version()).toBe(1);
      await run(rows('fay@elsewhere.example'));
      expect(await version()).toBe(1);
    } finally {
      dir.remove();
    }
  });
});
