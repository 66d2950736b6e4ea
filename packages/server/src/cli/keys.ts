import { randomBytes } from 'node:crypto';
import {
  type AsymmetricAlgorithm,
  generateJwtKey,
  isHmacAlgorithm,
  isSupportedAlgorithm,
  type JwsAlgorithm,
  type JwtKey,
} from '@jwtgate/core';
import type { JwtgateConfig } from '../config/config.js';
import {
  KEY_SET_FORMAT,
  type KeySet,
  type KeySetEntry,
  readKeySetFile,
  withoutPrivateMembers,
  writeKeySetFile,
} from '../keys/key-set-file.js';
import { loadKeyRing } from '../keys/load-key-ring.js';

/** Options of `jwtgate keys …`. */
export interface KeysCommandOptions {
  /** Loads the configuration; only called when a command needs it. */
  readonly config: () => JwtgateConfig;
  readonly file: string | undefined;
  readonly alg: string | undefined;
  readonly kid: string | undefined;
  /** Lets `--alg` differ from the algorithm of the key set's signing key. */
  readonly changeAlg?: boolean;
  readonly json: boolean;
  readonly now: number;
  readonly out: (text: string) => void;
  readonly warn: (text: string) => void;
}

/** A problem with the command line or the key file, reported with exit code 64 or 1 by `main`. */
export class KeysCommandError extends Error {}

function parseAlgorithm(value: string | undefined): JwsAlgorithm | undefined {
  if (value === undefined) return undefined;
  if (!isSupportedAlgorithm(value)) {
    throw new KeysCommandError(`--alg must be one of HS256, HS384, HS512, RS256, PS256, ES256, EdDSA; got ${value}`);
  }
  return value;
}

/** A readable, unique key id: algorithm, day of creation, random suffix (`es256-20300101-3f9a1c`). */
function newKeyId(alg: JwsAlgorithm, now: number): string {
  const day = new Date(now).toISOString().slice(0, 10).replaceAll('-', '');
  return `${alg.toLowerCase()}-${day}-${randomBytes(3).toString('hex')}`;
}

function keySetPath(options: KeysCommandOptions, command: string): string {
  const path = options.file ?? options.config().auth.keyFile;
  if (path === undefined) {
    throw new KeysCommandError(
      `keys ${command} needs a key set file: pass --file <path> or set Auth.KeyFile (HMAC secrets live in the environment; see docs/keys.md)`,
    );
  }
  return path;
}

function windowMs(config: JwtgateConfig): number {
  return (config.auth.accessExpire + config.auth.clockLeeway) * 1000;
}

function entryFor(key: JwtKey, alg: AsymmetricAlgorithm, status: 'next' | 'current', now: number): KeySetEntry {
  const jwk = key.key.export({ format: 'jwk' }) as Record<string, unknown>;
  return {
    kid: key.kid,
    alg,
    status,
    createdAt: new Date(now).toISOString(),
    jwk: { ...jwk, kid: key.kid, alg, use: 'sig' },
  };
}

function generateEntry(
  alg: JwsAlgorithm,
  kid: string | undefined,
  status: 'next' | 'current',
  now: number,
  taken: ReadonlySet<string>,
): KeySetEntry {
  if (isHmacAlgorithm(alg)) throw new KeysCommandError(`a key set holds asymmetric keys; ${alg} is an HMAC algorithm`);
  const id = kid ?? newKeyId(alg, now);
  if (taken.has(id)) throw new KeysCommandError(`the key set already has a key "${id}"`);
  let key: JwtKey;
  try {
    key = generateJwtKey(alg, { kid: id });
  } catch (error) {
    throw new KeysCommandError((error as Error).message);
  }
  return entryFor(key, alg, status, now);
}

/**
 * Refuses a new key of another algorithm than the signing key's, unless
 * `--change-alg` says it is meant: verifiers pin the algorithm (RFC 8725
 * §3.1), so such a key, once rotated in, changes every token's algorithm under
 * their feet.
 */
function keepAlgorithm(current: KeySetEntry, alg: JwsAlgorithm, options: KeysCommandOptions): void {
  if (alg === current.alg || options.changeAlg === true) return;
  throw new KeysCommandError(
    `the key set signs with ${current.alg} (key "${current.kid}"); a ${alg} key would change the algorithm of every token once rotated in, and verifiers that allow only ${current.alg} would refuse them. Pass --change-alg to do it on purpose (docs/keys.md), or leave out --alg`,
  );
}

/**
 * `jwtgate keys generate`: an HMAC secret printed for the environment, or a
 * new asymmetric key in the key set: the signing key of a new set, else the
 * `next` key, published at once and signing after `keys rotate`.
 */
