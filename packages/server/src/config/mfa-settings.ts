import { hkdfSync } from 'node:crypto';
import { isValidRole, parseEncryptionKey } from '@jwtgate/core';
import type { JwtgateConfig } from './config.js';
import { readPasskeySettings } from './passkey-settings.js';

type Settings = Record<string, unknown>;

/**
 * Reads the `Mfa` section. Without `Mfa.EncryptionKey` second factors are
 * off in production (an operator must choose where that key lives), and in
 * development mode sealed with a key derived from the refresh secret, so
 * they work on a machine nobody configured. A role that requires a second
 * factor needs a key in production, or its users could never sign in.
 *
 * @example
 * const { mfa } = readMfaSettings(raw, { mode, name, port, refreshSecret }, problems, warnings);
 */
export function readMfaSettings(
  raw: Settings,
  context: {
    readonly mode: JwtgateConfig['mode'];
    readonly name: string;
    readonly port: number;
    readonly refreshSecret: string | undefined;
  },
  problems: string[],
  warnings: string[],
): Pick<JwtgateConfig, 'mfa'> {
  const mfa = raw.Mfa as Settings;
  const keyText = mfa.EncryptionKey as string | undefined;
  let encryptionKey: Uint8Array | undefined;
  if (keyText !== undefined) {
    const parsed = parseEncryptionKey(keyText);
    if (parsed === null)
      problems.push('Mfa.EncryptionKey: expected 32 bytes in base64 (e.g. `openssl rand -base64 32`)');
    else encryptionKey = parsed;
  } else if (context.mode === 'development' && context.refreshSecret !== undefined) {
    encryptionKey = new Uint8Array(hkdfSync('sha256', context.refreshSecret, '', 'jwtgate development MFA key', 32));
  }
  const previousEncryptionKeys: Uint8Array[] = [];
  (mfa.PreviousEncryptionKeys as string[]).forEach((text, index) => {
    const parsed = parseEncryptionKey(text);
    if (parsed === null) {
      problems.push(`Mfa.PreviousEncryptionKeys: entry ${index + 1} is not 32 bytes in base64`);
    } else if (encryptionKey !== undefined && Buffer.from(parsed).equals(Buffer.from(encryptionKey))) {
      problems.push(`Mfa.PreviousEncryptionKeys: entry ${index + 1} is the current Mfa.EncryptionKey`);
    } else {
      previousEncryptionKeys.push(parsed);
    }
  });
  const requiredForRoles = mfa.RequiredForRoles as string[];
  for (const role of requiredForRoles) {
    if (!isValidRole(role)) problems.push(`Mfa.RequiredForRoles: ${JSON.stringify(role)} is not a role name`);
  }
  if (requiredForRoles.length > 0 && encryptionKey === undefined) {
    problems.push(
      'Mfa.RequiredForRoles: needs Mfa.EncryptionKey, or its users could not set up a second factor (e.g. `openssl rand -base64 32`)',
    );
  }
  const issuer = (mfa.Issuer as string | undefined) ?? context.name;
  const passkeys = readPasskeySettings(
    raw,
    { mode: context.mode, port: context.port, issuer, factorsOn: encryptionKey !== undefined },
    problems,
    warnings,
  );
  return {
    mfa: {
      encryptionKey,
      previousEncryptionKeys,
      issuer,
      requiredForRoles,
      maxFailures: mfa.MaxFailures as number,
      failureWindow: mfa.FailureWindow as number,
      maxFailuresPerDay: mfa.MaxFailuresPerDay as number,
      passkeys,
    },
  };
}
