import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import {
  claimMappingProblems,
  GO_ZERO_USER_ID_CLAIM,
  type HmacAlgorithm,
  isHmacAlgorithm,
  type JwsAlgorithm,
} from '@jwtgate/core';
import { type Document, isPair, isScalar, parseDocument, visit } from 'yaml';
import { readBrowserSettings } from './browser-settings.js';
import type { HostPort, JwtgateConfig, RedisConfig } from './config.js';
import { ConfigError } from './config-error.js';
import { loadOrCreateDevelopmentSecrets } from './dev-secrets.js';
import { closestWord } from './did-you-mean.js';
import { envNameFor, reservedEnvNames } from './env-name.js';
import { readGatewaySettings } from './gateway-settings.js';
import { readLimitSettings } from './limit-settings.js';
import { readMailSettings } from './mail-settings.js';
import { readMfaSettings } from './mfa-settings.js';
import { readOAuthSettings } from './oauth-settings.js';
import { readOpsSettings } from './ops-settings.js';
import { readPasswordSettings } from './password-settings.js';
import { configSpec, type Field, isField, type Section } from './spec.js';

/** Where to read configuration from; every part defaults to the process's own. */
export interface LoadConfigOptions {
  /** YAML file; defaults to `JWTGATE_CONFIG`, then `./jwtgate.yaml` if it exists. */
  readonly configPath?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

type Settings = Record<string, unknown>;

/** RFC 7518 §3.2: an HMAC key at least as long as the hash output. */
const MIN_SECRET_BYTES: Readonly<Record<string, number>> = { HS256: 32, HS384: 48, HS512: 64 };

/**
 * The algorithm previous secrets verify with: the one the current secret
 * signs with, or HS256 (go-zero's, and the default) once a key file signs.
 *
 * @example
 * previousSecretAlgorithm('HS512'); // 'HS512'
 * previousSecretAlgorithm('ES256'); // 'HS256'
 */
export function previousSecretAlgorithm(accessAlgorithm: JwsAlgorithm | undefined): HmacAlgorithm {
  return accessAlgorithm !== undefined && isHmacAlgorithm(accessAlgorithm) ? accessAlgorithm : 'HS256';
}

function describeExpected(field: Field): string {
  switch (field.kind) {
    case 'string':
      return field.hint ?? (field.minLength ? `a string of at least ${field.minLength} bytes` : 'a string');
    case 'integer':
      return `an integer${field.unit ? ` (${field.unit})` : ''} from ${field.min} to ${field.max}`;
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${field.values.join(', ')}`;
    case 'list':
      return 'a list of strings (in the environment: comma-separated)';
    case 'map':
      return `a mapping of ${field.keyHint} to strings (in the environment: name=value pairs, comma-separated)`;
    case 'records':
      return `a mapping of ${field.keyHint} to mappings of settings (only in the file)`;
  }
}

/**
 * What is wrong with a value `coerce` refused. A URL of a kind jwtgate does
 * not speak (`mongodb://…`) is named as such: its scheme is no secret, even
 * where the rest of the URL is.
 */
function describeRefused(field: Field, value: unknown): string {
  if (field.kind === 'string' && field.schemes !== undefined && typeof value === 'string') {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value.trim())?.[1]?.toLowerCase();
    if (scheme !== undefined && !field.schemes.includes(scheme)) {
      return `${scheme}: URLs are not supported; expected ${describeExpected(field)}`;
    }
  }
  return `expected ${describeExpected(field)}, got ${show(field, value)}`;
}

function show(field: Field, value: unknown): string {
  if (field.secret)
    return typeof value === 'string' ? `a value of ${Buffer.byteLength(value)} bytes` : `a ${typeof value}`;
  return JSON.stringify(value) ?? String(value);
}

/** Validates a value from YAML (typed) or from the environment (text). */
function coerce(field: Field, value: unknown, fromEnv: boolean): { ok: true; value: unknown } | { ok: false } {
  switch (field.kind) {
    case 'string': {
      if (typeof value !== 'string') return { ok: false };
      if (field.minLength !== undefined && Buffer.byteLength(value) < field.minLength) return { ok: false };
      if (field.pattern !== undefined && !field.pattern.test(value)) return { ok: false };
      return { ok: true, value };
    }
    case 'integer': {
      let n: unknown = value;
      if (fromEnv) n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < field.min || n > field.max) return { ok: false };
      return { ok: true, value: n };
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { ok: true, value };
      if (fromEnv && typeof value === 'string') {
        const v = value.trim().toLowerCase();
        if (v === 'true' || v === '1') return { ok: true, value: true };
        if (v === 'false' || v === '0') return { ok: true, value: false };
      }
      return { ok: false };
    }
    case 'enum':
      return typeof value === 'string' && field.values.includes(value) ? { ok: true, value } : { ok: false };
    case 'list': {
      if (fromEnv && typeof value === 'string') {
        return {
          ok: true,
          value: value
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0),
        };
      }
      if (typeof value === 'string') return { ok: true, value: [value] };
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return { ok: true, value };
      return { ok: false };
    }
    case 'map': {
      let entries: [string, unknown][];
      if (fromEnv && typeof value === 'string') {
        const pairs = value
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0)
          .map((pair) => pair.split('='));
        if (pairs.some((pair) => pair.length !== 2)) return { ok: false };
        entries = pairs.map(([k, v]) => [(k as string).trim(), (v as string).trim()]);
      } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        entries = Object.entries(value);
      } else {
        return { ok: false };
      }
      const out: Record<string, string> = {};
      for (const [k, v] of entries) {
        if (!field.keyPattern.test(k) || typeof v !== 'string' || v.length === 0 || Object.hasOwn(out, k)) {
          return { ok: false };
        }
        out[k] = v;
      }
      return { ok: true, value: out };
    }
    case 'records': {
      // The entries' own settings are read by readSection, like any section.
      if (fromEnv || typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false };
      const names = Object.keys(value);
      if (!names.every((name) => field.keyPattern.test(name))) return { ok: false };
      return { ok: true, value };
    }
  }
}