function generate(options: KeysCommandOptions): void {
  const requested = parseAlgorithm(options.alg);
  if (requested !== undefined && isHmacAlgorithm(requested)) {
    const secret = generateJwtKey(requested).key.export().toString('base64url');
    options.out(`${secret}\n`);
    options.warn(
      'Put this secret in JWTGATE_AUTH_ACCESS_SECRET and move the old one to JWTGATE_AUTH_PREVIOUS_ACCESS_SECRETS (docs/keys.md).\n',
    );
    return;
  }
  const path = keySetPath(options, 'generate');
  const set = readKeySetFile(path);
  const current = set?.keys.find((key) => key.status === 'current');
  const configured = options.file === undefined ? options.config().auth.accessAlgorithm : undefined;
  const alg =
    requested ?? current?.alg ?? (configured !== undefined && !isHmacAlgorithm(configured) ? configured : 'ES256');
  if (current !== undefined) keepAlgorithm(current, alg, options);
  const waiting = set?.keys.find((key) => key.status === 'next');
  if (waiting !== undefined) {
    throw new KeysCommandError(
      `the key "${waiting.kid}" is already waiting to sign; run \`jwtgate keys rotate\` before generating another`,
    );
  }
  const taken = new Set(set?.keys.map((key) => key.kid));
  const entry = generateEntry(alg, options.kid, set === null ? 'current' : 'next', options.now, taken);
  writeKeySetFile(path, { format: KEY_SET_FORMAT, keys: [...(set?.keys ?? []), entry] });
  report(options, { action: 'generated', path, key: describe(entry) });
  if (entry.status === 'next') {
    options.warn(
      `The key ${entry.kid} is published and verifies, but does not sign yet (running instances pick it up within Auth.KeyReloadInterval, or at once on SIGHUP). Once every instance has it and Jwks.MaxAge has passed, run \`jwtgate keys rotate\`.\n`,
    );
  }
}

/**
 * `jwtgate keys rotate`: the `next` key (or a new one) starts signing; the
 * signing key becomes `previous`, keeps only its public half, and verifies
 * until its last token has expired; previous keys past that are removed.
 */
function rotate(options: KeysCommandOptions): void {
  const path = keySetPath(options, 'rotate');
  const set = readKeySetFile(path);
  if (set === null)
    throw new KeysCommandError(`there is no key set at ${path}; create one with \`jwtgate keys generate\``);
  const config = options.config();
  const { now } = options;
  const current = set.keys.find((key) => key.status === 'current') as KeySetEntry;
  let next = set.keys.find((key) => key.status === 'next');
  if (next === undefined) {
    const alg = parseAlgorithm(options.alg) ?? current.alg;
    keepAlgorithm(current, alg, options);
    next = generateEntry(alg, options.kid, 'next', now, new Set(set.keys.map((key) => key.kid)));
    options.warn(
      `No key was waiting, so ${next.kid} signs without having been published first. With several instances, or verifiers that cache the JWKS, run \`jwtgate keys generate\` first and rotate later.\n`,
    );
  } else if (Date.parse(next.createdAt) + config.jwks.maxAge * 1000 > now) {
    options.warn(
      `The key ${next.kid} was published less than Jwks.MaxAge (${config.jwks.maxAge} s) ago; verifiers with an older cached JWKS will fetch it again when they first see it.\n`,
    );
  }
  const window = windowMs(config);
  const keys: KeySetEntry[] = [];
  for (const entry of set.keys) {
    if (entry.status === 'previous' && Date.parse(entry.retiredAt as string) + window < now) continue;
    if (entry === current) {
      keys.push({
        ...entry,
        status: 'previous',
        retiredAt: new Date(now).toISOString(),
        jwk: withoutPrivateMembers(entry.jwk),
      });
    } else if (entry !== next) {
      keys.push(entry);
    }
  }
  const promoted: KeySetEntry = { ...next, status: 'current' };
  const rotated: KeySet = { format: KEY_SET_FORMAT, keys: [promoted, ...keys] };
  writeKeySetFile(path, rotated);
  report(options, {
    action: 'rotated',
    path,
    key: describe(promoted),
    retired: describe(keys.find((key) => key.kid === current.kid) as KeySetEntry, window),
  });
  options.warn(
    `Running instances reading ${path} sign with the new key within Auth.KeyReloadInterval, or at once on SIGHUP; no restart is needed.\n`,
  );
}

/**
 * `jwtgate keys remove --kid <id>`: takes a `next` or `previous` key out of
 * the set before its time, as when it may have leaked: once instances reload
 * the file, the tokens it signed no longer verify and the JWKS no longer
 * lists it. The signing key is refused: rotate first, so that something signs.
 */
