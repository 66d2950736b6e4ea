import type { JwsAlgorithm } from '@jwtgate/core';

/** The resolved configuration the server runs with. Durations in seconds unless named otherwise. */
export interface JwtgateConfig {
  /** `production` when `NODE_ENV=production`; development mode generates missing secrets. */
  readonly mode: 'development' | 'production';
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly database: {
    readonly url: string;
    readonly timeoutMs: number;
  };
  readonly auth: {
    readonly accessSecret: string;
    readonly accessAlgorithm: JwsAlgorithm;
    readonly accessKeyId: string | undefined;
    readonly accessExpire: number;
    readonly refreshAfter: number;
    readonly refreshSecret: string;
    readonly refreshExpire: number;
    readonly sessionMaxAge: number;
    readonly refreshGrace: number;
    readonly maxSessions: number;
    readonly issuer: string;
    readonly audience: readonly string[];
    readonly clockLeeway: number;
  };
  readonly server: {
    readonly bodyLimit: number;
    readonly trustProxy: readonly string[];
  };
  /** Browser sessions: the refresh cookie, CORS and the web page. */
  readonly cookie: {
    readonly mode: 'opt-in' | 'off';
    readonly name: string;
    readonly path: '/auth' | '/';
    readonly sameSite: 'Strict' | 'Lax';
    readonly secure: boolean;
  };
  readonly cors: {
    /** Serialised origins (`https://app.example.com`), normalised. */
    readonly allowedOrigins: readonly string[];
  };
  readonly web: {
    readonly enabled: boolean;
  };
  readonly log: {
    readonly level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  };
  /** Where the configuration came from, for the start-up log line. */
  readonly sources: readonly string[];
  /** Things an operator should know about (development mode, generated secrets). */
  readonly warnings: readonly string[];
}