/** `host:port`, `[v6]:port`; `null` when malformed. */
function parseHostPort(entry: string): HostPort | null {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(entry);
  if (match === null) return null;
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return null;
  const host = match[1] as string;
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port };
}

/** Resolves the `Redis` section; pushes a problem for each contradiction. */
function readRedis(redis: Settings, problems: string[]): RedisConfig | undefined {
  const url = redis.Url as string | undefined;
  const sentinelEntries = redis.Sentinels as string[];
  const clusterEntries = redis.Cluster as string[];
  const chosen = [url !== undefined, sentinelEntries.length > 0, clusterEntries.length > 0].filter(Boolean).length;
  if (chosen > 1) {
    problems.push('Redis: set only one of Redis.Url, Redis.Sentinels and Redis.Cluster');
    return undefined;
  }
  const addresses = (name: string, entries: readonly string[]): HostPort[] =>
    entries.flatMap((entry) => {
      const parsed = parseHostPort(entry);
      if (parsed === null) problems.push(`Redis.${name}: expected host:port entries, got ${JSON.stringify(entry)}`);
      return parsed === null ? [] : [parsed];
    });
  const common = {
    password: redis.Password as string | undefined,
    tls: redis.Tls as boolean,
    keyPrefix: redis.KeyPrefix as string,
    timeoutMs: redis.Timeout as number,
  };
  if (url !== undefined) return { ...common, topology: { kind: 'standalone', url } };
  if (sentinelEntries.length > 0) {
    const name = redis.SentinelName as string | undefined;
    if (name === undefined) {
      problems.push('Redis.SentinelName: required with Redis.Sentinels (the master group name, e.g. mymaster)');
      return undefined;
    }
    return { ...common, topology: { kind: 'sentinel', sentinels: addresses('Sentinels', sentinelEntries), name } };
  }
  if (clusterEntries.length > 0) {
    return { ...common, topology: { kind: 'cluster', nodes: addresses('Cluster', clusterEntries) } };
  }
  if (redis.SentinelName !== undefined) problems.push('Redis.SentinelName: only meaningful with Redis.Sentinels');
  return undefined;
}

/**
 * The claims from user fields (`Auth.Claims`, plus `userId` in go-zero mode)
 * and how new users get ids; pushes a problem naming the setting for each
 * reserved claim, unknown field or missing node id.
 */
