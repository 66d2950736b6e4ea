import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DevelopmentSecrets {
  readonly accessSecret: string;
  readonly refreshSecret: string;
  readonly path: string;
  readonly created: boolean;
}

const FILE_NAME = 'dev-secrets.json';

function isSecrets(value: unknown): value is { accessSecret: string; refreshSecret: string } {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.accessSecret === 'string' &&
    typeof v.refreshSecret === 'string' &&
    v.accessSecret.length >= 43 &&
    v.refreshSecret.length >= 43
  );
}

/**
 * Loads the development secrets from `<dataDir>/dev-secrets.json`, generating
 * them on first use (owner-only file mode), so that tokens survive restarts
 * on a machine nobody configured. Never used in production mode.
 */
export function loadOrCreateDevelopmentSecrets(dataDir: string): DevelopmentSecrets {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, FILE_NAME);
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (!isSecrets(parsed)) throw new Error(`${path} is not a jwtgate secrets file; delete it to regenerate`);
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    return { ...parsed, path, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // 64 bytes: long enough for HS512, which RFC 7518 §3.2 holds to 512-bit keys.
  const secrets = {
    accessSecret: randomBytes(64).toString('base64url'),
    refreshSecret: randomBytes(64).toString('base64url'),
  };
  // `wx` fails if another process created the file meanwhile; then read theirs.
  try {
    writeFileSync(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateDevelopmentSecrets(dataDir);
    throw error;
  }
  return { ...secrets, path, created: true };
}
