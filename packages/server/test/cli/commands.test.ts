import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startServerProcess, useProcessSandbox } from '../support/spawn-server.js';

const PASSWORD = 'boss password 123';
const ACCESS_SECRET = 'cli-access-secret-0123456789abcdefghijkl';
const REFRESH_SECRET = 'cli-refresh-secret-0123456789abcdefghijk';
const EX_CONFIG = 78;

describe('the jwtgate command', () => {
  const dir = useProcessSandbox();

  describe('user add', () => {
    it('creates an admin from a password on stdin, whose tokens carry the admin role', async () => {
      const server = await startServerProcess({ cwd: dir.path });
      const added = await runCli(['user', 'add', 'boss', '--role', 'admin', '--password-stdin'], {
        cwd: dir.path,
        input: `${PASSWORD}\n`,
      });
      expect(added.code, added.stderr).toBe(0);
      const user = JSON.parse(added.stdout);
      expect(Object.keys(user).sort()).toEqual(['createdAt', 'id', 'role', 'username']);
      expect(user).toMatchObject({ username: 'boss', role: 'admin' });
      expect(`${added.stdout}${added.stderr}`).not.toContain(PASSWORD);

      // The password read from stdin loses its trailing newline only.
      const res = await fetch(`${server.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'boss', password: PASSWORD }),
        signal: AbortSignal.timeout(5_000),
      });
      expect(res.status).toBe(200);
      const { accessToken } = (await res.json()) as { accessToken: string };
      const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString());
      expect(claims).toMatchObject({ sub: user.id, role: 'admin' });
      expect(await server.stop()).toBe(0);
    });

    it('refuses a password on stdin that is not UTF-8, creating nobody', async () => {
      // A password and then a surrogate as CESU-8 writes it: no UTF-8 decoder may accept it.
      const input = Buffer.concat([Buffer.from('surrogate password'), Buffer.from([0xed, 0xa0, 0x80])]);
      const refused = await runCli(['user', 'add', 'surrogate', '--password-stdin'], { cwd: dir.path, input });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('ERR_MALFORMED_PASSWORD');
      const again = await runCli(['user', 'add', 'surrogate', '--password-stdin'], {
        cwd: dir.path,
        input: 'surrogate password',
      });
      expect(again.code, again.stderr).toBe(0);
    });

    it('fails with ERR_USERNAME_TAKEN when the user exists', async () => {
      const args = ['user', 'add', 'boss', '--password-stdin'];
      expect((await runCli(args, { cwd: dir.path, input: PASSWORD })).code).toBe(0);
      const again = await runCli(args, { cwd: dir.path, input: 'another password' });
      expect(again.code).toBe(1);
      expect(again.stdout).toBe('');
      expect(again.stderr).toContain('ERR_USERNAME_TAKEN');
    });

    it('refuses a name that mixes scripts with ERR_INVALID_USERNAME, as registration does', async () => {
      const refused = await runCli(['user', 'add', '\u0430dmin', '--password-stdin'], {
        cwd: dir.path,
        input: PASSWORD,
      });
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain('ERR_INVALID_USERNAME');
      expect(refused.stderr).toContain('may not mix alphabets');
    });

    it('refuses to read a password from a stdin that is not a terminal without --password-stdin', async () => {
      const result = await runCli(['user', 'add', 'boss'], { cwd: dir.path, input: PASSWORD });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('pass the password with --password-stdin');
    });

    it('refuses a password that is too short', async () => {
      const result = await runCli(['user', 'add', 'boss', '--password-stdin'], { cwd: dir.path, input: 'short\n' });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('ERR_INVALID_PASSWORD');
      expect(result.stderr).not.toContain('short\n');
    });

    it('refuses a common password, as registration does, unless Passwords.RejectCommon is off', async () => {
      const args = ['user', 'add', 'commoner', '--password-stdin'];
      const refused = await runCli(args, { cwd: dir.path, input: 'Password123\n' });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('ERR_COMMON_PASSWORD');
      expect(refused.stderr).not.toContain('Password123');
      const lax = await runCli(args, {
        cwd: dir.path,
        input: 'Password123\n',
        env: { JWTGATE_PASSWORDS_REJECT_COMMON: 'false' },
      });
      expect(lax.code, lax.stderr).toBe(0);
    });
  });

  describe('user add and context words', () => {
    it('refuses a password made of the username or the configured words, and creates nobody', async () => {
      const args = ['user', 'add', 'gatekeeper', '--password-stdin'];
      for (const input of ['Gatekeeper2024!\n', 'ACME-corp-99\n']) {
        const refused = await runCli(args, {
          cwd: dir.path,
          input,
          env: { JWTGATE_PASSWORDS_CONTEXT_WORDS: 'Acme,corp' },
        });
        expect(refused.code, input).toBe(1);
        expect(refused.stderr).toContain('ERR_PASSWORD_CONTAINS_CONTEXT');
        expect(refused.stderr).not.toContain(input.trim());
      }
      const made = await runCli(args, { cwd: dir.path, input: 'the gatekeeper keeps the keys\n' });
      expect(made.code, made.stderr).toBe(0);
    });
  });

  describe('configuration errors', () => {
    it('refuses to start in production without secrets, with exit code 78, naming the variables', async () => {
      const result = await runCli(['start'], { cwd: dir.path, env: { NODE_ENV: 'production', JWTGATE_PORT: '0' } });
      expect(result.code).toBe(EX_CONFIG);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('jwtgate: invalid configuration:');
      expect(result.stderr).toContain('JWTGATE_AUTH_ACCESS_SECRET');
      expect(result.stderr).toContain('JWTGATE_AUTH_REFRESH_SECRET');
      expect(existsSync(join(dir.path, 'data', 'dev-secrets.json'))).toBe(false);
    });

    it('refuses to start with an unknown key in ./jwtgate.yaml, with exit code 78, naming it', async () => {
      const path = join(dir.path, 'jwtgate.yaml');
      writeFileSync(path, 'Auth:\n  AccesExpire: 600\n');
      const result = await runCli([], { cwd: dir.path, env: { JWTGATE_PORT: '0' } });
      expect(result.code).toBe(EX_CONFIG);
      expect(result.stderr).toContain(`Auth.AccesExpire: unknown setting (did you mean AccessExpire?) (in ${path})`);
      expect(existsSync(join(dir.path, 'data'))).toBe(false);
    });

    it('names a bad value from the environment', async () => {
      const result = await runCli(['config', 'check'], { cwd: dir.path, env: { JWTGATE_AUTH_ACCESS_EXPIRE: '15m' } });
      expect(result.code).toBe(EX_CONFIG);
      expect(result.stderr).toContain(
        'Auth.AccessExpire: expected an integer (seconds) from 1 to 86400, got "15m" (from JWTGATE_AUTH_ACCESS_EXPIRE)',
      );
    });

    it('never prints a secret that is refused', async () => {
      const short = 'short-secret-value';
      const result = await runCli(['config', 'check'], {
        cwd: dir.path,
        env: { NODE_ENV: 'production', JWTGATE_AUTH_ACCESS_SECRET: short, JWTGATE_AUTH_REFRESH_SECRET: REFRESH_SECRET },
      });
      expect(result.code).toBe(EX_CONFIG);
      expect(result.stderr).toContain('Auth.AccessSecret: expected a string of at least 32 bytes');
      expect(result.stderr).not.toContain(short);
    });

    it('reports a secret that is too short once, by its length', async () => {
      const result = await runCli(['config', 'check'], {
        cwd: dir.path,
        env: {
          NODE_ENV: 'production',
          JWTGATE_AUTH_ACCESS_SECRET: 'abcde',
          JWTGATE_AUTH_REFRESH_SECRET: REFRESH_SECRET,
        },
      });
      expect(result.code).toBe(EX_CONFIG);
      const problems = result.stderr.split('\n').filter((line) => line.includes('Auth.AccessSecret'));
      expect(problems).toEqual([
        '  - Auth.AccessSecret: expected a string of at least 32 bytes, got a value of 5 bytes (from JWTGATE_AUTH_ACCESS_SECRET)',
      ]);
    });

    it('names a database or Redis URL of a kind jwtgate does not speak as unsupported', async () => {
      const result = await runCli(['config', 'check'], {
        cwd: dir.path,
        env: {
          JWTGATE_DATABASE_URL: 'mongodb://admin:hunter2@db.example:27017/jwtgate',
          JWTGATE_REDIS_URL: 'memcached://cache.example:11211',
        },
      });
      expect(result.code).toBe(EX_CONFIG);
      expect(result.stderr).toContain('Database.Url: mongodb: URLs are not supported; expected a URL such as sqlite:');
      expect(result.stderr).toContain('Redis.Url: memcached: URLs are not supported; expected a URL such as redis://');
      expect(result.stderr).not.toContain('hunter2');
    });
  });

  describe('config check', () => {
    it('exits 0 on a valid configuration named by --config', async () => {
      writeFileSync(join(dir.path, 'prod.yaml'), 'Name: billing\nAuth:\n  AccessExpire: 600\n');
      const result = await runCli(['config', 'check', '--config', 'prod.yaml'], {
        cwd: dir.path,
        env: {
          NODE_ENV: 'production',
          JWTGATE_AUTH_ACCESS_SECRET: ACCESS_SECRET,
          JWTGATE_AUTH_REFRESH_SECRET: REFRESH_SECRET,
        },
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe('configuration is valid\n');
    });

    it('reads the file named by JWTGATE_CONFIG', async () => {
      writeFileSync(join(dir.path, 'broken.yaml'), 'Port: 70000\n');
      const result = await runCli(['config', 'check'], { cwd: dir.path, env: { JWTGATE_CONFIG: 'broken.yaml' } });
      expect(result.code).toBe(EX_CONFIG);
      expect(result.stderr).toContain('Port: expected an integer from 0 to 65535, got 70000');
    });
  });

  describe('migrate', () => {
    it('applies the migrations once, then reports the schema up to date', async () => {
      const first = await runCli(['migrate'], { cwd: dir.path });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/^applied: 0001_[a-z_]+(, \d{4}_[a-z_]+)*\n$/);
      expect(existsSync(join(dir.path, 'data', 'jwtgate.db'))).toBe(true);

      const second = await runCli(['migrate'], { cwd: dir.path });
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toBe('schema is up to date\n');
    });
  });

  describe('usage', () => {
    it('prints usage with --help and exits 0, even where the configuration is broken', async () => {
      writeFileSync(join(dir.path, 'jwtgate.yaml'), 'Port: [\n');
      for (const flag of ['--help', '-h']) {
        const result = await runCli([flag], { cwd: dir.path });
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(/^Usage: jwtgate \[command\] \[options\]/);
        for (const command of ['start', 'migrate', 'user add <username>', '--password-stdin', 'config check']) {
          expect(result.stdout).toContain(command);
        }
      }
      expect(existsSync(join(dir.path, 'data'))).toBe(false);
    });

    it('prints the version', async () => {
      const result = await runCli(['--version'], { cwd: dir.path });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    });

    it('exits 64 on an unknown command, with the usage', async () => {
      const result = await runCli(['serve'], { cwd: dir.path });
      expect(result.code).toBe(64);
      expect(result.stderr).toContain('unknown command "serve"');
      expect(result.stderr).toContain('Usage: jwtgate');
    });

    it('exits 64 on an unknown option, with the usage and the option probably meant', async () => {
      const result = await runCli(['keys', 'generate', '--fil', 'keys.json'], { cwd: dir.path });
      expect(result.code).toBe(64);
      expect(result.stderr).toContain('jwtgate: unknown option --fil (did you mean --file?)');
      expect(result.stderr).toContain('Usage: jwtgate');
      expect(result.stderr).not.toContain('ERR_PARSE_ARGS');
      const unlike = await runCli(['--frobnicate'], { cwd: dir.path });
      expect(unlike.code).toBe(64);
      expect(unlike.stderr).toMatch(/^jwtgate: unknown option --frobnicate\n\nUsage: jwtgate/);
    });

    it('exits 64 on an incomplete user command', async () => {
      const result = await runCli(['user', 'add'], { cwd: dir.path });
      expect(result.code).toBe(64);
      expect(result.stderr).toContain('usage: jwtgate user add <username>');
    });
  });
});