function readIdentitySettings(
  auth: Settings,
  database: Settings,
  problems: string[],
): Pick<JwtgateConfig['auth'], 'claims' | 'goZero' | 'largeIdsAsNumbers' | 'userIdFormat' | 'nodeId'> {
  const claims: Record<string, string> = { ...(auth.Claims as Record<string, string>) };
  const goZero = auth.GoZero as boolean;
  if (goZero) {
    const mapped = claims[GO_ZERO_USER_ID_CLAIM];
    if (mapped !== undefined && mapped !== 'id') {
      problems.push(
        `Auth.Claims: "${GO_ZERO_USER_ID_CLAIM}" maps to "${mapped}", but Auth.GoZero puts the user id there; remove the entry or map it to id`,
      );
    }
    claims[GO_ZERO_USER_ID_CLAIM] = 'id';
  }
  for (const problem of claimMappingProblems(claims)) problems.push(`Auth.Claims: ${problem}`);
  const userIdFormat = auth.UserIdFormat as 'uuid' | 'int64';
  let nodeId = auth.NodeId as number | undefined;
  if (userIdFormat === 'int64' && nodeId === undefined) {
    const url = database.Url as string | undefined;
    // One SQLite file has one writer process; a shared database server may have many instances.
    if (url === undefined || url.startsWith('sqlite:')) nodeId = 0;
    else {
      problems.push(
        'Auth.NodeId: required with Auth.UserIdFormat: int64 on a shared database; give each instance its own number from 0 to 1023 (e.g. a StatefulSet ordinal)',
      );
    }
  }
  if (userIdFormat === 'uuid' && nodeId !== undefined) {
    problems.push('Auth.NodeId: only used with Auth.UserIdFormat: int64; remove it or set the format');
  }
  return {
    claims,
    goZero,
    largeIdsAsNumbers: auth.LargeIdsAsNumbers as boolean,
    userIdFormat,
    nodeId: nodeId ?? 0,
  };
}

function suggestion(key: string, known: readonly string[]): string {
  const close = closestWord(key, known);
  return close === undefined ? '' : ` (did you mean ${close}?)`;
}

/** Walks the YAML tree and the environment against the spec, collecting every problem. */
function readSection(
  spec: Section,
  yamlNode: unknown,
  path: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  source: string,
  problems: string[],
): Settings {
  const out: Settings = {};
  const where = path.length === 0 ? 'the top level' : path.join('.');
  let node: Record<string, unknown> = {};
  if (yamlNode !== undefined && yamlNode !== null) {
    if (typeof yamlNode !== 'object' || Array.isArray(yamlNode)) {
      problems.push(`${where}: expected a mapping of settings (in ${source})`);
    } else {
      node = yamlNode as Record<string, unknown>;
    }
  }
  const known = Object.keys(spec);
  for (const key of Object.keys(node)) {
    if (!Object.hasOwn(spec, key)) {
      problems.push(`${[...path, key].join('.')}: unknown setting${suggestion(key, known)} (in ${source})`);
    }
  }
  for (const key of known) {
    const child = spec[key] as Field | Section;
    const childPath = [...path, key];
    const name = childPath.join('.');
    if (!isField(child)) {
      out[key] = readSection(child, node[key], childPath, env, source, problems);
      continue;
    }
    if (child.kind === 'records') {
      out[key] = readRecords(child, node[key], childPath, env, source, problems);
      continue;
    }
    const envName = envNameFor(childPath);
    const envValue = env[envName];
    if (child.envOnly === true && node[key] !== undefined && node[key] !== null) {
      problems.push(`${name}: keep it out of the file; set ${envName} instead (in ${source})`);
    }
    let value: unknown;
    if (envValue !== undefined && envValue !== '') {
      const result = coerce(child, envValue, true);
      if (result.ok) value = result.value;
      else problems.push(`${name}: ${describeRefused(child, envValue)} (from ${envName})`);
    } else if (node[key] !== undefined && node[key] !== null && child.envOnly !== true) {
      const result = coerce(child, node[key], false);
      if (result.ok) value = result.value;
      else problems.push(`${name}: ${describeRefused(child, node[key])} (in ${source})`);
    } else if ('default' in child) {
      value = child.default;
    }
    out[key] = value;
  }
  return out;
}

/**
 * Named entries (`OAuth.Providers`): only from the file, each entry's own
 * settings read like a section, so their environment variables
 * (`JWTGATE_OAUTH_PROVIDERS_<NAME>_<SETTING>`) work for the entries the file names.
 */
