import { type Clock, importJwk, isHmacAlgorithm, type JwsAlgorithm, type JwtKey } from '@jwtgate/core';

/** Tuning of the JWKS cache; every value has a sensible default. */
export interface JwksOptions {
  /** How long fetched keys count as fresh; after that they are refreshed in the background. Default 5 minutes. */
  readonly maxAgeMs?: number;
  /** Least time between two fetches caused by tokens naming an unknown key. Default 30 seconds. */
  readonly cooldownMs?: number;
  /** One fetch gives up after this long. Default 5 seconds. */
  readonly timeoutMs?: number;
  /** Largest JWKS accepted, in bytes. Default 256 kB. */
  readonly maxBytes?: number;
  /**
   * Allows a plain `http:` URL to a host other than loopback. Anyone on the
   * path could then hand out keys that forge tokens: only for a trusted network.
   */
  readonly allowInsecureHttp?: boolean;
  /** The `fetch` to use; defaults to the global one. */
  readonly fetch?: typeof fetch;
}

/** The keys of a remote JWK Set, cached. */
export interface JwksKeySource {
  /** The keys of the last successful fetch, or `null` before the first one. */
  keys(): readonly JwtKey[] | null;
  /**
   * Fetches the set unless a fetch is already running (then shares it) or
   * the rate limit forbids one now. Never rejects; resolves to whether the
   * keys changed. A failed fetch keeps the keys already known.
   */
  refresh(trigger: 'initial' | 'unknown-key' | 'stale'): Promise<boolean>;
  /** Whether the keys are older than `maxAgeMs`. */
  isStale(): boolean;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Checks a JWKS URL at construction: `https:`, or `http:` to loopback only
 * (unless explicitly allowed), no credentials in it.
 *
 * @example
 * parseJwksUrl('https://auth.example.com/.well-known/jwks.json', {});
 */
export function parseJwksUrl(input: string | URL, options: Pick<JwksOptions, 'allowInsecureHttp'>): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new TypeError('jwksUrl is not a URL');
  }
  if (url.username !== '' || url.password !== '') throw new TypeError('jwksUrl must not contain credentials');
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && (LOOPBACK.has(url.hostname) || options.allowInsecureHttp === true)) return url;
  throw new TypeError(
    `jwksUrl must be https (http is accepted for localhost only, or with jwks.allowInsecureHttp); got ${url.protocol}//${url.host}`,
  );
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw new Error(`the JWKS is larger than ${maxBytes} bytes`);
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new Error(`the JWKS is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The usable keys of a JWK Set document: asymmetric keys for signatures
 * whose algorithm is allowed, imported public half only, first of each kid.
 * Symmetric (`oct`) keys are never taken from a key set, whatever they claim.
 */
function keysOf(document: unknown, algorithms: ReadonlySet<JwsAlgorithm>): { keys: JwtKey[]; skipped: number } {
  if (document === null || typeof document !== 'object' || !Array.isArray((document as { keys?: unknown }).keys)) {
    throw new Error('the response is not a JWK Set (no "keys" list)');
  }
  const keys: JwtKey[] = [];
  const kids = new Set<string>();
  let skipped = 0;
  for (const jwk of (document as { keys: unknown[] }).keys) {
    let key: JwtKey;
    try {
      key = importJwk(jwk);
    } catch {
      skipped++;
      continue;
    }
    if (!algorithms.has(key.alg) || isHmacAlgorithm(key.alg) || kids.has(key.kid)) {
      skipped++;
      continue;
    }
    kids.add(key.kid);
    keys.push(key);
  }
  return { keys, skipped };
}

/**
 * Whether two key lists are the same keys: id, algorithm and key material.
 * The material counts too, or a key replaced under the same `kid` (a
 * compromised key regenerated under its old name) would never be picked up:
 * the old key would go on verifying and the new one's tokens be refused.
 */
function sameKeys(a: readonly JwtKey[], b: readonly JwtKey[]): boolean {
  return (
    a.length === b.length &&
    a.every((key, i) => {
      const other = b[i];
      return other !== undefined && key.kid === other.kid && key.alg === other.alg && key.key.equals(other.key);
    })
  );
}

/**
 * A cached JWK Set: fetched with `fetch` on first use, refreshed in the
 * background once older than `maxAgeMs`, fetched again when a token names a
 * key it does not know (at most once per `cooldownMs`, so a flood of made-up
 * key ids cannot turn into a flood of requests to the issuer). While the
 * issuer is unreachable, the keys already fetched keep verifying; failed
 * fetches are retried with a backoff of 1 s doubling up to `cooldownMs`.
 *
 * @example
 * const source = createJwksKeySource(new URL('https://auth.example.com/.well-known/jwks.json'), {
 *   algorithms: new Set(['ES256']), clock: systemClock, options: {}, onError: console.warn,
 * });
 */
export function createJwksKeySource(
  url: URL,
  context: {
    readonly algorithms: ReadonlySet<JwsAlgorithm>;
    readonly clock: Clock;
    readonly options: JwksOptions;
    readonly onError: (error: Error) => void;
  },
): JwksKeySource {
  const { clock, options } = context;
  const maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBytes = options.maxBytes ?? 256 * 1024;
  const fetchImpl = options.fetch ?? fetch;
  for (const [name, value] of Object.entries({ maxAgeMs, cooldownMs, timeoutMs, maxBytes })) {
    if (!Number.isFinite(value) || value < 0) throw new TypeError(`jwks.${name} must be a number >= 0`);
  }

  let keys: readonly JwtKey[] | null = null;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let lastAttemptAt = Number.NEGATIVE_INFINITY;
  let failures = 0;
  let inFlight: Promise<boolean> | null = null;

  async function fetchKeys(): Promise<boolean> {
    lastAttemptAt = clock.now();
    try {
      const response = await fetchImpl(url, {
        headers: { accept: 'application/jwk-set+json, application/json' },
        // The keys come from exactly the configured URL, never from wherever a redirect points.
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new Error(`the JWKS answered ${response.status}`);
      }
      let document: unknown;
      try {
        document = JSON.parse(await readLimited(response, maxBytes));
      } catch (error) {
        throw error instanceof SyntaxError ? new Error('the JWKS is not JSON') : error;
      }
      const result = keysOf(document, context.algorithms);
      if (result.skipped > 0) {
        context.onError(new Error(`ignored ${result.skipped} key(s) of ${url.href} that are not usable here`));
      }
      const changed = keys === null || !sameKeys(keys, result.keys);
      // A successful fetch replaces the set: a key the issuer no longer publishes stops verifying.
      if (changed) keys = result.keys;
      fetchedAt = clock.now();
      failures = 0;
      return changed;
    } catch (error) {
      failures++;
      const reason = error instanceof Error ? error.message : String(error);
      context.onError(new Error(`fetching the JWKS from ${url.href} failed: ${reason}`, { cause: error }));
      return false;
    }
  }

  function allowedNow(trigger: 'initial' | 'unknown-key' | 'stale'): boolean {
    const since = clock.now() - lastAttemptAt;
    if (failures > 0) return since >= Math.min(cooldownMs, 1000 * 2 ** (failures - 1));
    if (trigger === 'unknown-key') return since >= cooldownMs;
    return true;
  }

  return {
    keys: () => keys,
    refresh(trigger) {
      if (inFlight !== null) return inFlight;
      if (!allowedNow(trigger)) return Promise.resolve(false);
      inFlight = fetchKeys().finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
    isStale: () => clock.now() - fetchedAt >= maxAgeMs,
  };
}