function remove(options: KeysCommandOptions): void {
  const path = keySetPath(options, 'remove');
  if (options.kid === undefined) throw new KeysCommandError('keys remove needs --kid <id> (see `jwtgate keys list`)');
  const set = readKeySetFile(path);
  if (set === null) throw new KeysCommandError(`there is no key set at ${path}`);
  const entry = set.keys.find((key) => key.kid === options.kid);
  if (entry === undefined) throw new KeysCommandError(`the key set has no key "${options.kid}"`);
  if (entry.status === 'current') {
    throw new KeysCommandError(
      `the key "${entry.kid}" signs; run \`jwtgate keys rotate\` first (a new key starts signing), then remove it`,
    );
  }
  writeKeySetFile(path, { format: KEY_SET_FORMAT, keys: set.keys.filter((key) => key !== entry) });
  report(options, { action: 'removed', path, key: describe(entry) });
  options.warn(
    `Running instances reading ${path} stop verifying tokens of ${entry.kid} within Auth.KeyReloadInterval, or at once on SIGHUP. Verifiers that cache the JWKS keep it until their cache expires (Jwks.MaxAge).\n`,
  );
}

interface KeyDescription {
  readonly kid: string;
  readonly alg: string;
  readonly status: string;
  readonly createdAt?: string;
  readonly retiredAt?: string;
  /** When the key stops verifying, for keys being rotated out. */
  readonly verifiesUntil?: string;
}

function describe(entry: KeySetEntry, window?: number): KeyDescription {
  return {
    kid: entry.kid,
    alg: entry.alg,
    status: entry.status,
    createdAt: entry.createdAt,
    ...(entry.retiredAt === undefined ? {} : { retiredAt: entry.retiredAt }),
    ...(entry.retiredAt === undefined || window === undefined
      ? {}
      : { verifiesUntil: new Date(Date.parse(entry.retiredAt) + window).toISOString() }),
  };
}

function report(options: KeysCommandOptions, result: Record<string, unknown>): void {
  if (options.json) {
    options.out(`${JSON.stringify(result)}\n`);
    return;
  }
  const key = result.key as KeyDescription;
  options.out(`${result.action} ${key.alg} key ${key.kid} (${key.status}) in ${String(result.path)}\n`);
  const retired = result.retired as KeyDescription | undefined;
  if (retired !== undefined) {
    options.out(`retired ${retired.kid}: verifies until ${retired.verifiesUntil ?? 'removed'}\n`);
  }
}

/**
 * `jwtgate keys list`: the keys the server runs with, from the configuration
 * (secrets, key files, key set), or with `--file` the keys of one key set.
 * Never prints key material.
 */
function list(options: KeysCommandOptions): void {
  const config = options.config();
  const window = windowMs(config);
  let rows: KeyDescription[];
  if (options.file !== undefined) {
    const set = readKeySetFile(options.file);
    if (set === null) throw new KeysCommandError(`there is no key set at ${options.file}`);
    rows = set.keys.map((entry) => describe(entry, window));
  } else {
    const ring = loadKeyRing(config, options.now);
    const set = config.auth.keyFile === undefined ? null : safeReadKeySet(config.auth.keyFile);
    const fromSet = new Map(set?.keys.map((entry) => [entry.kid, describe(entry, window)]));
    rows = ring.verificationKeys.map((key) => {
      const known = fromSet.get(key.kid);
      if (known !== undefined) return known;
      const status = key === ring.signingKey ? 'current' : 'previous';
      const source = key.key.type === 'secret' ? 'secret' : 'key file';
      return { kid: key.kid, alg: key.alg, status: `${status} (${source})` };
    });
  }
  if (options.json) {
    options.out(`${JSON.stringify(rows)}\n`);
    return;
  }
  const header = ['KID', 'ALG', 'STATUS', 'CREATED', 'VERIFIES UNTIL'];
  const table = [
    header,
    ...rows.map((row) => [row.kid, row.alg, row.status, row.createdAt ?? '-', row.verifiesUntil ?? '-']),
  ];
  const widths = header.map((_, column) => Math.max(...table.map((cells) => (cells[column] ?? '').length)));
  for (const cells of table) {
    options.out(
      `${cells
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
}

function safeReadKeySet(path: string): KeySet | null {
  try {
    return readKeySetFile(path);
  } catch {
    // A PEM or JWK file is not a key set; its key is listed from the ring.
    return null;
  }
}

const commands = { generate, rotate, remove, list } as const;

/**
 * `jwtgate keys generate | rotate | remove | list`.
 *
 * @example
 * keysCommand('rotate', { config: () => loadConfig(), file: undefined, alg: undefined, kid: undefined, json: false, … });
 */
export function keysCommand(sub: keyof typeof commands, options: KeysCommandOptions): void {
  commands[sub](options);
}