function readRecords(
  field: Extract<Field, { kind: 'records' }>,
  yamlNode: unknown,
  path: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  source: string,
  problems: string[],
): Record<string, Settings> {
  const name = path.join('.');
  if (yamlNode === undefined || yamlNode === null) return {};
  const result = coerce(field, yamlNode, false);
  if (!result.ok) {
    problems.push(`${name}: ${describeRefused(field, yamlNode)} (in ${source})`);
    return {};
  }
  const out: Record<string, Settings> = {};
  for (const [entry, settings] of Object.entries(result.value as Record<string, unknown>)) {
    out[entry] = readSection(field.fields, settings, [...path, entry], env, source, problems);
  }
  return out;
}

/** Every environment variable of `spec`, with those of the entries `raw` has for named-entry settings. */
function collectEnvNames(spec: Section, path: readonly string[], into: Set<string>, raw?: Settings): void {
  for (const [key, child] of Object.entries(spec)) {
    if (isField(child) && child.kind === 'records') {
      for (const entry of Object.keys((raw?.[key] as Settings | undefined) ?? {})) {
        collectEnvNames(child.fields, [...path, key, entry], into);
      }
    } else if (isField(child)) into.add(envNameFor([...path, key]));
    else collectEnvNames(child, [...path, key], into, raw?.[key] as Settings | undefined);
  }
}

