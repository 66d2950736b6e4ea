import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { type LoadConfigOptions, loadConfig } from '../../src/config/load-config.js';
import { makeTempDir } from '../support/temp-dir.js';

const ACCESS_SECRET = 'access-secret-for-config-tests-0123456789';
const REFRESH_SECRET = 'refresh-secret-for-config-tests-0123456789';
const secrets = { JWTGATE_AUTH_ACCESS_SECRET: ACCESS_SECRET, JWTGATE_AUTH_REFRESH_SECRET: REFRESH_SECRET };
const DAY = 86_400;

/** Runs `loadConfig` expecting it to fail, and returns the error for closer looks. */
function configErrorOf(options: LoadConfigOptions): ConfigError {
  try {
    loadConfig(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig', () => {
  let dir: ReturnType<typeof makeTempDir>;
  const write = (name: string, text: string) => {
    const path = join(dir.path, name);
    writeFileSync(path, text);
    return path;
  };
  beforeEach(() => {
    dir = makeTempDir('jwtgate-config-');
  });
  afterEach(() => dir.remove());

  describe('with no configuration in development mode', () => {
    it('generates secrets in <DataDir>/dev-secrets.json with mode 0600 and warns about it', () => {
      const config = loadConfig({ env: {}, cwd: dir.path });
      const path = join(dir.path, 'data', 'dev-secrets.json');
      expect(config.mode).toBe('development');
      expect(config.dataDir).toBe(join(dir.path, 'data'));
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const stored = JSON.parse(readFileSync(path, 'utf8'));
      expect(stored).toEqual({ accessSecret: config.auth.accessSecret, refreshSecret: config.auth.refreshSecret });
      expect(Buffer.byteLength(config.auth.accessSecret ?? '')).toBeGreaterThanOrEqual(32);
      expect(config.auth.accessSecret).not.toBe(config.auth.refreshSecret);
      expect(config.warnings).toHaveLength(1);
      expect(config.warnings[0]).toContain('development mode');
      expect(config.warnings[0]).toContain(`generated in ${path}`);
    });

    it('reuses the same secrets on the next load', () => {
      const first = loadConfig({ env: {}, cwd: dir.path });
      const second = loadConfig({ env: {}, cwd: dir.path });
      expect(second.auth.accessSecret).toBe(first.auth.accessSecret);
      expect(second.auth.refreshSecret).toBe(first.auth.refreshSecret);
      expect(second.warnings[0]).toContain(`read from ${join(dir.path, 'data', 'dev-secrets.json')}`);
    });

    it('generates only the secret that is missing', () => {
      const config = loadConfig({ env: { JWTGATE_AUTH_ACCESS_SECRET: ACCESS_SECRET }, cwd: dir.path });
      expect(config.auth.accessSecret).toBe(ACCESS_SECRET);
      expect(config.auth.refreshSecret).not.toBe(ACCESS_SECRET);
      expect(config.warnings).toHaveLength(1);
    });

    it('generates secrets long enough for HS512', () => {
      const config = loadConfig({ env: { JWTGATE_AUTH_ACCESS_ALGORITHM: 'HS512' }, cwd: dir.path });
      expect(config.auth.accessAlgorithm).toBe('HS512');
      expect(Buffer.byteLength(config.auth.accessSecret ?? '')).toBeGreaterThanOrEqual(64);
    });

    it('uses the documented defaults', () => {
      const config = loadConfig({ env: {}, cwd: dir.path });
      expect(config).toMatchObject({
        name: 'jwtgate',
        host: '127.0.0.1',
        port: 8888,
        database: { url: `sqlite:${join(dir.path, 'data', 'jwtgate.db')}`, timeoutMs: 1000 },
        auth: {
          accessAlgorithm: 'HS256',
          accessKeyId: undefined,
          accessExpire: 900,
          refreshAfter: 450,
          refreshExpire: 7 * DAY,
          sessionMaxAge: 30 * DAY,
          refreshGrace: 10,
          maxSessions: 0,
          issuer: 'jwtgate',
          audience: ['jwtgate'],
          clockLeeway: 5,
        },
        server: { bodyLimit: 16_384, trustProxy: [] },
        log: { level: 'info' },
        sources: [],
      });
    });
  });

  describe('derived defaults', () => {
    it('defaults RefreshAfter to half of AccessExpire, rounded down', () => {
      const config = loadConfig({ env: { ...secrets, JWTGATE_AUTH_ACCESS_EXPIRE: '61' }, cwd: dir.path });
      expect(config.auth.refreshAfter).toBe(30);
      expect(
        loadConfig({ env: { ...secrets, JWTGATE_AUTH_ACCESS_EXPIRE: '1' }, cwd: dir.path }).auth.refreshAfter,
      ).toBe(1);
    });

    it('defaults SessionMaxAge to 30 days, or to RefreshExpire when that is longer', () => {
      expect(loadConfig({ env: secrets, cwd: dir.path }).auth.sessionMaxAge).toBe(30 * DAY);
      const long = loadConfig({ env: { ...secrets, JWTGATE_AUTH_REFRESH_EXPIRE: String(90 * DAY) }, cwd: dir.path });
      expect(long.auth.sessionMaxAge).toBe(90 * DAY);
    });

    it('defaults Database.Url to sqlite:<DataDir>/jwtgate.db, with DataDir resolved against cwd', () => {
      const config = loadConfig({ env: { ...secrets, JWTGATE_DATA_DIR: 'state/db' }, cwd: dir.path });
      expect(config.dataDir).toBe(join(dir.path, 'state', 'db'));
      expect(config.database.url).toBe(`sqlite:${join(dir.path, 'state', 'db', 'jwtgate.db')}`);
    });

    it('keeps an explicit Database.Url', () => {
      const config = loadConfig({ env: { ...secrets, JWTGATE_DATABASE_URL: 'sqlite:/srv/auth.db' }, cwd: dir.path });
      expect(config.database.url).toBe('sqlite:/srv/auth.db');
    });
  });

  describe('reading YAML', () => {
    it('reads the values of the file', () => {
      const path = write(
        'settings.yaml',
        [
          'Name: billing-auth',
          'Port: 9000',
          'Auth:',
          '  AccessExpire: 600',
          '  RefreshGrace: 0',
          '  Audience: [billing, admin]',
          'Server:',
          '  TrustProxy:',
          '    - 10.0.0.0/8',
          'Log:',
          '  Level: warn',
        ].join('\n'),
      );
      const config = loadConfig({ env: secrets, cwd: dir.path, configPath: path });
      expect(config.name).toBe('billing-auth');
      expect(config.port).toBe(9000);
      expect(config.auth.accessExpire).toBe(600);
      expect(config.auth.refreshAfter).toBe(300);
      expect(config.auth.refreshGrace).toBe(0);
      expect(config.auth.audience).toEqual(['billing', 'admin']);
      expect(config.server.trustProxy).toEqual(['10.0.0.0/8']);
      expect(config.log.level).toBe('warn');
      expect(config.sources).toContain(path);
    });

    it('reads a single Audience string as a list of one', () => {
      const path = write('jwtgate.yaml', 'Auth:\n  Audience: billing\n');
      expect(loadConfig({ env: secrets, cwd: dir.path, configPath: path }).auth.audience).toEqual(['billing']);
    });

    it('resolves a relative configPath against cwd', () => {
      write('relative.yaml', 'Name: relative\n');
      expect(loadConfig({ env: secrets, cwd: dir.path, configPath: 'relative.yaml' }).name).toBe('relative');
    });

    it('treats an empty file as all defaults', () => {
      const path = write('empty.yaml', '');
      expect(loadConfig({ env: secrets, cwd: dir.path, configPath: path }).port).toBe(8888);
    });

    it('reads the file named by JWTGATE_CONFIG', () => {
      write('jwtgate.yaml', 'Name: from-cwd\n');
      write('chosen.yaml', 'Name: chosen\n');
      const config = loadConfig({ env: { ...secrets, JWTGATE_CONFIG: 'chosen.yaml' }, cwd: dir.path });
      expect(config.name).toBe('chosen');
      expect(config.sources).toContain(join(dir.path, 'chosen.yaml'));
    });

    it('prefers configPath over JWTGATE_CONFIG', () => {
      write('env.yaml', 'Name: from-env\n');
      write('option.yaml', 'Name: from-option\n');
      const config = loadConfig({
        env: { ...secrets, JWTGATE_CONFIG: 'env.yaml' },
        cwd: dir.path,
        configPath: 'option.yaml',
      });
      expect(config.name).toBe('from-option');
    });

    it('picks up ./jwtgate.yaml from cwd when nothing else is named', () => {
      write('jwtgate.yaml', 'Name: from-cwd\nPort: 7000\n');
      const config = loadConfig({ env: secrets, cwd: dir.path });
      expect(config.name).toBe('from-cwd');
      expect(config.port).toBe(7000);
      expect(config.sources).toContain(join(dir.path, 'jwtgate.yaml'));
    });

    it('accepts the example configuration shipped with the repository', () => {
      const example = fileURLToPath(new URL('../../../../jwtgate.example.yaml', import.meta.url));
      const config = loadConfig({ env: secrets, cwd: dir.path, configPath: example });
      expect(config.host).toBe('0.0.0.0');
      expect(config.auth.sessionMaxAge).toBe(30 * DAY);
    });

    it('names a configuration file that cannot be read', () => {
      const error = configErrorOf({ env: { ...secrets, JWTGATE_CONFIG: 'missing.yaml' }, cwd: dir.path });
      expect(error.message).toContain(`cannot read the configuration file ${join(dir.path, 'missing.yaml')}`);
    });
  });

  describe('environment overrides', () => {
    it('lets the environment win over YAML', () => {
      const path = write('jwtgate.yaml', 'Port: 9000\nAuth:\n  AccessExpire: 600\n  Audience: [from-yaml]\n');
      const config = loadConfig({
        env: {
          ...secrets,
          JWTGATE_PORT: '9100',
          JWTGATE_AUTH_ACCESS_EXPIRE: '300',
          JWTGATE_AUTH_AUDIENCE: 'a,b',
        },
        cwd: dir.path,
      });
      expect(config.port).toBe(9100);
      expect(config.auth.accessExpire).toBe(300);
      expect(config.auth.refreshAfter).toBe(150);
      expect(config.auth.audience).toEqual(['a', 'b']);
      expect(config.sources).toEqual(
        expect.arrayContaining([path, 'JWTGATE_PORT', 'JWTGATE_AUTH_ACCESS_EXPIRE', 'JWTGATE_AUTH_AUDIENCE']),
      );
    });

    it('splits a comma-separated list and drops blanks', () => {
      const config = loadConfig({ env: { ...secrets, JWTGATE_AUTH_AUDIENCE: ' a , b,,' }, cwd: dir.path });
      expect(config.auth.audience).toEqual(['a', 'b']);
    });

    it('ignores an empty variable, keeping the YAML value', () => {
      write('jwtgate.yaml', 'Port: 9000\n');
      expect(loadConfig({ env: { ...secrets, JWTGATE_PORT: '' }, cwd: dir.path }).port).toBe(9000);
    });

    it('reads enumerations and integers from their text in the environment', () => {
      const config = loadConfig({
        env: { ...secrets, JWTGATE_LOG_LEVEL: 'silent', JWTGATE_SERVER_BODY_LIMIT: '2048' },
        cwd: dir.path,
      });
      expect(config.log.level).toBe('silent');
      expect(config.server.bodyLimit).toBe(2048);
    });
  });

  describe('refusing bad configuration', () => {
    it('names an unknown YAML key and suggests the close one', () => {
      const path = write('jwtgate.yaml', `Auth:\n  AccesSecret: ${ACCESS_SECRET}\n`);
      const error = configErrorOf({ env: { JWTGATE_AUTH_REFRESH_SECRET: REFRESH_SECRET }, cwd: dir.path });
      expect(error.problems).toContain(`Auth.AccesSecret: unknown setting (did you mean AccessSecret?) (in ${path})`);
      expect(error.message).not.toContain(ACCESS_SECRET);
    });

    it('names an unknown top-level key', () => {
      write('jwtgate.yaml', 'Prot: 8080\n');
      const error = configErrorOf({ env: secrets, cwd: dir.path });
      expect(error.message).toContain('Prot: unknown setting (did you mean Port?)');
    });

    it('refuses an unknown JWTGATE_* variable and suggests the close one', () => {
      const error = configErrorOf({ env: { ...secrets, JWTGATE_AUTH_ACCES_EXPIRE: '60' }, cwd: dir.path });
      expect(error.problems).toEqual([
        'JWTGATE_AUTH_ACCES_EXPIRE: unknown environment variable (did you mean JWTGATE_AUTH_ACCESS_EXPIRE?)',
      ]);
    });

    it('leaves other environment variables alone', () => {
      expect(() =>
        loadConfig({ env: { ...secrets, HOME: '/root', JWTGATE: 'x', JWTGATE_CONFIG: '' }, cwd: dir.path }),
      ).not.toThrow();
    });

    it('refuses a duration with a unit, naming the setting, the expectation and the source', () => {
      const error = configErrorOf({ env: { ...secrets, JWTGATE_AUTH_ACCESS_EXPIRE: '15m' }, cwd: dir.path });
      expect(error.problems).toEqual([
        'Auth.AccessExpire: expected an integer (seconds) from 1 to 86400, got "15m" (from JWTGATE_AUTH_ACCESS_EXPIRE)',
      ]);
    });

    it('refuses a duration with a unit in YAML too', () => {
      const path = write('jwtgate.yaml', 'Auth:\n  AccessExpire: 15m\n');
      const error = configErrorOf({ env: secrets, cwd: dir.path });
      expect(error.problems).toEqual([
        `Auth.AccessExpire: expected an integer (seconds) from 1 to 86400, got "15m" (in ${path})`,
      ]);
    });

    it('refuses a port out of range', () => {
      const path = write('jwtgate.yaml', 'Port: 70000\n');
      const error = configErrorOf({ env: secrets, cwd: dir.path });
      expect(error.problems).toEqual([`Port: expected an integer from 0 to 65535, got 70000 (in ${path})`]);
    });

    it('refuses a refresh grace window out of range', () => {
      const error = configErrorOf({ env: { ...secrets, JWTGATE_AUTH_REFRESH_GRACE: '999' }, cwd: dir.path });
      expect(error.problems).toEqual([
        'Auth.RefreshGrace: expected an integer (seconds) from 0 to 300, got "999" (from JWTGATE_AUTH_REFRESH_GRACE)',
      ]);
    });

    it('refuses a value outside an enumeration, listing the choices', () => {
      const error = configErrorOf({ env: { ...secrets, JWTGATE_AUTH_ACCESS_ALGORITHM: 'none' }, cwd: dir.path });
      expect(error.message).toContain(
        'Auth.AccessAlgorithm: expected one of HS256, HS384, HS512, RS256, PS256, ES256, EdDSA, got "none"',
      );
    });

    it('refuses a section that is not a mapping', () => {
      const path = write('jwtgate.yaml', 'Auth: 900\n');
      const error = configErrorOf({ env: secrets, cwd: dir.path });
      expect(error.problems).toEqual([`Auth: expected a mapping of settings (in ${path})`]);
    });

    it('refuses a file that is not a mapping at all', () => {
      write('jwtgate.yaml', '- Port: 1\n');
      const error = configErrorOf({ env: secrets, cwd: dir.path });
      expect(error.message).toContain('the top level: expected a mapping of settings');
    });

    it('refuses a YAML syntax error, naming the file, the line and what is missing', () => {
      const path = write('jwtgate.yaml', 'Name: "unterminated\n');
      const error = configErrorOf({ env: secrets, cwd: dir.path });
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatch(new RegExp(`^${path}: Missing closing "quote at line \\d+, column \\d+:?$`));
    });

    it('refuses a key given twice, naming the setting and the line', () => {
      const path = write('jwtgate.yaml', 'Auth:\n  AccessExpire: 600\n  Issuer: me\n  AccessExpire: 60\n');
      const error = configErrorOf({ env: secrets, cwd: dir.path });
      expect(error.problems).toEqual([`Auth.AccessExpire: set more than once; keep one (in ${path}, line 4)`]);
    });

    it('names a duplicated secret without echoing either value', () => {
      write('jwtgate.yaml', `Auth:\n  AccessSecret: ${ACCESS_SECRET}\n  AccessSecret: ${REFRESH_SECRET}\n`);
      const error = configErrorOf({ env: {}, cwd: dir.path });
      expect(error.message).toContain('Auth.AccessSecret: set more than once');
      expect(error.message).not.toContain(ACCESS_SECRET);
      expect(error.message).not.toContain(REFRESH_SECRET);
    });

    it('reports every problem at once', () => {
      const path = write('jwtgate.yaml', 'Port: 70000\nAuth:\n  AccessExpire: 15m\n  Isuer: me\n');
      const error = configErrorOf({
        env: { ...secrets, JWTGATE_LOG_LEVEL: 'loud', JWTGATE_PROT: '1' },
        cwd: dir.path,
      });
      expect(error.problems).toHaveLength(5);
      expect(error.message).toContain(`Port: expected an integer from 0 to 65535, got 70000 (in ${path})`);
      expect(error.message).toContain('Auth.AccessExpire: expected an integer (seconds)');
      expect(error.message).toContain('Auth.Isuer: unknown setting (did you mean Issuer?)');
      expect(error.message).toContain('Log.Level: expected one of fatal, error, warn, info, debug, trace, silent');
      expect(error.message).toContain('JWTGATE_PROT: unknown environment variable (did you mean JWTGATE_PORT?)');
    });

    it('does not generate development secrets when the configuration is invalid', () => {
      configErrorOf({ env: { JWTGATE_PORT: 'eighty' }, cwd: dir.path });
      expect(existsSync(join(dir.path, 'data', 'dev-secrets.json'))).toBe(false);
    });
  });

  describe('secrets', () => {
    it('refuses to run in production without secrets, naming both variables, and writes no secrets file', () => {
      const error = configErrorOf({ env: { NODE_ENV: 'production' }, cwd: dir.path });
      expect(error.problems).toHaveLength(2);
      expect(error.message).toContain('Auth.AccessSecret: required in production; set JWTGATE_AUTH_ACCESS_SECRET');
      expect(error.message).toContain('Auth.RefreshSecret: required in production; set JWTGATE_AUTH_REFRESH_SECRET');
      expect(existsSync(join(dir.path, 'data', 'dev-secrets.json'))).toBe(false);
    });

    it('names only the missing secret in production', () => {
      const error = configErrorOf({
        env: { NODE_ENV: 'production', JWTGATE_AUTH_ACCESS_SECRET: ACCESS_SECRET },
        cwd: dir.path,
      });
      expect(error.problems).toEqual([expect.stringContaining('JWTGATE_AUTH_REFRESH_SECRET')]);
    });

    it('runs in production with both secrets and no warning (mail off, so no SMTP is expected)', () => {
      const config = loadConfig({
        env: { NODE_ENV: 'production', JWTGATE_MAIL_ENABLED: 'false', ...secrets },
        cwd: dir.path,
      });
      expect(config.mode).toBe('production');
      expect(config.warnings).toEqual([]);
      expect(existsSync(join(dir.path, 'data', 'dev-secrets.json'))).toBe(false);
    });

    it('refuses a secret shorter than 32 bytes without echoing it', () => {
      const short = 'tooShortSecret-31-bytes-xxxxxxx';
      expect(Buffer.byteLength(short)).toBe(31);
      const error = configErrorOf({
        env: { JWTGATE_AUTH_ACCESS_SECRET: short, JWTGATE_AUTH_REFRESH_SECRET: REFRESH_SECRET },
        cwd: dir.path,
      });
      expect(error.problems).toEqual([
        'Auth.AccessSecret: expected a string of at least 32 bytes, got a value of 31 bytes (from JWTGATE_AUTH_ACCESS_SECRET)',
      ]);
      expect(error.message).not.toContain(short);
      expect(error.message).not.toContain(REFRESH_SECRET);
      expect(error.stack).not.toContain(short);
    });

    it('does not echo a short secret given in YAML either', () => {
      const short = 'yaml-secret-too-short';
      write('jwtgate.yaml', `Auth:\n  RefreshSecret: ${short}\n`);
      const error = configErrorOf({ env: { JWTGATE_AUTH_ACCESS_SECRET: ACCESS_SECRET }, cwd: dir.path });
      expect(error.message).toContain(
        'Auth.RefreshSecret: expected a string of at least 32 bytes, got a value of 21 bytes',
      );
      expect(error.message).not.toContain(short);
    });

    it('refuses HS512 with a 40-byte secret', () => {
      const secret40 = 'forty-byte-secret-for-hs512-0123456789ab';
      expect(Buffer.byteLength(secret40)).toBe(40);
      const error = configErrorOf({
        env: { ...secrets, JWTGATE_AUTH_ACCESS_SECRET: secret40, JWTGATE_AUTH_ACCESS_ALGORITHM: 'HS512' },
        cwd: dir.path,
      });
      expect(error.problems).toEqual(['Auth.AccessSecret: HS512 needs a secret of at least 64 bytes']);
      expect(error.message).not.toContain(secret40);
    });

    it('accepts HS512 with a 64-byte secret', () => {
      const secret64 = 'x'.repeat(64);
      const config = loadConfig({
        env: { ...secrets, JWTGATE_AUTH_ACCESS_SECRET: secret64, JWTGATE_AUTH_ACCESS_ALGORITHM: 'HS512' },
        cwd: dir.path,
      });
      expect(config.auth.accessAlgorithm).toBe('HS512');
    });

    it('refuses the same secret for access and refresh tokens', () => {
      const error = configErrorOf({
        env: { JWTGATE_AUTH_ACCESS_SECRET: ACCESS_SECRET, JWTGATE_AUTH_REFRESH_SECRET: ACCESS_SECRET },
        cwd: dir.path,
      });
      expect(error.problems).toEqual(['Auth.RefreshSecret: must differ from Auth.AccessSecret']);
      expect(error.message).not.toContain(ACCESS_SECRET);
    });
  });

  describe('lifetimes that contradict each other', () => {
    it('refuses RefreshAfter longer than AccessExpire', () => {
      const error = configErrorOf({
        env: { ...secrets, JWTGATE_AUTH_ACCESS_EXPIRE: '300', JWTGATE_AUTH_REFRESH_AFTER: '301' },
        cwd: dir.path,
      });
      expect(error.problems).toEqual(['Auth.RefreshAfter: must not exceed Auth.AccessExpire']);
    });

    it('accepts RefreshAfter equal to AccessExpire', () => {
      const config = loadConfig({
        env: { ...secrets, JWTGATE_AUTH_ACCESS_EXPIRE: '300', JWTGATE_AUTH_REFRESH_AFTER: '300' },
        cwd: dir.path,
      });
      expect(config.auth.refreshAfter).toBe(300);
    });

    it('refuses RefreshExpire shorter than AccessExpire', () => {
      const error = configErrorOf({
        env: { ...secrets, JWTGATE_AUTH_ACCESS_EXPIRE: '3600', JWTGATE_AUTH_REFRESH_EXPIRE: '600' },
        cwd: dir.path,
      });
      expect(error.problems).toEqual(['Auth.RefreshExpire: must be at least Auth.AccessExpire']);
    });

    it('refuses SessionMaxAge shorter than RefreshExpire', () => {
      const error = configErrorOf({ env: { ...secrets, JWTGATE_AUTH_SESSION_MAX_AGE: String(DAY) }, cwd: dir.path });
      expect(error.problems).toEqual(['Auth.SessionMaxAge: must be at least Auth.RefreshExpire']);
    });

    it('refuses an empty audience list', () => {
      const error = configErrorOf({ env: { ...secrets, JWTGATE_AUTH_AUDIENCE: ',' }, cwd: dir.path });
      expect(error.problems).toEqual(['Auth.Audience: needs at least one audience']);
    });
  });

  describe('production backends', () => {
    const load = (env: Record<string, string>) => loadConfig({ env: { ...secrets, ...env }, cwd: dir.path });
    const problemsOf = (env: Record<string, string>) =>
      configErrorOf({ env: { ...secrets, ...env }, cwd: dir.path }).problems;

    it('keeps everything in the database, polling for revocations, by default', () => {
      const config = load({});
      expect(config.redis).toBeUndefined();
      expect(config.database.poolSize).toBe(10);
      expect(config.revocation).toEqual({ strict: false, pollIntervalMs: 1000, maxFeedLagMs: 30_000 });
    });

    it.each([
      'postgres://jwtgate:pw@db:5432/jwtgate',
      'postgresql://db/jwtgate?sslmode=require',
      'mysql://jwtgate:pw@db:3306/jwtgate',
      'mariadb://db/jwtgate',
    ])('takes %s as Database.Url', (url) => {
      expect(load({ JWTGATE_DATABASE_URL: url }).database.url).toBe(url);
    });

    it('refuses another kind of database URL without echoing it, since it may hold a password', () => {
      const problems = problemsOf({ JWTGATE_DATABASE_URL: 'mongodb://admin:s3cret-pass@db/jwtgate' });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^Database\.Url: mongodb: URLs are not supported; expected a URL such as sqlite:/);
      expect(problems[0]).not.toContain('s3cret-pass');
    });

    it('connects to a standalone Redis from Redis.Url, with the documented defaults', () => {
      const config = load({ JWTGATE_REDIS_URL: 'redis://:pw@cache:6379/2' });
      expect(config.redis).toEqual({
        topology: { kind: 'standalone', url: 'redis://:pw@cache:6379/2' },
        password: undefined,
        tls: false,
        keyPrefix: 'jwtgate:',
        timeoutMs: 1000,
      });
    });

    it('reads Sentinel addresses, IPv6 included, with the master group name', () => {
      const config = load({
        JWTGATE_REDIS_SENTINELS: 'sentinel-1:26379, [::1]:26380',
        JWTGATE_REDIS_SENTINEL_NAME: 'mymaster',
        JWTGATE_REDIS_PASSWORD: 'redis-password',
      });
      expect(config.redis?.topology).toEqual({
        kind: 'sentinel',
        sentinels: [
          { host: 'sentinel-1', port: 26379 },
          { host: '::1', port: 26380 },
        ],
        name: 'mymaster',
      });
      expect(config.redis?.password).toBe('redis-password');
    });

    it('reads Redis Cluster nodes from YAML', () => {
      const path = join(dir.path, 'cluster.yaml');
      writeFileSync(path, 'Redis:\n  Cluster: [node-1:7000, node-2:7001]\n  KeyPrefix: "auth:"\n  Tls: true\n');
      const config = loadConfig({ configPath: path, env: secrets, cwd: dir.path });
      expect(config.redis).toMatchObject({
        topology: {
          kind: 'cluster',
          nodes: [
            { host: 'node-1', port: 7000 },
            { host: 'node-2', port: 7001 },
          ],
        },
        keyPrefix: 'auth:',
        tls: true,
      });
    });

    it('refuses two ways to reach Redis at once', () => {
      expect(problemsOf({ JWTGATE_REDIS_URL: 'redis://cache', JWTGATE_REDIS_CLUSTER: 'node:7000' })).toEqual([
        'Redis: set only one of Redis.Url, Redis.Sentinels and Redis.Cluster',
      ]);
    });

    it('asks for the master group name with Sentinels, and for Sentinels with a name', () => {
      expect(problemsOf({ JWTGATE_REDIS_SENTINELS: 's:26379' })).toEqual([
        'Redis.SentinelName: required with Redis.Sentinels (the master group name, e.g. mymaster)',
      ]);
      expect(problemsOf({ JWTGATE_REDIS_SENTINEL_NAME: 'mymaster' })).toEqual([
        'Redis.SentinelName: only meaningful with Redis.Sentinels',
      ]);
    });

    it('names every malformed host:port entry', () => {
      expect(problemsOf({ JWTGATE_REDIS_CLUSTER: 'node:7000,node,node:0,node:70000' })).toEqual([
        'Redis.Cluster: expected host:port entries, got "node"',
        'Redis.Cluster: expected host:port entries, got "node:0"',
        'Redis.Cluster: expected host:port entries, got "node:70000"',
      ]);
    });

    it('refuses a key prefix that would break hash tags or SCAN patterns', () => {
      for (const prefix of ['{jwtgate}:', 'jwt*gate:', 'jwt gate:']) {
        expect(problemsOf({ JWTGATE_REDIS_URL: 'redis://cache', JWTGATE_REDIS_KEY_PREFIX: prefix })[0]).toMatch(
          /^Redis\.KeyPrefix: expected 1-64 characters/,
        );
      }
    });

    it('takes strict revocation and a poll interval of 0 (off) or at least 100 ms', () => {
      expect(load({ JWTGATE_REVOCATION_STRICT: 'true', JWTGATE_REVOCATION_POLL_INTERVAL: '0' }).revocation).toEqual({
        strict: true,
        pollIntervalMs: 0,
        maxFeedLagMs: 30_000,
      });
      expect(problemsOf({ JWTGATE_REVOCATION_POLL_INTERVAL: '50' })).toEqual([
        'Revocation.PollInterval: 0 (off) or at least 100 milliseconds',
      ]);
    });
  });
});
