import { join } from 'node:path';
import bcryptjs from 'bcryptjs';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseColumnMap } from '../../src/import/mysql-source.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { describeWithService } from '../support/services.js';
import { runCli, useProcessSandbox } from '../support/spawn-server.js';
import { startTestServer } from '../support/test-server.js';

const SNOWFLAKE = '1234567890123456789';
const ROWS = 2_499;

describeWithService('mysql')('jwtgate user import --from-mysql', () => {
  const dir = useProcessSandbox('jwtgate-import-mysql-');
  let source: TestDatabase;
  /** A bcrypt hash per password, made by bcryptjs as the user-api's Go bcrypt would have (cost 10, $2a$ there). */
  const passwords = new Map<string, string>();

  beforeAll(async () => {
    source = await createTestDatabase('mysql');
    const connection = await mysql.createConnection(source.url);
    try {
      // The users table the user-api's goctl model reads: bigint auto-increment ids, bcrypt hashes.
      await connection.query(`CREATE TABLE \`users\` (
        \`id\` bigint NOT NULL AUTO_INCREMENT,
        \`username\` varchar(255) NOT NULL DEFAULT '',
        \`password\` varchar(255) NOT NULL DEFAULT '',
        \`role\` varchar(32) NOT NULL DEFAULT 'user',
        \`create_time\` timestamp NULL DEFAULT CURRENT_TIMESTAMP,
        \`update_time\` timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
        PRIMARY KEY (\`id\`),
        UNIQUE KEY \`username_unique\` (\`username\`)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
      const shared = await bcryptjs.hash('a password for everyone', 4);
      const alice = await bcryptjs.hash('alice password 1', 10);
      passwords.set('alice', alice);
      await connection.query('INSERT INTO users (username, password, role) VALUES (?, ?, ?)', [
        'alice',
        alice,
        'admin',
      ]);
      const values = Array.from({ length: ROWS - 2 }, (_, i) => [`user${i}`, shared, 'user']);
      await connection.query('INSERT INTO users (username, password, role) VALUES ?', [values]);
      // A snowflake id beyond 2^53 from a later era of the service.
      const snow = await bcryptjs.hash('snow password 22', 4);
      await connection.query('INSERT INTO users (id, username, password) VALUES (?, ?, ?)', [SNOWFLAKE, 'snow', snow]);
      await connection.query("INSERT INTO users (id, username, password) VALUES (1234567890123456790, 'twin', ?)", [
        snow,
      ]);
    } finally {
      await connection.end();
    }
  });
  afterAll(() => source.drop());

  it('reads the map of fields to columns, and refuses a bad one', () => {
    expect(parseColumnMap('id=id,username=username,password=password,created_at=create_time')).toEqual({
      id: 'id',
      username: 'username',
      password_hash: 'password',
      created_at: 'create_time',
    });
    expect(() => parseColumnMap('id=id,username=username')).toThrow('needs password=<column>');
    expect(() => parseColumnMap('id=id,username=username,password=pass`word')).toThrow('not a plain column name');
    expect(() => parseColumnMap('uid=id,username=username,password=password')).toThrow('is not <field>=<column>');
  });

  it('imports every row in id order with exact ids, and users log in with their bcrypt passwords', async () => {
    const args = [
      'user',
      'import',
      '--from-mysql',
      source.url,
      '--table',
      'users',
      '--map',
      'id=id,username=username,password=password,role=role,created_at=create_time',
    ];
    const result = await runCli(args, { cwd: dir.path, timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      read: ROWS + 1,
      inserted: ROWS + 1,
      updated: 0,
      skipped: 0,
      rejected: 0,
      dryRun: false,
    });
    const again = await runCli(args, { cwd: dir.path, timeoutMs: 60_000 });
    expect(JSON.parse(again.stdout)).toMatchObject({ inserted: 0, skipped: ROWS + 1 });

    const t = await startTestServer({ dataDir: join(dir.path, 'data'), env: { JWTGATE_AUTH_GO_ZERO: 'true' } });
    try {
      const alice = await t.server.users.findByUsernameKey('alice');
      expect(alice).toMatchObject({ id: '1', role: 'admin', passwordHash: passwords.get('alice') });
      expect((await t.server.users.findByUsernameKey('snow'))?.id).toBe(SNOWFLAKE);
      expect((await t.server.users.findByUsernameKey('twin'))?.id).toBe('1234567890123456790');
      expect((await t.server.users.findByUsernameKey('user2496'))?.id).toBe('2498');
      const { accessToken } = await t.login('alice', 'alice password 1');
      const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString());
      expect(claims).toMatchObject({ sub: '1', userId: 1 });
      const snow = await t.login('snow', 'snow password 22');
      const snowClaims = JSON.parse(Buffer.from(snow.accessToken.split('.')[1] ?? '', 'base64url').toString());
      expect(snowClaims).toMatchObject({ sub: SNOWFLAKE, userId: SNOWFLAKE });
    } finally {
      await t.close();
    }
  });
});