function readYaml(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read the configuration file ${path}: ${(error as Error).message}`]);
  }
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((e) => {
        const key = e.code === 'DUPLICATE_KEY' ? keyPathAt(document, e.pos[0]) : undefined;
        // Only the first line: the rest quotes the file, which may hold a secret.
        if (key === undefined) return `${path}: ${e.message.split('\n')[0]}`;
        return `${key}: set more than once; keep one (in ${path}, line ${e.linePos?.[0].line ?? '?'})`;
      }),
    );
  }
  return document.toJS();
}

/** The dotted path of the mapping key starting at `offset`, so a duplicate key error can name the setting. */
function keyPathAt(document: Document, offset: number): string | undefined {
  let found: string | undefined;
  visit(document, {
    Pair(_, pair, ancestors) {
      if (!isScalar(pair.key) || pair.key.range?.[0] !== offset) return;
      found = [...ancestors.filter(isPair), pair].map((p) => String(isScalar(p.key) ? p.key.value : p.key)).join('.');
      return visit.BREAK;
    },
  });
  return found;
}

/**
 * Reads the YAML file and the environment, validates every setting against
 * the spec and returns the configuration, or throws a {@link ConfigError}
 * listing every problem. In development mode, missing secrets are generated
 * once and kept in the data folder.
 *
 * @example
 * const config = loadConfig({ configPath: 'jwtgate.yaml' });
 */
export function loadConfig(options: LoadConfigOptions = {}): JwtgateConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const mode = env.NODE_ENV === 'production' ? 'production' : 'development';
  const explicitPath = options.configPath ?? (env.JWTGATE_CONFIG || undefined);
  const defaultPath = resolve(cwd, 'jwtgate.yaml');
  const path =
    explicitPath !== undefined ? resolve(cwd, explicitPath) : existsSync(defaultPath) ? defaultPath : undefined;
  const sources: string[] = [];
  const problems: string[] = [];

  const yaml = path === undefined ? undefined : readYaml(path);
  if (path !== undefined) sources.push(path);
  const raw = readSection(configSpec, yaml, [], env, path ?? 'the configuration', problems);

  const knownEnv = new Set<string>();
  collectEnvNames(configSpec, [], knownEnv, raw);
  for (const name of Object.keys(env)) {
    if (!name.startsWith('JWTGATE_') || reservedEnvNames.has(name)) continue;
    if (knownEnv.has(name)) sources.push(name);
    else problems.push(`${name}: unknown environment variable${suggestion(name, [...knownEnv])}`);
  }

  const auth = raw.Auth as Settings;
  const database = raw.Database as Settings;
  const server = raw.Server as Settings;
  const dataDir = resolve(cwd, raw.DataDir as string);
  const accessExpire = auth.AccessExpire as number;
  const refreshExpire = auth.RefreshExpire as number;
  const refreshAfter = (auth.RefreshAfter as number | undefined) ?? Math.max(1, Math.floor(accessExpire / 2));
  const sessionMaxAge = (auth.SessionMaxAge as number | undefined) ?? Math.max(30 * 86_400, refreshExpire);
  const keyFile = auth.KeyFile === undefined ? undefined : resolve(cwd, auth.KeyFile as string);
  const previousKeyFiles = (auth.PreviousKeyFiles as string[]).map((file) => resolve(cwd, file));
  const previousAccessSecrets = auth.PreviousAccessSecrets as string[];
  let algorithm = auth.AccessAlgorithm as JwsAlgorithm | undefined;
  if (keyFile === undefined) {
    algorithm ??= 'HS256';
    if (!isHmacAlgorithm(algorithm)) {
      problems.push(
        `Auth.AccessAlgorithm: ${algorithm} signs with a private key; set Auth.KeyFile (e.g. created by \`jwtgate keys generate --alg ${algorithm}\`) or choose HS256, HS384 or HS512`,
      );
    }
  } else {
    if (algorithm !== undefined && isHmacAlgorithm(algorithm)) {
      problems.push(
        `Auth.AccessAlgorithm: ${algorithm} signs with Auth.AccessSecret, not with Auth.KeyFile; choose RS256, PS256, ES256 or EdDSA, or leave it unset`,
      );
    }
    if (auth.AccessSecret !== undefined) {
      problems.push(
        'Auth.AccessSecret: not used when Auth.KeyFile signs; move it to Auth.PreviousAccessSecrets to keep accepting the tokens it signed, or remove it',
      );
    }
  }
  if (refreshAfter > accessExpire) problems.push('Auth.RefreshAfter: must not exceed Auth.AccessExpire');
  if (refreshExpire < accessExpire) problems.push('Auth.RefreshExpire: must be at least Auth.AccessExpire');
  if (sessionMaxAge < refreshExpire) problems.push('Auth.SessionMaxAge: must be at least Auth.RefreshExpire');
  if ((auth.Audience as string[]).length === 0) problems.push('Auth.Audience: needs at least one audience');
  const identity = readIdentitySettings(auth, database, problems);
  const browser = readBrowserSettings(raw, mode, problems);
  const ops = readOpsSettings(raw, cwd, mode, problems);
  const passwords = readPasswordSettings(raw, mode, problems);
  const warnings: string[] = [];
  const mail = readMailSettings(raw, { cwd, mode, port: raw.Port as number }, problems, warnings);
  const gateway = readGatewaySettings(raw, identity.claims, problems);
  const redis = readRedis(raw.Redis as Settings, problems);
  const revocation = raw.Revocation as Settings;
  const pollIntervalMs = revocation.PollInterval as number;
  if (pollIntervalMs > 0 && pollIntervalMs < 100) {
    problems.push('Revocation.PollInterval: 0 (off) or at least 100 milliseconds');
  }

  const limits = readLimitSettings(
    raw,
    { env, refreshAfterSec: refreshAfter, cpus: availableParallelism() },
    problems,
    warnings,
  );
  if (limits.register.concealTakenEmail) {
    // A registration that signs in at once, or whose mail cannot go, cannot hide that an address was taken.
    if (!mail.mail.enabled || mail.mail.transport === 'none') {
      problems.push(
        'Register.ConcealTakenEmail: needs mail to tell each registrant to check their mailbox; set Mail.SmtpUrl (with Mail.Enabled: true) or turn Register.ConcealTakenEmail off',
      );
    }
    if (!(auth.RequireVerifiedEmail as boolean)) {
      problems.push(
        'Register.ConcealTakenEmail: needs Auth.RequireVerifiedEmail: true, so that a new account cannot sign in before its address is proven; set it or turn Register.ConcealTakenEmail off',
      );
    }
  }
  let accessSecret = auth.AccessSecret as string | undefined;
  let refreshSecret = auth.RefreshSecret as string | undefined;
  // A key file signs instead of the access secret, which is then neither required nor generated.
  const signsWithSecret = keyFile === undefined;
  if ((signsWithSecret && accessSecret === undefined) || refreshSecret === undefined) {
    if (mode === 'production') {
      for (const [name, value] of [
        ['AccessSecret', signsWithSecret ? accessSecret : ''],
        ['RefreshSecret', refreshSecret],
      ] as const) {
        // A value that was given but refused is reported once, by what was wrong with it.
        if (value === undefined && !problems.some((problem) => problem.startsWith(`Auth.${name}:`))) {
          problems.push(
            `Auth.${name}: required in production; set ${envNameFor(['Auth', name])} to a random value of at least 32 bytes (e.g. \`openssl rand -base64 48\`)`,
          );
        }
      }
    } else if (problems.length === 0) {
      const generated = loadOrCreateDevelopmentSecrets(dataDir);
      if (signsWithSecret) accessSecret ??= generated.accessSecret;
      refreshSecret ??= generated.refreshSecret;
      warnings.push(
        `development mode: secrets ${generated.created ? 'generated in' : 'read from'} ${generated.path}; set NODE_ENV=production and explicit secrets before exposing this server`,
      );
    }
  }
  const minSecretBytes = MIN_SECRET_BYTES[algorithm ?? 'HS256'] ?? 32;
  if (signsWithSecret && accessSecret !== undefined && Buffer.byteLength(accessSecret) < minSecretBytes) {
    problems.push(`Auth.AccessSecret: ${algorithm} needs a secret of at least ${minSecretBytes} bytes`);
  }
  if (signsWithSecret && accessSecret !== undefined && accessSecret === refreshSecret) {
    problems.push('Auth.RefreshSecret: must differ from Auth.AccessSecret');
  }
  const previousAlgorithm = previousSecretAlgorithm(algorithm);
  previousAccessSecrets.forEach((secret, index) => {
    const entry = `Auth.PreviousAccessSecrets: entry ${index + 1}`;
    const min = MIN_SECRET_BYTES[previousAlgorithm] ?? 32;
    const bytes = Buffer.byteLength(secret);
    if (bytes < min) problems.push(`${entry} is ${bytes} bytes; ${previousAlgorithm} needs at least ${min}`);
    if (signsWithSecret && secret === accessSecret) problems.push(`${entry} is the current Auth.AccessSecret`);
    if (secret === refreshSecret) problems.push(`${entry} must differ from Auth.RefreshSecret`);
    if (previousAccessSecrets.indexOf(secret) !== index) problems.push(`${entry} repeats an earlier entry`);
  });
  const mfa = readMfaSettings(
    raw,
    { mode, name: raw.Name as string, port: raw.Port as number, refreshSecret },
    problems,
    warnings,
  );
  const oauth = readOAuthSettings(raw, { mode, hasSealingKey: mfa.mfa.encryptionKey !== undefined }, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    mode,
    name: raw.Name as string,
    host: raw.Host as string,
    port: raw.Port as number,
    dataDir,
    database: {
      url: (database.Url as string | undefined) ?? `sqlite:${resolve(dataDir, 'jwtgate.db')}`,
      timeoutMs: database.Timeout as number,
      poolSize: database.PoolSize as number,
    },
    redis,
    revocation: {
      strict: revocation.Strict as boolean,
      pollIntervalMs,
      maxFeedLagMs: (revocation.MaxFeedLag as number) * 1000,
    },
    auth: {
      accessSecret,
      accessAlgorithm: algorithm,
      accessKeyId: auth.AccessKeyId as string | undefined,
      previousAccessSecrets,
      keyFile,
      previousKeyFiles,
      keyReloadIntervalMs: (auth.KeyReloadInterval as number) * 1000,
      accessExpire,
      refreshAfter,
      refreshSecret: refreshSecret as string,
      refreshExpire,
      sessionMaxAge,
      refreshGrace: auth.RefreshGrace as number,
      maxSessions: auth.MaxSessions as number,
      issuer: auth.Issuer as string,
      audience: auth.Audience as string[],
      clockLeeway: auth.ClockLeeway as number,
      requireEmail: auth.RequireEmail as boolean,
      requireVerifiedEmail: auth.RequireVerifiedEmail as boolean,
      emailClaims: auth.EmailClaims as boolean,
      emailSignIn: auth.EmailSignIn as boolean,
      ...identity,
    },
    ...limits,
    gateway,
    jwks: { maxAge: (raw.Jwks as Settings).MaxAge as number },
    openApi: { enabled: (raw.OpenApi as Settings).Enabled as boolean },
    server: {
      bodyLimit: server.BodyLimit as number,
      trustProxy: server.TrustProxy as string[],
    },
    log: { level: (raw.Log as Settings).Level as JwtgateConfig['log']['level'] },
    accounts: {
      usernameQuarantine: (raw.Accounts as Settings).UsernameQuarantine as number,
      userMetadataMaxBytes: (raw.Accounts as Settings).UserMetadataMaxBytes as number,
    },
    ...browser,
    ...ops,
    ...passwords,
    ...mail,
    ...mfa,
    ...oauth,
    sources,
    warnings,
  };
}
