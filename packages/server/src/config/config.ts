import type { EmailTokenPurpose, JwsAlgorithm } from '@jwtgate/core';

/** A `host:port` pair from `Redis.Sentinels` or `Redis.Cluster`. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** How to reach Redis: one of the three deployments it supports. */
export type RedisTopology =
  | { readonly kind: 'standalone'; readonly url: string }
  | { readonly kind: 'sentinel'; readonly sentinels: readonly HostPort[]; readonly name: string }
  | { readonly kind: 'cluster'; readonly nodes: readonly HostPort[] };

/** The `Redis` section, resolved. */
export interface RedisConfig {
  readonly topology: RedisTopology;
  readonly password: string | undefined;
  readonly tls: boolean;
  readonly keyPrefix: string;
  readonly timeoutMs: number;
}

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
    readonly poolSize: number;
  };
  /** Where sessions live when set; `undefined` keeps them in the database. */
  readonly redis: RedisConfig | undefined;
  readonly revocation: {
    readonly strict: boolean;
    /** SQL sessions only: 0 is off. */
    readonly pollIntervalMs: number;
    /** Redis only: how long `/readyz` stays ready while the feed is down and Redis does not answer. */
    readonly maxFeedLagMs: number;
  };
  readonly auth: {
    /** Signs when there is no `keyFile` (generated in development mode); `undefined` when a key file signs. */
    readonly accessSecret: string | undefined;
    /** `undefined` only with a `keyFile`, whose key then decides. */
    readonly accessAlgorithm: JwsAlgorithm | undefined;
    readonly accessKeyId: string | undefined;
    /** Secrets rotated out, still verifying. */
    readonly previousAccessSecrets: readonly string[];
    /** Absolute path of the signing key (PEM, JWK or key set), or `undefined` to sign with `accessSecret`. */
    readonly keyFile: string | undefined;
    /** Absolute paths of keys rotated out, still verifying. */
    readonly previousKeyFiles: readonly string[];
    /** How often the key files are checked for changes, in milliseconds; 0: only on SIGHUP. */
    readonly keyReloadIntervalMs: number;
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
    readonly requireEmail: boolean;
    readonly requireVerifiedEmail: boolean;
    /** Put `email` and `email_verified` into access tokens. */
    readonly emailClaims: boolean;
    /** `POST /auth/email/sign-in` and its verification. */
    readonly emailSignIn: boolean;
    /** Claim name → user field (`Auth.Claims`, with `userId: id` in go-zero mode), validated. */
    readonly claims: Readonly<Record<string, string>>;
    /** go-zero mode: tokens a go-zero user-api signed with the access secrets are accepted too. */
    readonly goZero: boolean;
    /** Numeric ids beyond 2^53 as exact JSON integers in id claims, not strings. */
    readonly largeIdsAsNumbers: boolean;
    readonly userIdFormat: 'uuid' | 'int64';
    /** This instance's node in int64 user ids (0 when unused). */
    readonly nodeId: number;
  };
  readonly login: {
    readonly maxFailures: number;
    readonly maxFailuresPerIp: number;
    readonly failureWindow: number;
    readonly maxFailuresPerAccount: number;
    readonly lockDuration: number;
    readonly maxLockDuration: number;
    readonly knownNetworkWindow: number;
  };
  readonly refresh: {
    readonly maxFailuresPerIp: number;
    readonly failureWindow: number;
    readonly maxPerSession: number;
    readonly sessionWindow: number;
  };
  readonly hashing: {
    readonly maxConcurrent: number;
    readonly maxQueue: number;
  };
  readonly register: {
    /** Self-registration is open (`Register.Enabled`). */
    readonly enabled: boolean;
    readonly invitationTtl: number;
    readonly maxPerIp: number;
    readonly window: number;
    /** `Register.ConcealTakenEmail`: a taken address is answered like a new one, and its holder mailed. */
    readonly concealTakenEmail: boolean;
  };
  /** Account deletion and metadata. */
  readonly accounts: {
    /** Seconds a deleted account's username stays taken. */
    readonly usernameQuarantine: number;
    readonly userMetadataMaxBytes: number;
  };
  /** What new passwords are checked against (`Passwords`). */
  readonly passwords: {
    readonly rejectCommon: boolean;
    /**
     * The service's words no new password may be made of: `Name`, `Mfa.Issuer`,
     * `Mfa.RpName`, `Passwords.ContextWords` and the lines of `Passwords.ContextWordsFile`.
     */
    readonly contextWords: readonly string[];
    /** Have I Been Pwned's range API; `undefined` when `Passwords.BreachCheck.Enabled` is off. */
    readonly breachCheck:
      | {
          /** Ends with `/` or not: the prefix is appended as is. */
          readonly rangeUrl: string;
          readonly timeoutMs: number;
          readonly whenUnavailable: 'accept' | 'refuse';
        }
      | undefined;
  };
  /** Forward authentication (`GET /auth/verify`): the identity headers, lower case. */
  readonly gateway: {
    readonly userIdHeader: string;
    readonly sessionIdHeader: string;
    readonly roleHeader: string;
    /** Claim name → header, lower case: every `Auth.Claims` claim, and those `Gateway.ClaimHeaders` adds. */
    readonly claimHeaders: Readonly<Record<string, string>>;
    /** Client id → SHA-256 of its secret (32 bytes), for introspection and the revocation feed. */
    readonly clients: ReadonlyMap<string, Buffer>;
    /** Base of the URLs in the RFC 8414 metadata, without a trailing `/`; `undefined`: from each request. */
    readonly publicUrl: string | undefined;
  };
  readonly jwks: {
    /** `Cache-Control: max-age` of the JWKS, in seconds. */
    readonly maxAge: number;
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
  /** `GET /openapi.json` and `GET /docs`. */
  readonly openApi: {
    readonly enabled: boolean;
  };
  /** Prometheus metrics, on a listener of their own. */
  readonly metrics: {
    readonly enabled: boolean;
    readonly host: string;
    readonly port: number;
  };
  /** Mail: the routes that send it, how it is sent, the secrets it carries. */
  readonly mail: {
    readonly enabled: boolean;
    readonly smtpUrl: string | undefined;
    /** `smtp` with `smtpUrl`; without, `log` in development and `none` (503) in production. */
    readonly transport: 'smtp' | 'log' | 'none';
    readonly from: string;
    /** `Web.PublicUrl` without a trailing slash: where links in mails point. */
    readonly publicUrl: string;
    readonly templateDir: string | undefined;
    readonly ttlSec: Readonly<Record<EmailTokenPurpose, number>>;
    readonly maxPerAddress: number;
    readonly maxPerIp: number;
    readonly window: number;
    readonly maxAttempts: number;
    readonly retentionDays: number;
    /** `Mail.SecurityNotices`: mail the verified address after each change to how the account signs in. */
    readonly securityNotices: boolean;
  };
  /** Second factors. */
  readonly mfa: {
    /** Seals new authenticator-app secrets; `undefined`: second factors are off. */
    readonly encryptionKey: Uint8Array | undefined;
    /** Keys rotated out, still opening what they sealed. */
    readonly previousEncryptionKeys: readonly Uint8Array[];
    /** The service name in authenticator apps. */
    readonly issuer: string;
    readonly requiredForRoles: readonly string[];
    readonly maxFailures: number;
    readonly failureWindow: number;
    readonly maxFailuresPerDay: number;
    /** The WebAuthn relying party; `undefined`: passkeys are off. */
    readonly passkeys: PasskeySettings | undefined;
  };
  /** Sign-in with identity providers (`OAuth`). */
  readonly oauth: {
    readonly autoLinkVerifiedEmail: boolean;
    readonly storeProviderTokens: boolean;
    readonly flowExpireSec: number;
    readonly timeoutMs: number;
    /** `OAuth.BackChannelLogoutsPerMinute`, per provider and network; 0: no limit. */
    readonly backChannelLogoutsPerMinute: number;
    /** `OAuth.FrontChannelLogoutsPerMinute`, per provider and network; 0: no limit. */
    readonly frontChannelLogoutsPerMinute: number;
    readonly providers: readonly OAuthProviderConfig[];
  };
  /** Where audit records go. */
  readonly audit: {
    readonly log: boolean;
    /** Absolute path of the audit file, or `undefined` for none. */
    readonly file: string | undefined;
    /** Keep records in the SQL database too. */
    readonly database: boolean;
    readonly retentionDays: number;
  };
  /** Where alerting audit records are posted. */
  readonly alerts: {
    readonly webhookUrl: string | undefined;
    readonly webhookSecret: string | undefined;
    /** `Alerts.QueueSize`: alerts waiting at most. */
    readonly queueSize: number;
    /** `Alerts.AggregationWindow`, in seconds. */
    readonly aggregationWindowSec: number;
  };
  readonly log: {
    readonly level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  };
  /** Where the configuration came from, for the start-up log line. */
  readonly sources: readonly string[];
  /** Things an operator should know about (development mode, generated secrets). */
  readonly warnings: readonly string[];
}

