import { createPublicKey } from 'node:crypto';
import {
  type AsymmetricAlgorithm,
  createAsymmetricJwtKey,
  createKeyRing,
  createSecretJwtKey,
  importJwk,
  isHmacAlgorithm,
  type JwsAlgorithm,
  type JwtKey,
  type KeyRing,
} from '@jwtgate/core';
import type { JwtgateConfig } from '../config/config.js';
import { ConfigError } from '../config/config-error.js';
import { previousSecretAlgorithm } from '../config/load-config.js';
import { type KeyFilesReading, keyFileProblem, readKeyFiles } from './key-files.js';
import { keysOfSet, looksLikeKeySet, parseKeySet } from './key-set-file.js';

/** What a key file holds, told apart by its content. */
type KeyFileContent =
  | { readonly kind: 'pem'; readonly text: string }
  | { readonly kind: 'jwk'; readonly jwk: Record<string, unknown> }
  | { readonly kind: 'set'; readonly value: unknown };

function readKeyFile(reading: KeyFilesReading, path: string): KeyFileContent {
  const file = reading.files.get(path);
  if (file === undefined || 'errorCode' in file) {
    throw new Error(
      file === undefined
        ? `cannot read ${path} (not read)`
        : file.errorCode === 'ENOENT'
          ? `${path} does not exist (create a key set with \`jwtgate keys generate --file ${path}\`)`
          : keyFileProblem(path, file),
    );
  }
  const { text } = file;
  if (text.trimStart().startsWith('-----BEGIN ')) return { kind: 'pem', text };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${path} is neither PEM nor JSON`);
  }
  if (looksLikeKeySet(value)) return { kind: 'set', value };
  if (value !== null && typeof value === 'object' && 'kty' in value) {
    return { kind: 'jwk', jwk: value as Record<string, unknown> };
  }
  throw new Error(`${path} is JSON but neither a JWK nor a key set`);
}

function asymmetric(alg: JwsAlgorithm | undefined): AsymmetricAlgorithm | undefined {
  return alg === undefined || isHmacAlgorithm(alg) ? undefined : alg;
}

/** The signing key (and, for a key set, the keys around it) from `Auth.KeyFile`. */
function loadSigningKeyFile(
  config: JwtgateConfig,
  reading: KeyFilesReading,
  path: string,
  options: { now: number; windowMs: number },
): { signingKey: JwtKey; verificationKeys: JwtKey[] } {
  const content = readKeyFile(reading, path);
  const alg = asymmetric(config.auth.accessAlgorithm);
  const kid = config.auth.accessKeyId === undefined ? {} : { kid: config.auth.accessKeyId };
  switch (content.kind) {
    case 'pem':
      return {
        signingKey: createAsymmetricJwtKey({ key: content.text, ...(alg === undefined ? {} : { alg }), ...kid }),
        verificationKeys: [],
      };
    case 'jwk':
      return {
        signingKey: importJwk(content.jwk, { use: 'sign', ...(alg === undefined ? {} : { alg }), ...kid }),
        verificationKeys: [],
      };
    case 'set': {
      if (config.auth.accessKeyId !== undefined) {
        throw new Error('a key set names its own key ids; unset Auth.AccessKeyId');
      }
      const keys = keysOfSet(parseKeySet(content.value), options);
      if (alg !== undefined && keys.signingKey.alg !== alg) {
        throw new Error(`its current key is ${keys.signingKey.alg}, not ${alg}; unset Auth.AccessAlgorithm`);
      }
      return keys;
    }
  }
}

/** A key rotated out, from one of `Auth.PreviousKeyFiles`. */
function loadPreviousKeyFile(config: JwtgateConfig, reading: KeyFilesReading, path: string): JwtKey {
  const content = readKeyFile(reading, path);
  switch (content.kind) {
    case 'pem': {
      let type: string | undefined;
      try {
        type = createPublicKey(content.text).asymmetricKeyType;
      } catch {
        throw new Error(`${path} is not a PEM key`);
      }
      // An RSA key fits RS256 and PS256; the configured algorithm says which, if it is one of them.
      let alg: AsymmetricAlgorithm | undefined;
      if (type === 'rsa') {
        const configured = config.auth.accessAlgorithm;
        if (configured !== 'RS256' && configured !== 'PS256') {
          throw new Error(`${path} holds an RSA key, which fits RS256 and PS256: give it as a JWK with "alg"`);
        }
        alg = configured;
      }
      return createAsymmetricJwtKey({ key: content.text, ...(alg === undefined ? {} : { alg }) });
    }
    case 'jwk':
      return importJwk(content.jwk);
    case 'set':
      throw new Error(`${path} is a key set; a key set keeps its previous keys itself`);
  }
}

/**
 * Builds the server's key ring from the configuration: the signing key
 * (`Auth.AccessSecret` or `Auth.KeyFile`) and every key that still verifies
 * (`Auth.PreviousAccessSecrets`, `Auth.PreviousKeyFiles`, and the next and
 * previous keys of a key set). Throws a {@link ConfigError} naming the
 * setting and the file for every problem, never quoting key material.
 * The key files are read now, unless `reading` already holds them.
 *
 * @example
 * const ring = loadKeyRing(loadConfig(), Date.now());
 */
export function loadKeyRing(
  config: JwtgateConfig,
  now: number,
  reading: KeyFilesReading = readKeyFiles(config),
): KeyRing {
  const { auth } = config;
  const problems: string[] = [];
  const windowMs = (auth.accessExpire + auth.clockLeeway) * 1000;
  let signingKey: JwtKey | undefined;
  const verificationKeys: JwtKey[] = [];
  const attempt = (setting: string, run: () => void) => {
    try {
      run();
    } catch (error) {
      problems.push(`${setting}: ${(error as Error).message}`);
    }
  };

  if (auth.keyFile === undefined) {
    attempt('Auth.AccessSecret', () => {
      if (auth.accessSecret === undefined) throw new Error('required without Auth.KeyFile');
      signingKey = createSecretJwtKey({
        secret: auth.accessSecret,
        alg: auth.accessAlgorithm ?? 'HS256',
        ...(auth.accessKeyId === undefined ? {} : { kid: auth.accessKeyId }),
      });
    });
  } else {
    const path = auth.keyFile;
    attempt('Auth.KeyFile', () => {
      try {
        const loaded = loadSigningKeyFile(config, reading, path, { now, windowMs });
        signingKey = loaded.signingKey;
        verificationKeys.push(...loaded.verificationKeys);
      } catch (error) {
        const message = (error as Error).message;
        throw new Error(message.includes(path) ? message : `${path}: ${message}`);
      }
    });
  }
  const previousAlg = previousSecretAlgorithm(auth.accessAlgorithm);
  auth.previousAccessSecrets.forEach((secret, index) => {
    attempt(`Auth.PreviousAccessSecrets (entry ${index + 1})`, () => {
      verificationKeys.push(createSecretJwtKey({ secret, alg: previousAlg }));
    });
  });
  for (const path of auth.previousKeyFiles) {
    attempt('Auth.PreviousKeyFiles', () => {
      try {
        verificationKeys.push(loadPreviousKeyFile(config, reading, path));
      } catch (error) {
        const message = (error as Error).message;
        throw new Error(message.includes(path) ? message : `${path}: ${message}`);
      }
    });
  }
  let ring: KeyRing | undefined;
  if (signingKey !== undefined && problems.length === 0) {
    const key = signingKey;
    attempt('the key ring', () => {
      ring = createKeyRing({ signingKey: key, verificationKeys });
    });
  }
  if (ring === undefined || problems.length > 0) throw new ConfigError(problems);
  return ring;
}
