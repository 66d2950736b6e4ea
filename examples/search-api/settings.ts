import { createRevocationFeed, type RevocationFeed, type VerifierOptions } from '@jwtgate/middleware';
import { Redis } from 'ioredis';

/** What every search-api example reads from its environment. */
export interface Settings {
  readonly port: number;
  readonly verifier: VerifierOptions;
  /** Stops following revocations and closes Redis, if it was used. */
  close(): Promise<void>;
}

/**
 * The search-api's settings:
 * - `JWKS_URL` (the jwtgate server's `/.well-known/jwks.json`, when it signs with a key pair)
 *   or `ACCESS_SECRET` (its `Auth.AccessSecret`, shared);
 * - `JWTGATE_ISSUER` and `JWTGATE_AUDIENCE` (the server's `Auth.Issuer` and one of its `Auth.Audience`);
 * - `GO_ZERO=1` to accept go-zero tokens signed with `ACCESS_SECRET` too;
 * - `REDIS_URL` (and `REDIS_PREFIX`, `ACCESS_EXPIRE`) to follow the server's revocations;
 * - `PORT` (default 8889; 0 picks a free one).
 *
 * @example
 * const settings = await readSettings();
 */
export async function readSettings(env: NodeJS.ProcessEnv = process.env): Promise<Settings> {
  const issuer = env.JWTGATE_ISSUER ?? 'jwtgate';
  const audience = env.JWTGATE_AUDIENCE ?? 'jwtgate';
  let keys: Pick<VerifierOptions, 'jwksUrl' | 'secret' | 'algorithms' | 'goZero'>;
  if (env.JWKS_URL) {
    keys = { jwksUrl: env.JWKS_URL, algorithms: ['ES256', 'EdDSA', 'PS256', 'RS256'] };
  } else if (env.ACCESS_SECRET) {
    keys = { secret: env.ACCESS_SECRET, algorithms: ['HS256'], goZero: env.GO_ZERO === '1' };
  } else {
    throw new Error(
      "set JWKS_URL (the jwtgate server's /.well-known/jwks.json) or ACCESS_SECRET (its Auth.AccessSecret)",
    );
  }

  let revocations: RevocationFeed | undefined;
  const connections: Redis[] = [];
  if (env.REDIS_URL) {
    const subscriber = new Redis(env.REDIS_URL);
    const client = new Redis(env.REDIS_URL);
    connections.push(subscriber, client);
    revocations = createRevocationFeed({
      subscriber,
      client,
      prefix: env.REDIS_PREFIX ?? 'jwtgate:',
      // The server's Auth.AccessExpire plus its clock leeway: how long a revoked session matters.
      retentionSec: Number(env.ACCESS_EXPIRE ?? 900) + 5,
      onError: (error) => console.error(`revocations: ${error.message}`),
    });
    await revocations.ready;
  }

  return {
    port: Number(env.PORT ?? 8889),
    verifier: {
      ...keys,
      issuer,
      audience,
      ...(revocations === undefined ? {} : { revocations }),
      onError: (error) => console.error(`keys: ${error.message}`),
    },
    async close() {
      await revocations?.close();
      for (const connection of connections) connection.disconnect();
    },
  };
}
