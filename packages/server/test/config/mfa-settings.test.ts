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

  describe('the passkey relying party', () => {
    const key = { JWTGATE_MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64') };

    it('takes its id and origin from Web.PublicUrl, and its name from Mfa.Issuer', () => {
      const config = production({
        ...key,
        JWTGATE_WEB_PUBLIC_URL: 'https://auth.example.com/base',
        JWTGATE_MFA_ISSUER: 'Example',
      });
      expect(config.mfa.passkeys).toEqual({
        rpId: 'auth.example.com',
        rpName: 'Example',
        origins: ['https://auth.example.com'],
      });
    });

    it('is localhost on the default port in development mode', () => {
      expect(load({}).mfa.passkeys).toEqual({
        rpId: 'localhost',
        rpName: 'jwtgate',
        origins: ['http://localhost:8888'],
      });
    });

    it('takes a parent domain and several origins under it', () => {
      const config = production({
        ...key,
        JWTGATE_MFA_RP_ID: 'example.com',
        JWTGATE_MFA_RP_NAME: 'Example Sign-in',
        JWTGATE_MFA_RP_ORIGINS: 'https://auth.example.com,https://example.com:8443',
      });
      expect(config.mfa.passkeys).toEqual({
        rpId: 'example.com',
        rpName: 'Example Sign-in',
        origins: ['https://auth.example.com', 'https://example.com:8443'],
      });
    });

    it('refuses at start-up what browsers would refuse, naming the setting', () => {
      expect(problemsOf(() => production({ ...key, JWTGATE_MFA_RP_ID: '203.0.113.7' }))).toEqual([
        expect.stringMatching(/^Mfa\.RpId: "203\.0\.113\.7" is not a domain name/),
      ]);
      expect(
        problemsOf(() =>
          production({
            ...key,
            JWTGATE_MFA_RP_ID: 'example.com',
            JWTGATE_MFA_RP_ORIGINS: 'https://evil-example.com,http://auth.example.com,https://example.com/path',
          }),
        ),
      ).toEqual([
        'Mfa.RpOrigins: entry 1: https://evil-example.com is not on Mfa.RpId example.com; browsers would refuse its passkeys',
        'Mfa.RpOrigins: entry 2: http://auth.example.com is plain HTTP; WebAuthn needs HTTPS off localhost',
        'Mfa.RpOrigins: entry 3: "https://example.com/path" is not an origin such as https://auth.example.com',
      ]);
      expect(problemsOf(() => production({ ...key, JWTGATE_MFA_RP_ORIGINS: 'https://auth.example.com' }))).toEqual([
        expect.stringMatching(/^Mfa\.RpId: required with Mfa\.RpOrigins/),
      ]);
      expect(
        problemsOf(() =>
          production({ ...key, JWTGATE_MFA_RP_ID: 'example.org', JWTGATE_WEB_PUBLIC_URL: 'https://auth.example.com' }),
        ),
      ).toEqual([
        expect.stringMatching(/^Web\.PublicUrl: https:\/\/auth\.example\.com is not on Mfa\.RpId example\.org/),
      ]);
    });

    it('turns passkeys off, with a warning, where nothing names the relying party', () => {
      const config = production(key);
      expect(config.mfa.passkeys).toBeUndefined();
      expect(config.warnings).toContainEqual(expect.stringMatching(/^passkeys are off/));
      const byAddress = production({ ...key, JWTGATE_WEB_PUBLIC_URL: 'https://203.0.113.7' });
      expect(byAddress.mfa.passkeys).toBeUndefined();
      expect(byAddress.warnings).toContainEqual(expect.stringMatching(/IP address/));
      expect(production({}).mfa.passkeys).toBeUndefined();
      expect(production({}).warnings.join('\n')).not.toMatch(/passkeys/);
    });
  });
});