/** What every identity provider has. */
interface OAuthProviderBase {
  /** The name in `OAuth.Providers`, in the routes' URLs. */
  readonly name: string;
  readonly displayName: string;
  readonly clientId: string;
  /** `undefined` exactly when `tokenAuthMethod` is `none`. */
  readonly clientSecret: string | undefined;
  readonly tokenAuthMethod: 'client_secret_basic' | 'client_secret_post' | 'none';
  readonly scopes: readonly string[];
}

/** An identity provider from `OAuth.Providers`. */
export type OAuthProviderConfig =
  | (OAuthProviderBase & {
      readonly kind: 'oidc';
      readonly issuer: string;
      /** `Logout`: end the user's session at the provider too (RP-Initiated Logout), when it announces `end_session_endpoint`. */
      readonly logout: boolean;
      /** `BackChannelLogout`: the provider may end jwtgate sessions begun there with signed logout tokens. */
      readonly backChannelLogout: boolean;
      /** `FrontChannelLogout`: the provider may end jwtgate sessions begun there through the browser, by `iss` and `sid`. */
      readonly frontChannelLogout: boolean;
    })
  | (OAuthProviderBase & {
      readonly kind: 'oauth2';
      readonly authorizationUrl: string;
      readonly tokenUrl: string;
      readonly userInfoUrl: string;
      /** User-info field names of the subject, address, its verification and a name. */
      readonly fields: {
        readonly subject: string;
        readonly email: string;
        readonly emailVerified: string | undefined;
        readonly name: string;
      };
      /** Treat the address as verified when no `emailVerified` field is mapped. */
      readonly emailVerified: boolean;
    });

/** Who passkeys are made for: the WebAuthn relying party. */
export interface PasskeySettings {
  /** `Mfa.RpId`: the domain every passkey is bound to. */
  readonly rpId: string;
  /** `Mfa.RpName`: the name browsers show. */
  readonly rpName: string;
  /** `Mfa.RpOrigins`: the exact origins an authenticator's answer may come from. */
  readonly origins: readonly string[];
}
