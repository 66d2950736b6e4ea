import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { problemsOf } from '../support/config-problems.js';
import { makeTempDir } from '../support/temp-dir.js';

const secrets = {
  JWTGATE_AUTH_ACCESS_SECRET: 'config-access-secret-0123456789abcdefghijklmnop',
  JWTGATE_AUTH_REFRESH_SECRET: 'config-refresh-secret-0123456789abcdefghijklmno',
};

describe('the Mfa settings', () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  const load = (env: Record<string, string>) => loadConfig({ env: { ...secrets, ...env }, cwd: dir.path });
  const production = (env: Record<string, string>) => load({ NODE_ENV: 'production', ...env });

  it('reads the key, the keys rotated out and the roles that need a second factor', () => {
    const [key, old] = [randomBytes(32), randomBytes(32)];
    const config = production({
      JWTGATE_MFA_ENCRYPTION_KEY: key.toString('base64'),
      JWTGATE_MFA_PREVIOUS_ENCRYPTION_KEYS: old.toString('base64url'),
      JWTGATE_MFA_REQUIRED_FOR_ROLES: 'admin,ops',
      JWTGATE_MFA_ISSUER: 'Example Corp',
    });
    expect(Buffer.from(config.mfa.encryptionKey ?? [])).toEqual(key);
    expect(config.mfa.previousEncryptionKeys.map((k) => Buffer.from(k))).toEqual([old]);
    expect(config.mfa.requiredForRoles).toEqual(['admin', 'ops']);
    expect(config.mfa.issuer).toBe('Example Corp');
  });

  it('leaves second factors off in production without a key, and derives one in development mode', () => {
    expect(production({}).mfa.encryptionKey).toBeUndefined();
    expect(load({}).mfa.encryptionKey).toHaveLength(32);
    expect(production({}).mfa.issuer).toBe('jwtgate');
  });

  it('refuses a role that requires a second factor nobody could set up', () => {
    expect(problemsOf(() => production({ JWTGATE_MFA_REQUIRED_FOR_ROLES: 'admin' }))).toEqual([
      expect.stringMatching(/^Mfa\.RequiredForRoles: needs Mfa\.EncryptionKey/),
    ]);
  });

  it('refuses keys that are not 32 bytes, without echoing them', () => {
    const short = randomBytes(16).toString('base64');
    const problems = problemsOf(() =>
      production({
        JWTGATE_MFA_ENCRYPTION_KEY: short,
        JWTGATE_MFA_PREVIOUS_ENCRYPTION_KEYS: 'nope',
      }),
    );
    expect(problems.some((p) => p.startsWith('Mfa.EncryptionKey:'))).toBe(true);
    expect(problems).toContain('Mfa.PreviousEncryptionKeys: entry 1 is not 32 bytes in base64');
    expect(problems.join('\n')).not.toContain(short);
  });

  it('refuses the current key among the previous ones', () => {
    const key = randomBytes(32).toString('base64');
    expect(
      problemsOf(() => production({ JWTGATE_MFA_ENCRYPTION_KEY: key, JWTGATE_MFA_PREVIOUS_ENCRYPTION_KEYS: key })),
    ).toEqual(['Mfa.PreviousEncryptionKeys: entry 1 is the current Mfa.EncryptionKey']);
  });
});
