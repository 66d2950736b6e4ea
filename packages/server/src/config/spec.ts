/**
 * Every setting jwtgate reads, with its type, default and bounds. This table
 * drives validation, environment overrides and `docs/configuration.md`;
 * a setting that is not here does not exist.
 */

interface BaseField {
  readonly description: string;
  /** Secrets are never echoed back in error messages. */
  readonly secret?: boolean;
  /** Read from the environment only: a value in the file is refused, so the secret never sits in it. */
  readonly envOnly?: boolean;
}

export type Field =
  | (BaseField & {
      readonly kind: 'string';
      readonly default?: string;
      readonly minLength?: number;
      readonly pattern?: RegExp;
      readonly hint?: string;
      /** For a URL: the schemes it may have, so that another one is named as unsupported. */
      readonly schemes?: readonly string[];
    })
  | (BaseField & {
      readonly kind: 'integer';
      readonly default?: number;
      readonly min: number;
      readonly max: number;
      readonly unit?: string;
    })
  | (BaseField & { readonly kind: 'boolean'; readonly default: boolean })
  | (BaseField & { readonly kind: 'enum'; readonly values: readonly string[]; readonly default?: string })
  | (BaseField & { readonly kind: 'list'; readonly default: readonly string[] })
  | (BaseField & {
      readonly kind: 'map';
      readonly default: Readonly<Record<string, string>>;
      /** What each key must look like. */
      readonly keyPattern: RegExp;
      readonly keyHint: string;
    })
  | (BaseField & {
      /** Named entries, each a section of its own settings (`OAuth.Providers.<name>.ClientId`). */
      readonly kind: 'records';
      readonly keyPattern: RegExp;
      readonly keyHint: string;
      readonly fields: Section;
    });

export interface Section {
  readonly [key: string]: Field | Section;
}

export function isField(node: Field | Section): node is Field {
  return typeof (node as Field).kind === 'string' && typeof (node as Field).description === 'string';
}

const DAY = 86_400;

export const configSpec = {
  Name: { kind: 'string', default: 'jwtgate', description: 'Service name; used as the bearer realm and in logs.' },
  Host: {
    kind: 'string',
    default: '127.0.0.1',
    description: 'Address to listen on; `0.0.0.0` to accept connections from other hosts.',
  },
  Port: {
    kind: 'integer',
    default: 8888,
    min: 0,
    max: 65_535,
    description: 'TCP port to listen on (0 picks a free one).',
  },
  DataDir: {
    kind: 'string',
    default: './data',
    description: 'Folder for the embedded SQLite database and, in development mode, the generated secrets.',
  },
  Database: {
    Url: {
      kind: 'string',
      // URLs of database servers usually carry a password: never echoed.
      secret: true,
      pattern: /^(sqlite:.+|(postgres|postgresql|mysql|mariadb):\/\/.+)$/,
      schemes: ['sqlite', 'postgres', 'postgresql', 'mysql', 'mariadb'],
      hint: 'a URL such as sqlite:./data/jwtgate.db, postgres://user:password@host:5432/jwtgate or mysql://user:password@host:3306/jwtgate',
      description:
        'Where users are stored, and sessions when Redis is not configured: `sqlite:<path>`, `postgres://…` or `mysql://…` (MariaDB too). Defaults to `sqlite:<DataDir>/jwtgate.db`.',
    },
    Timeout: {
      kind: 'integer',
      default: 1000,
      min: 50,
      max: 60_000,
      unit: 'milliseconds',
      description:
        'Bound on every database call (connecting, waiting for a pooled connection, each statement); past it a request answers 503 `ERR_STORE_UNAVAILABLE`.',
    },
    PoolSize: {
      kind: 'integer',
      default: 10,
      min: 1,
      max: 1000,
      description: 'Connections each instance keeps to PostgreSQL or MySQL.',
    },
  },
  Redis: {
    Url: {
      kind: 'string',
      secret: true,
      pattern: /^rediss?:\/\/.+/,
      schemes: ['redis', 'rediss'],
      hint: 'a URL such as redis://:password@host:6379/0 or rediss://host:6380',
      description:
        'A standalone Redis. With `Url`, `Sentinels` or `Cluster` set, sessions live in Redis and revocations reach every instance through it at once.',
    },
    Sentinels: {
      kind: 'list',
      default: [],
      description: 'Addresses (`host:port`) of the Sentinels of a replicated Redis; with `SentinelName`.',
    },
    SentinelName: {
      kind: 'string',
      pattern: /^[A-Za-z0-9._-]{1,128}$/,
      hint: '1-128 characters of A-Z a-z 0-9 . _ -',
      description: 'The master group name the Sentinels monitor.',
    },
    Cluster: {
      kind: 'list',
      default: [],
      description: 'Addresses (`host:port`) of some nodes of a Redis Cluster; the rest are discovered.',
    },
    Password: {
      kind: 'string',
      secret: true,
      description: 'Password of the Redis servers, for Sentinel and Cluster (a standalone `Url` can carry its own).',
    },
    Tls: {
      kind: 'boolean',
      default: false,
      description: 'Connect to Sentinel or Cluster nodes over TLS (a standalone Redis uses `rediss://`).',
    },
    KeyPrefix: {
      kind: 'string',
      default: 'jwtgate:',
      pattern: /^[A-Za-z0-9._:-]{1,64}$/,
      hint: '1-64 characters of A-Z a-z 0-9 . _ : -',
      description:
        'Prefix of every key and of the revocation channel. Instances that share sessions share it; two deployments on one Redis must not.',
    },
    Timeout: {
      kind: 'integer',
      default: 1000,
      min: 50,
      max: 60_000,
      unit: 'milliseconds',
      description:
        'Bound on connecting to Redis and on every command; past it a request answers 503 `ERR_STORE_UNAVAILABLE`.',
    },
  },
  Revocation: {
    Strict: {
      kind: 'boolean',
      default: false,
      description:
        'Also ask the session store on every authenticated request whether the session still stands (one round trip each). Off, a revocation reaches other instances through Redis (at once) or polling (`PollInterval`).',
    },
    PollInterval: {
      kind: 'integer',
      default: 1000,
      min: 0,
      max: 600_000,
      unit: 'milliseconds',
      description:
        'Without Redis: how often each instance reads new revocations from the database, the longest a logout takes to reach the other instances. 0 turns polling off (a single instance).',
    },
    MaxFeedLag: {
      kind: 'integer',
      default: 30,
      min: 0,
      max: 86_400,
      unit: 'seconds',
      description:
        'With Redis: how long `/readyz` stays ready while the revocation feed is down because Redis does not answer this instance. A Redis outage stops revocations everywhere, so the fleet keeps verifying tokens through a restart or failover; an instance cut off alone could miss revocations made elsewhere, so this bounds how long. 0: not ready as soon as the feed is down. An instance whose feed is behind while Redis answers it is never ready. Without Redis, the same bound applies to polling: once the reads of revocations from the database by this instance have failed for longer, it is not ready.',
    },
  },
  Auth: {
    AccessSecret: {
      kind: 'string',
      secret: true,
      minLength: 32,
      description: 'HMAC secret that signs access tokens (at least 32 bytes). Required in production.',
    },
    AccessAlgorithm: {
      kind: 'enum',
      values: ['HS256', 'HS384', 'HS512', 'RS256', 'PS256', 'ES256', 'EdDSA'],
      description:
        "Signing algorithm of access tokens. With `AccessSecret`: HS256 (the default), HS384 (48-byte secret) or HS512 (64-byte secret). With `KeyFile`: the key's own algorithm by default; say RS256 or PS256 for an RSA key in PEM form.",
    },
    AccessKeyId: {
      kind: 'string',
      pattern: /^[A-Za-z0-9._-]{1,128}$/,
      hint: '1-128 characters of A-Z a-z 0-9 . _ -',
      description: 'The `kid` put in token headers. Defaults to an id derived one-way from the secret.',
    },
    AccessExpire: {
      kind: 'integer',
      default: 900,
      min: 1,
      max: DAY,
      unit: 'seconds',
      description: 'Access token lifetime.',
    },
    RefreshAfter: {
      kind: 'integer',
      min: 1,
      max: DAY,
      unit: 'seconds',
      description: 'When clients should refresh, counted from issuance. Defaults to half of `AccessExpire`.',
    },
    RefreshSecret: {
      kind: 'string',
      secret: true,
      minLength: 32,
      description:
        'Secret that authenticates refresh tokens and derives their successors (at least 32 bytes, different from `AccessSecret`). Required in production.',
    },
    RefreshExpire: {
      kind: 'integer',
      default: 7 * DAY,
      min: 60,
      max: 365 * DAY,
      unit: 'seconds',
      description: 'How long a refresh token stays valid if unused; each rotation issues a new one.',
    },
    SessionMaxAge: {
      kind: 'integer',
      min: 60,
      max: 3 * 365 * DAY,
      unit: 'seconds',
      description:
        'Absolute session lifetime from login, which rotation never extends. Defaults to 30 days or `RefreshExpire`, whichever is longer.',
    },
    RefreshGrace: {
      kind: 'integer',
      default: 10,
      min: 0,
      max: 300,
      unit: 'seconds',
      description:
        'How long a just-used refresh token may be presented again for the same successor (concurrent tabs). 0 disables.',
    },
    MaxSessions: {
      kind: 'integer',
      default: 0,
      min: 0,
      max: 10_000,
      description:
        'Active sessions per user; 0 is unlimited, 1 is single-device login (a new login ends the older session).',
    },
    Issuer: {
      kind: 'string',
      default: 'jwtgate',
      description: 'The `iss` claim of access tokens, checked on verification.',
    },
    Audience: {
      kind: 'list',
      default: ['jwtgate'],
      description: 'The `aud` claim of access tokens, checked on verification.',
    },
    ClockLeeway: {
      kind: 'integer',
      default: 5,
      min: 0,
      max: 300,
      unit: 'seconds',
      description: 'Clock skew tolerated on `exp`, `nbf` and `iat`.',
    },
    PreviousAccessSecrets: {
      kind: 'list',
      secret: true,
      default: [],
      description:
        "HMAC secrets rotated out (go-zero's `PrevSecret`, several allowed): tokens they signed still verify, with `AccessAlgorithm` (HS256 when signing with `KeyFile`). Remove each once `AccessExpire` + `ClockLeeway` has passed since it stopped signing. See docs/keys.md.",
    },
    KeyFile: {
      kind: 'string',
      description:
        'Signs access tokens with a private key instead of `AccessSecret`: a PEM file, a JWK file, or a key set kept by `jwtgate keys` (which rotates it). Relative to the working directory. Its public keys are served at `/.well-known/jwks.json`.',
    },
    PreviousKeyFiles: {
      kind: 'list',
      default: [],
      description:
        'PEM or JWK files of asymmetric keys rotated out (the public half is enough): tokens they signed still verify, and they stay in the JWKS. Remove each once `AccessExpire` + `ClockLeeway` has passed.',
    },
    KeyReloadInterval: {
      kind: 'integer',
      default: 10,
      min: 0,
      max: 3600,
      unit: 'seconds',
      description:
        'How often each instance reads `KeyFile` and `PreviousKeyFiles` again and, when their contents changed, swaps in the new keys without a restart (signing, verifying and the JWKS at once); SIGHUP does it at once. It is the longest a key removed from the files keeps verifying on an instance nobody signalled. 0: only on SIGHUP. Secrets (`AccessSecret`, `PreviousAccessSecrets`) change only with a restart. See docs/keys.md.',
    },
    RequireEmail: {
      kind: 'boolean',
      default: false,
      description:
        'Registration needs an email address (400 `ERR_EMAIL_REQUIRED` without one), and so does a first sign-in through an identity provider: its account is made only with the verified address the provider gives, when no other account has it (else `#oauth-error=ERR_EMAIL_REQUIRED`, no account made; see docs/federation.md). Otherwise an address is optional; an account registered with an address and no username gets a generated one (`u-` and 16 hex digits).',
    },
    RequireVerifiedEmail: {
      kind: 'boolean',
      default: false,
      description:
        'Login of an account whose email address is not verified answers 403 `ERR_EMAIL_NOT_VERIFIED`, only after the password was found right, and issues no token. Accounts with no address at all (made by the CLI, or before addresses existed) are not held back.',
    },
    EmailClaims: {
      kind: 'boolean',
      default: true,
      description:
        'Access tokens of users with an email address carry `email` and `email_verified` (OpenID Connect names). `false` keeps tokens smaller.',
    },
    EmailSignIn: {
      kind: 'boolean',
      default: false,
      description:
        'Sign-in by email: `POST /auth/email/sign-in` mails a one-time link and code that log in like a password (needs mail; see `Mail`).',
    },
    Claims: {
      kind: 'map',
      default: {},
      keyPattern: /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/,
      keyHint: 'claim names of 1-64 characters of A-Z a-z 0-9 _ . : - starting with a letter or _',
      description:
        'Extra access-token claims from user fields, claim name → field: `id` (a JSON number when the id is an integer below 2^53, else a string), `username`, `role`, `createdAt` (seconds), `email`, `emailVerified` (both left out for users without an address; `Auth.EmailClaims` adds them as `email` and `email_verified`), `appMetadata`, `userMetadata` (whole objects, left out while empty) or one key of either (`appMetadata.plan`; see docs/accounts.md). E.g. `{ userId: id, uid: id, name: username }`; in the environment `userId=id,uid=id`. Reserved claims (`sub`, `sid`, `exp`, …) are refused. See docs/configuration.md.',
    },
    GoZero: {
      kind: 'boolean',
      default: false,
      description:
        'go-zero mode: adds the `userId` claim (the user id, as `Claims: { userId: id }` does) that go-zero services read with `ctx.Value("userId")`, and accepts the tokens a go-zero user-api signed with `AccessSecret` (or a `PreviousAccessSecrets` entry) until they expire, so a cut-over logs nobody out. See docs/migrating-from-go-zero.md.',
    },
    LargeIdsAsNumbers: {
      kind: 'boolean',
      default: false,
      description:
        "Write numeric user ids beyond 2^53 in id claims (`Auth.Claims`, go-zero's `userId`) as exact JSON integers, as a go-zero user-api did, so services reading `json.Number` keep working with snowflake ids; off, they are decimal strings (JavaScript parsers round such numbers unless they parse losslessly). Ids within 2^53 are numbers either way.",
    },
    UserIdFormat: {
      kind: 'enum',
      values: ['uuid', 'int64'],
      default: 'uuid',
      description:
        'Ids of new users: a random UUID, or a 53-bit integer (seconds, `NodeId`, sequence) for services that parse numeric ids. Imported users keep their own ids either way.',
    },
    NodeId: {
      kind: 'integer',
      min: 0,
      max: 1023,
      description:
        "This instance's number in int64 user ids; no two running instances may share one. Required with `UserIdFormat: int64` on PostgreSQL or MySQL (several instances may share them); 0 by default on SQLite.",
    },
  },
  Gateway: {
    UserIdHeader: {
      kind: 'string',
      default: 'X-Auth-User-Id',
      pattern: /^[A-Za-z0-9-]{1,64}$/,
      hint: '1-64 characters of A-Z a-z 0-9 -',
      description:
        'The response header of `GET /auth/verify` (forward authentication) that carries the user id (`sub`). Gateways copy it to the upstream request.',
    },
    SessionIdHeader: {
      kind: 'string',
      default: 'X-Auth-Session-Id',
      pattern: /^[A-Za-z0-9-]{1,64}$/,
      hint: '1-64 characters of A-Z a-z 0-9 -',
      description: 'The response header of `GET /auth/verify` that carries the session id (`sid`).',
    },
    RoleHeader: {
      kind: 'string',
      default: 'X-Auth-Role',
      pattern: /^[A-Za-z0-9-]{1,64}$/,
      hint: '1-64 characters of A-Z a-z 0-9 -',
      description: 'The response header of `GET /auth/verify` that carries the role (`role`).',
    },
    ClaimHeaders: {
      kind: 'map',
      default: {},
      keyPattern: /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/,
      keyHint: 'claim names of 1-64 characters of A-Z a-z 0-9 _ . : - starting with a letter or _',
      description:
        'Headers of `GET /auth/verify` for extra claims, claim name → header name. Every claim of `Auth.Claims` is passed anyway, by default as `X-Auth-Claim-<name>` (lower case, other characters made `-`); name a header here to choose its name, or a claim of a custom-claims hook to pass it too. Values are percent-encoded UTF-8 (numbers and plain ASCII ids arrive unchanged). E.g. `{ userId: X-User-Id }`; in the environment `userId=X-User-Id`.',
    },
    Clients: {
      kind: 'map',
      default: {},
      secret: true,
      keyPattern: /^[A-Za-z0-9._-]{1,64}$/,
      keyHint: 'client ids of 1-64 characters of A-Z a-z 0-9 . _ -',
      description:
        'The clients (services, gateways) allowed to call token introspection (`POST /oauth/introspect`) and the revocation feed (`GET /auth/revocations`), client id → `sha256:<hex>`, the SHA-256 of its secret. Secrets are random (`openssl rand -base64 32`, at least 32 bytes) and never written here in clear: `printf %s "$SECRET" | sha256sum`. E.g. `{ orders: sha256:9f86d0… }`; in the environment `orders=sha256:9f86d0…`. Empty: both routes answer 401 to everyone.',
    },
    PublicUrl: {
      kind: 'string',
      pattern: /^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/,
      hint: 'an absolute URL such as https://auth.example.com, without query or fragment',
      description:
        'The URL clients reach this server at, for the endpoints named in `/.well-known/oauth-authorization-server`. Defaults to `Auth.Issuer` when that is an http(s) URL, else to the scheme and `Host` of each request (set it in production, behind a proxy especially).',
    },
  },
  Jwks: {
    MaxAge: {
      kind: 'integer',
      default: 300,
      min: 0,
      max: 86_400,
      unit: 'seconds',
      description:
        'How long verifiers may cache `GET /.well-known/jwks.json` (`Cache-Control: max-age`). Publish a key (`jwtgate keys generate`) at least this long before it starts signing.',
    },
  },
  Login: {
    MaxFailures: {
      kind: 'integer',
      default: 10,
      min: 0,
      max: 10_000,
      description:
        'Failed logins allowed for one username from one IP address per window; then 429 `ERR_RATE_LIMITED` until the window ends. A wrong current password at `POST /auth/password` counts as a failed login. 0 switches this limit off.',
    },
    MaxFailuresPerIp: {
      kind: 'integer',
      default: 100,
      min: 0,
      max: 1_000_000,
      description:
        'Failed logins allowed from one IP address (an IPv6 /64), whatever the usernames, per window (password spraying); an IPv6 /48 may spend ten times as many, so that a site cannot spray from one of its /64s after another. 0 switches this limit off.',
    },
    FailureWindow: {
      kind: 'integer',
      default: 900,
      min: 1,
      max: 86_400,
      unit: 'seconds',
      description: 'The window failed logins are counted in, from the first failure.',
    },
    MaxFailuresPerAccount: {
      kind: 'integer',
      default: 20,
      min: 0,
      max: 1_000_000,
      description:
        'Failed logins allowed for one username per window from all the networks it has not logged in from within `KnownNetworkWindow` (guessing spread over many addresses); one more locks the username for those networks (`LockDuration`). Networks it logged in from lately are never locked. 0 switches this limit off.',
    },
    LockDuration: {
      kind: 'integer',
      default: 60,
      min: 1,
      max: 3600,
      unit: 'seconds',
      description:
        'The first lock of a username after `MaxFailuresPerAccount`; each further lock within a day lasts twice as long as the one before, up to `MaxLockDuration`.',
    },
    MaxLockDuration: {
      kind: 'integer',
      default: 300,
      min: 1,
      max: 86_400,
      unit: 'seconds',
      description:
        'The longest a username stays locked at a time, however long the attack goes on. Keep it short: a lock also keeps the owner out of networks they have not used lately.',
    },
    KnownNetworkWindow: {
      kind: 'integer',
      default: 2_592_000,
      min: 60,
      max: 31_536_000,
      unit: 'seconds',
      description:
        'How long a network (an IPv4 address, an IPv6 /64) a username logged in from stays exempt from its lock, renewed by later logins.',
    },
  },
  Refresh: {
    MaxFailuresPerIp: {
      kind: 'integer',
      default: 100,
      min: 0,
      max: 1_000_000,
      description:
        'Refused refreshes (junk, forged, spent, expired or revoked refresh tokens) allowed from one IP address (an IPv6 /64) per window, on `POST /auth/refresh` and silent refresh; then 429 `ERR_RATE_LIMITED`. 0 switches this limit off.',
    },
    FailureWindow: {
      kind: 'integer',
      default: 900,
      min: 1,
      max: 86_400,
      unit: 'seconds',
      description: 'The window refused refreshes are counted in, from the first refusal.',
    },
    MaxPerSession: {
      kind: 'integer',
      default: 30,
      min: 0,
      max: 1_000_000,
      description:
        'Refreshes allowed for one session per window, refused or not; then 429 `ERR_RATE_LIMITED` and the audit event `session.refresh-rate-exceeded`, once per window. A session normally refreshes once per `Auth.RefreshAfter`; keep this far above that. 0 switches this limit off.',
    },
    SessionWindow: {
      kind: 'integer',
      default: 600,
      min: 1,
      max: 86_400,
      unit: 'seconds',
      description: "The window a session's refreshes are counted in, from the first.",
    },
  },
  Hashing: {
    MaxConcurrent: {
      kind: 'integer',
      default: 0,
      min: 0,
      max: 1024,
      description:
        "Password hashes (logins, registrations) running at once, each on one of libuv's threads and a CPU core. 0 picks the CPU count, at most one less than `UV_THREADPOOL_SIZE` (4 unless set), at least 1: file system and DNS work keep a thread; measured on 2 cores, `/healthz` and guarded routes keep a p99 of a few milliseconds under a flood of logins (see docs/operations.md). Must stay below `UV_THREADPOOL_SIZE`.",
    },
    MaxQueue: {
      kind: 'integer',
      default: 100,
      min: 0,
      max: 100_000,
      description:
        'Password hashes waiting for a turn; when this many wait, a login or registration is answered 503 `ERR_SERVER_BUSY` with `Retry-After` at once instead of piling up.',
    },
  },
  Passwords: {
    RejectCommon: {
      kind: 'boolean',
      default: true,
      description:
        "Refuse, with 400 `ERR_COMMON_PASSWORD`, a new password (registration, change, reset, `jwtgate user add`) that is one of the 100,000 most common passwords (SecLists' ranked list, shipped with the server), compared after NFKC and in any letter case. Loaded on first use, about 3 MB of memory. Passwords already stored keep working. See docs/passwords.md.",
    },
    ContextWords: {
      kind: 'list',
      default: [],
      description:
        'Words of your own that no new password may be made of (ASVS 5.0 §6.2.11), beside the username, the email address (its local part and domain) and the service name (`Name`, `Mfa.Issuer`, `Mfa.RpName`), which always count: the company, the product, the city. A password is refused with 400 `ERR_PASSWORD_CONTAINS_CONTEXT` when, after NFKC and in any letter case, it contains such a word (or the word reversed) and fewer than 3 distinct letters remain once the words are taken out (`acme2024!`). Words shorter than 3 characters are ignored. See docs/passwords.md.',
    },
    ContextWordsFile: {
      kind: 'string',
      description:
        'A UTF-8 text file of more such words, one a line (blank lines and lines starting with `#` skipped), read once at start-up; a file that cannot be read stops the start. Adds to `Passwords.ContextWords`.',
    },
    BreachCheck: {
      Enabled: {
        kind: 'boolean',
        default: false,
        description:
          "Also refuse, with 400 `ERR_BREACHED_PASSWORD`, a new password found in Have I Been Pwned's Pwned Passwords, through its k-anonymity range API: only the first 5 hex digits of the password's SHA-1 leave the server, with `Add-Padding: true`.",
      },
      RangeUrl: {
        kind: 'string',
        default: 'https://api.pwnedpasswords.com/range/',
        pattern: /^https?:\/\/.+/i,
        schemes: ['https', 'http'],
        hint: 'an https:// URL to which the 5-digit prefix is appended (http:// only for a loopback address, or in development mode)',
        description:
          'Where the range API is; the prefix is appended (`<RangeUrl>ABCDE`). Point it at a self-hosted mirror of the Pwned Passwords range API to keep even the prefixes inside your network. `https://`, or `http://` only to a loopback address or in development mode.',
      },
      Timeout: {
        kind: 'integer',
        default: 2000,
        min: 100,
        max: 30_000,
        unit: 'milliseconds',
        description:
          'How long one range request may take, answer included; past it the range API counts as unavailable (see `WhenUnavailable`).',
      },
      WhenUnavailable: {
        kind: 'enum',
        values: ['accept', 'refuse'],
        default: 'accept',
        description:
          'What happens when the range API cannot be reached, is too slow or answers with an error: `accept` the password (fail open: the common-password list still applies; a warning is logged and `jwtgate_password_breach_checks_total{outcome="unavailable"}` counts it) or `refuse` with 503 `ERR_BREACH_CHECK_UNAVAILABLE` (fail closed: nobody can set a password while it lasts).',
      },
    },
  },
  Register: {
    Enabled: {
      kind: 'boolean',
      default: true,
      description:
        'Whether anyone may create an account at `POST /auth/register`. Off, registration answers 403 `ERR_REGISTRATION_CLOSED` and the page hides sign-up; administrators still add users (`jwtgate user add`) and invite people (`POST /admin/invitations`), whose invitation lets exactly one person register, and sign-in through an identity provider creates no new account.',
    },
    InvitationTtl: {
      kind: 'integer',
      default: 7 * DAY,
      min: 300,
      max: 30 * DAY,
      unit: 'seconds',
      description:
        'How long an invitation (`POST /admin/invitations`) can be used; it works once, whether registration is open or closed. Changing it affects invitations made from then on.',
    },
    MaxPerIp: {
      kind: 'integer',
      default: 50,
      min: 0,
      max: 1_000_000,
      description:
        'Registration attempts allowed from one IP address (an IPv6 /64; an IPv6 /48 ten times as many) per window, successful or not; then 429 `ERR_RATE_LIMITED`. Bounds bulk account creation, username probing and the hashing work anyone can cause. 0 switches this limit off.',
    },
    Window: {
      kind: 'integer',
      default: 3600,
      min: 1,
      max: 86_400,
      unit: 'seconds',
      description: 'The window registration attempts are counted in, from the first attempt.',
    },
    ConcealTakenEmail: {
      kind: 'boolean',
      default: false,
      description:
        'Registration with an email address answers 202 `{ "accepted": true }` whether or not an account has the address, after the same work (the password hashed either way), and starts no session: a new account gets its verification mail, the holder of a taken address an `already-registered` mail (no account made, nothing changed). Nobody learns from registering which addresses have accounts (OWASP ASVS 5.0 6.3.8); a taken username is still `ERR_USERNAME_TAKEN`. Counted against the mail limits (`Mail.MaxPerAddress`, `Mail.MaxPerIp`). Needs mail (`Mail.SmtpUrl`, or the log in development) and `Auth.RequireVerifiedEmail`: an account that could sign in before its address is proven would tell who registered it first. Off, a taken address is 409 `ERR_EMAIL_TAKEN`.',
    },
  },
  Accounts: {
    UsernameQuarantine: {
      kind: 'integer',
      default: 30 * DAY,
      min: 0,
      max: 3650 * DAY,
      unit: 'seconds',
      description:
        'How long the username of a deleted account stays unavailable, so that nobody takes a name others still know someone by; 0 frees it at once.',
    },
    UserMetadataMaxBytes: {
      kind: 'integer',
      default: 4096,
      min: 2,
      max: 65_536,
      unit: 'bytes',
      description:
        'Largest `userMetadata` (the JSON object each user may edit), measured as compact UTF-8 JSON; larger gets 400 `ERR_METADATA_TOO_LARGE`. `appMetadata` (administrators only) may be up to 4 times this.',
    },
  },
  Server: {
    BodyLimit: {
      kind: 'integer',
      default: 16_384,
      min: 1024,
      max: 1_048_576,
      unit: 'bytes',
      description: 'Largest request body accepted; larger bodies get 413 `ERR_BODY_TOO_LARGE`.',
    },
    TrustProxy: {
      kind: 'list',
      default: [],
      description: 'Addresses or CIDR ranges of reverse proxies whose `X-Forwarded-For` is believed for client IPs.',
    },
  },
  Cookie: {
    Mode: {
      kind: 'enum',
      values: ['opt-in', 'off'],
      default: 'opt-in',
      description:
        'Browser sessions. `opt-in`: a login that asks for it (`"cookie": true`, as the web page and `@jwtgate/client` do) gets its refresh token in an HttpOnly cookie instead of the JSON body, with silent refresh and CSRF checks; API clients that do not ask never get a cookie. `off`: cookies are never set or read.',
    },
    Name: {
      kind: 'string',
      default: 'jwtgate_refresh',
      pattern: /^[A-Za-z0-9_-]{1,64}$/,
      hint: '1-64 characters of A-Z a-z 0-9 _ -',
      description:
        'Name of the refresh cookie, without its prefix: `__Host-` is added when `Secure` and `Path: /`, `__Secure-` when `Secure` and `Path: /auth`.',
    },
    Path: {
      kind: 'enum',
      values: ['/auth', '/'],
      default: '/auth',
      description:
        'Where the browser sends the refresh cookie, and so its prefix. `/auth` (the default) keeps it off every other route of the host, but allows only the `__Secure-` prefix, which any host of the same site may also set: a sibling subdomain (one that serves user content, is run by someone else, or was taken over through a dangling DNS record) can plant a refresh cookie of its own for jwtgate’s host, signing the browser in to the planter’s session (session fixation) or, beside a real one, making refresh fail (two cookies of one name are refused). `/` gets the `__Host-` prefix, which only jwtgate’s own host can set (no `Domain`), and also lets protected routes outside `/auth` refresh silently; the cookie then goes with every request to the host, so choose it when a sibling subdomain is not fully trusted and nothing else on the host should see the refresh token (docs/architecture.md, Browser sessions).',
    },
    SameSite: {
      kind: 'enum',
      values: ['Strict', 'Lax'],
      default: 'Strict',
      description: 'The `SameSite` attribute of the refresh cookie.',
    },
    Secure: {
      kind: 'boolean',
      default: true,
      description:
        'The `Secure` attribute. Chromium keeps secure cookies on `http://localhost` and `http://127.0.0.1`; `false` is only accepted in development mode, for plain HTTP on another address.',
    },
  },
  Cors: {
    AllowedOrigins: {
      kind: 'list',
      default: [],
      description:
        "Other origins (`https://app.example.com`) whose pages may call jwtgate with credentials. The server's own origin is always allowed; `*` and `null` never are.",
    },
  },
  Mfa: {
    EncryptionKey: {
      kind: 'string',
      secret: true,
      pattern: /^\s*[A-Za-z0-9+/_-]{43}=?\s*$/,
      hint: '32 random bytes in base64, e.g. from `openssl rand -base64 32`',
      description:
        'Seals authenticator-app secrets at rest (AES-256-GCM). Without it, in production, second factors are off; in development mode a key is derived from `Auth.RefreshSecret`. To rotate, move the old key to `Mfa.PreviousEncryptionKeys`.',
    },
    PreviousEncryptionKeys: {
      kind: 'list',
      secret: true,
      default: [],
      description:
        'Keys rotated out of `Mfa.EncryptionKey`: they still open the secrets they sealed, and never seal new ones.',
    },
    Issuer: {
      kind: 'string',
      pattern: /^[^:\p{Cc}]{1,64}$/u,
      hint: '1-64 characters, no colon',
      description: 'The service name authenticator apps show next to the account. Defaults to `Name`.',
    },
    RequiredForRoles: {
      kind: 'list',
      default: [],
      description:
        'Roles that must sign in with a second factor (e.g. `[admin]`). A user of such a role without one gets no tokens at login: the login answers `mfaEnrollmentRequired` with an mfaToken that only sets up an authenticator app.',
    },
    MaxFailures: {
      kind: 'integer',
      default: 5,
      min: 0,
      max: 1000,
      description:
        'Wrong second-factor codes allowed per user in `Mfa.FailureWindow`, from any address and on every instance (0: no limit).',
    },
    FailureWindow: {
      kind: 'integer',
      default: 900,
      min: 1,
      max: 86_400,
      unit: 'seconds',
      description: 'The window of `Mfa.MaxFailures`.',
    },
    MaxFailuresPerDay: {
      kind: 'integer',
      default: 20,
      min: 0,
      max: 100_000,
      description: 'Wrong second-factor codes allowed per user in a day (0: no limit): what bounds a patient guesser.',
    },
    RpId: {
      kind: 'string',
      pattern: /^[a-z0-9.-]{1,253}$/,
      hint: 'a lowercase domain name such as example.com',
      description:
        'The WebAuthn relying party id passkeys are bound to: the host of `Web.PublicUrl` or a domain it belongs to (`example.com` serves `auth.example.com`). Defaults to the host of `Web.PublicUrl` (`localhost` in development). Passkeys made for one id never work under another, so choose it once. Without it and `Web.PublicUrl`, in production, passkeys are off.',
    },
    RpName: {
      kind: 'string',
      pattern: /^[^\p{Cc}]{1,64}$/u,
      hint: '1-64 characters',
      description: 'The service name browsers show when a passkey is made. Defaults to `Mfa.Issuer`.',
    },
    RpOrigins: {
      kind: 'list',
      default: [],
      description:
        'The origins (`https://auth.example.com`) whose pages may make and use passkeys; each must be on `Mfa.RpId` or below it, over HTTPS (plain HTTP only on `localhost`). Defaults to the origin of `Web.PublicUrl`.',
    },
  },
  Web: {
    Enabled: {
      kind: 'boolean',
      default: true,
      description: 'Serve the sign-in and session page at `/` (needs `Cookie.Mode: opt-in`).',
    },
    PublicUrl: {
      kind: 'string',
      pattern: /^https?:\/\/[^\s]+$/,
      hint: 'an http(s) URL such as https://auth.example.com',
      description:
        'Where users reach this server (or the page that takes the links), for the links in mails: `<PublicUrl>/#reset-password=…`. Required in production when `Mail.SmtpUrl` is set; in development it defaults to `http://localhost:<Port>`.',
    },
  },
  Mail: {
    SmtpUrl: {
      kind: 'string',
      secret: true,
      pattern: /^smtps?:\/\/.+/,
      hint: 'a URL such as smtps://user:password@smtp.example.com:465 or smtp://smtp.example.com:587',
      description:
        'The SMTP server mail is sent through: `smtps://` for TLS from the start (port 465), `smtp://` for STARTTLS when the server offers it (required with `?requireTLS=true`). Never echoed. Without it, development mode writes mails to the log and lists them at `/dev/mail`; production answers the mail routes with 503 `ERR_MAIL_UNAVAILABLE`.',
    },
    From: {
      kind: 'string',
      default: 'jwtgate <no-reply@localhost>',
      description: 'The `From` of every mail, e.g. `Example <no-reply@example.com>`.',
    },
    Enabled: {
      kind: 'boolean',
      default: true,
      description:
        'The mail routes: email verification, password reset, email change (and sign-in by email with `Auth.EmailSignIn`). `false` removes them (404).',
    },
    SecurityNotices: {
      kind: 'boolean',
      default: true,
      description:
        "Security notices: after a password change or reset, an authenticator app turned on or off, new recovery codes, a passkey added or removed, a provider identity linked or unlinked, an administrator resetting second factors, or an operator setting a password (`jwtgate user set-password`), a `security-notice` mail to the account's verified address (never to an unverified one) says what changed, when, and from which network and browser. Needs mail (`Mail.SmtpUrl`, or the log in development). `false` sends none.",
    },
    TemplateDir: {
      kind: 'string',
      description:
        'A folder of templates replacing the built-in ones: `<kind>.txt` (first line `Subject: …`) and `<kind>.html`, for kinds `verify-email`, `reset-password`, `change-email`, `email-changed-notice`, `sign-in`, `invitation`, `security-notice`, `already-registered`. Placeholders: `{{product}}`, `{{link}}`, `{{code}}`, `{{minutes}}`, `{{email}}`, `{{newEmail}}`, `{{expires}}` (until when an invitation works, in UTC), and in `security-notice` `{{change}}`, `{{when}}`, `{{ip}}`, `{{userAgent}}` (escaped in HTML).',
    },
    VerifyExpire: {
      kind: 'integer',
      default: 86_400,
      min: 60,
      max: 30 * DAY,
      unit: 'seconds',
      description: 'How long an email verification link and code stay valid.',
    },
    ResetExpire: {
      kind: 'integer',
      default: 1800,
      min: 60,
      max: DAY,
      unit: 'seconds',
      description: 'How long a password reset link stays valid.',
    },
    ChangeExpire: {
      kind: 'integer',
      default: 86_400,
      min: 60,
      max: 30 * DAY,
      unit: 'seconds',
      description: 'How long the link confirming a new email address stays valid.',
    },
    SignInExpire: {
      kind: 'integer',
      default: 600,
      min: 60,
      max: 3600,
      unit: 'seconds',
      description: 'How long a sign-in link and code stay valid.',
    },
    MaxPerAddress: {
      kind: 'integer',
      default: 5,
      min: 0,
      max: 10_000,
      description:
        'Requests of one kind (verification, reset, address change, sign-in) and code tries for one address per window, whether or not an account has it; code tries also at most four times this in a day; then 429 `ERR_RATE_LIMITED`. 0 switches this limit off.',
    },
    MaxPerIp: {
      kind: 'integer',
      default: 50,
      min: 0,
      max: 1_000_000,
      description:
        'Requests of one kind from one IP address (an IPv6 /64; an IPv6 /48 ten times as many) per window; emailed links and codes presented count too, and so do invitation secrets presented to `POST /auth/invitation`, whether or not mail is on. 0 switches this limit off.',
    },
    Window: {
      kind: 'integer',
      default: 3600,
      min: 1,
      max: DAY,
      unit: 'seconds',
      description: 'The window the mail limits are counted in, from the first request.',
    },
    MaxAttempts: {
      kind: 'integer',
      default: 8,
      min: 1,
      max: 100,
      description:
        'Delivery attempts per mail, with growing waits between them (5 s doubling up to 30 min); then the mail is `failed`, listed at `GET /admin/mail`.',
    },
    RetentionDays: {
      kind: 'integer',
      default: 7,
      min: 1,
      max: 3650,
      unit: 'days',
      description: 'How long sent and failed mails (without their contents) and expired secrets are kept.',
    },
  },
  OpenApi: {
    Enabled: {
      kind: 'boolean',
      default: true,
      description:
        "Serve this server's API reference, an OpenAPI 3.1 document built from its routes, at `GET /openapi.json`, and the same reference as a page at `GET /docs`. The API is public, so its description is too; `false` removes both routes.",
    },
  },
  Metrics: {
    Enabled: {
      kind: 'boolean',
      default: false,
      description:
        'Serve Prometheus metrics at `GET /metrics` on a listener of their own (`Metrics.Host`, `Metrics.Port`), never on the API port. See docs/operations.md.',
    },
    Host: {
      kind: 'string',
      default: '127.0.0.1',
      description:
        'Address of the metrics listener. Loopback by default; in a container, the address Prometheus reaches (e.g. `0.0.0.0`), with that port kept off the public network.',
    },
    Port: {
      kind: 'integer',
      default: 9888,
      min: 0,
      max: 65_535,
      description: 'TCP port of the metrics listener (0 picks a free one); must differ from `Port`.',
    },
  },
  Audit: {
    Log: {
      kind: 'boolean',
      default: true,
      description:
        'Write audit records (logins, registrations, refreshes, reuse detections, revocations, admin actions, rate limiting) to the structured log, marked `"audit": true` with an `event` field. See docs/operations.md.',
    },
    File: {
      kind: 'string',
      description:
        'Also append audit records to this file as JSON lines (relative to the working directory). It is created with mode 0600; an existing file others can read is refused. SIGHUP reopens it after rotation.',
    },
    Database: {
      kind: 'boolean',
      default: true,
      description:
        'Also keep audit records in the SQL database (table `jwtgate_audit`), queryable through `GET /admin/audit`. They are written in batches off the request path; while the database is down they wait in memory (bounded), and the log stays the complete trail. See docs/operations.md.',
    },
    RetentionDays: {
      kind: 'integer',
      default: 90,
      min: 1,
      max: 36_500,
      unit: 'days',
      description: 'Audit records older than this are deleted from the database (checked every 10 minutes).',
    },
  },
  Alerts: {
    WebhookUrl: {
      kind: 'string',
      // Webhook URLs often carry the receiver's token in their path: never echoed.
      secret: true,
      pattern: /^https?:\/\/.+/i,
      hint: 'an https:// URL (http:// only for a loopback address, or in development mode)',
      description:
        'POST every alerting audit record (refresh-token reuse, recovery codes used, role changes, rate limiting, denied admin access...) to this URL as JSON, from a bounded queue that never holds a request up, retried with exponential back-off. `https://`, or `http://` only to a loopback address or in development mode. See docs/operations.md for the payload.',
    },
    WebhookSecret: {
      kind: 'string',
      secret: true,
      minLength: 32,
      description:
        'Signs each webhook delivery: `X-Jwtgate-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, so the receiver can check where it came from and refuse replays.',
    },
    QueueSize: {
      kind: 'integer',
      default: 1000,
      min: 10,
      max: 100_000,
      description:
        'Alerts waiting for the webhook at most. Past it a low-severity alert is dropped (the oldest waiting), never a high one while a low one waits; only highs alone filling it drop a high. See docs/operations.md for what the queue guarantees.',
    },
    AggregationWindow: {
      kind: 'integer',
      default: 60,
      min: 1,
      max: 3_600,
      unit: 'seconds',
      description:
        'Low-severity alerts (`login.rate-limited`, `session.refresh-rate-exceeded`, `admin.access-denied`, `mfa.rate-limited`) of one event and one account or session: the first is sent at once, the rest of this window become one alert carrying their count.',
    },
  },
  OAuth: {
    AutoLinkVerifiedEmail: {
      kind: 'boolean',
      default: false,
      description:
        'Sign an unknown identity in to the existing account with the same email address, when the provider says it verified the address and the account verified it too. Off, such a sign-in gets a new account (without the address). On, whoever controls an account at any configured provider with that address can take the jwtgate account over: only turn it on for providers whose verification you trust as much as your own. See docs/federation.md.',
    },
    StoreProviderTokens: {
      kind: 'boolean',
      default: false,
      description:
        "Keep each identity's provider tokens (access, refresh and id token) from its last sign-in, sealed with `Mfa.EncryptionKey` (AES-256-GCM). Off, they are dropped as soon as the user is known.",
    },
    FlowExpire: {
      kind: 'integer',
      default: 600,
      min: 60,
      max: 3600,
      unit: 'seconds',
      description: 'How long a sign-in may spend at the provider, from `start` to `callback`.',
    },
    Timeout: {
      kind: 'integer',
      default: 5000,
      min: 100,
      max: 60_000,
      unit: 'milliseconds',
      description:
        'Bound on each call to a provider (discovery, keys, token, user info); past it the sign-in ends with `ERR_OAUTH_PROVIDER_UNAVAILABLE`.',
    },
    BackChannelLogoutsPerMinute: {
      kind: 'integer',
      default: 600,
      min: 0,
      max: 1_000_000,
      description:
        "Back-channel logout posts one network (an IPv6 /64) may send to one provider's route per minute; then 429 `ERR_RATE_LIMITED` with `Retry-After`. A provider posts one per logout from a few addresses: this bounds the signature checks anyone else can cause and leaves a provider room for a burst. Counted per provider, so one provider's burst never holds up another's logouts. 0 switches this limit off.",
    },
    FrontChannelLogoutsPerMinute: {
      kind: 'integer',
      default: 120,
      min: 0,
      max: 1_000_000,
      description:
        "Front-channel logout requests one network (an IPv6 /64) may send to one provider's route per minute; then 429 `ERR_RATE_LIMITED` with `Retry-After`. Each comes from a user's browser, one per logout at the provider: this bounds how fast anyone can try provider session ids, while an office behind one address still signs out freely. Counted per provider. 0 switches this limit off.",
    },
    Providers: {
      kind: 'records',
      keyPattern: /^[a-z][a-z0-9]{0,31}$/,
      keyHint: 'provider names of 1-32 lower-case letters and digits, starting with a letter',
      description:
        'Identity providers users may sign in with, by name (the name is in the URLs: `/auth/oauth/<name>/callback` is the redirect URI to register). OpenID Connect providers need `Issuer`; plain OAuth 2.0 providers `AuthorizationUrl`, `TokenUrl` and `UserInfoUrl`. Only in the file (the client secret only in the environment). See docs/federation.md.',
      fields: {
        DisplayName: {
          kind: 'string',
          pattern: /^[^\p{Cc}]{1,64}$/u,
          hint: '1-64 characters',
          description: 'The name on the button ("Sign in with …"). Defaults to the provider name.',
        },
        Issuer: {
          kind: 'string',
          pattern: /^https?:\/\/[^?#\s]+$/,
          hint: 'an https URL without query or fragment, such as https://accounts.google.com',
          description:
            'OpenID Connect: the issuer URL; its discovery document, keys and `iss` are checked. `http://` only for a loopback address.',
        },
        AuthorizationUrl: {
          kind: 'string',
          pattern: /^https?:\/\/[^#\s]+$/,
          hint: 'an https URL',
          description: 'Plain OAuth 2.0: the authorization endpoint.',
        },
        TokenUrl: {
          kind: 'string',
          pattern: /^https?:\/\/[^#\s]+$/,
          hint: 'an https URL',
          description: 'Plain OAuth 2.0: the token endpoint.',
        },
        UserInfoUrl: {
          kind: 'string',
          pattern: /^https?:\/\/[^#\s]+$/,
          hint: 'an https URL',
          description: 'Plain OAuth 2.0: where the user is read with the access token (a JSON object).',
        },
        ClientId: {
          kind: 'string',
          pattern: /^[^\s]{1,512}$/,
          hint: 'the client id the provider gave, without spaces',
          description: "jwtgate's client id at the provider. Required.",
        },
        ClientSecret: {
          kind: 'string',
          secret: true,
          envOnly: true,
          description:
            'The client secret, from the environment only (`JWTGATE_OAUTH_PROVIDERS_<NAME>_CLIENT_SECRET`), never echoed. Required unless `TokenAuthMethod: none`.',
        },
        TokenAuthMethod: {
          kind: 'enum',
          values: ['client_secret_basic', 'client_secret_post', 'none'],
          default: 'client_secret_basic',
          description: 'How jwtgate authenticates at the token endpoint; `none` for a public client (PKCE only).',
        },
        Logout: {
          kind: 'boolean',
          default: false,
          description:
            "OpenID Connect only: a logout of a session that began with this provider also answers the provider's logout URL (RP-Initiated Logout 1.0, from `end_session_endpoint`), and the page sends the browser there, to come back to `<Web.PublicUrl>/`, which must be registered at the provider as a post-logout redirect URI. Off by default: the provider refuses an unregistered return address, and ending the provider's session signs the user out of every other site that uses it. See docs/federation.md.",
        },
        BackChannelLogout: {
          kind: 'boolean',
          default: false,
          description:
            'OpenID Connect only: the provider may end jwtgate sessions that began with a sign-in there (Back-Channel Logout 1.0) by posting a signed logout token to `<Web.PublicUrl>/auth/oauth/<name>/backchannel-logout`, the URL to register at the provider. A token naming a provider session (`sid`) ends the jwtgate sessions of that provider session; one naming only a user (`sub`) ends every session of that user begun at this provider. Off by default: the route does not exist. See docs/federation.md.',
        },
        FrontChannelLogout: {
          kind: 'boolean',
          default: false,
          description:
            "OpenID Connect only: the provider may end jwtgate sessions that began with a sign-in there through the user's browser (Front-Channel Logout 1.0): its logout page loads `<Web.PublicUrl>/auth/oauth/<name>/frontchannel-logout` in an iframe, with `iss` and `sid`; register that URL at the provider as the front-channel logout URI, with the session required (`frontchannel_logout_session_required`). Only a request whose `iss` is `Issuer` and whose `sid` names a provider session ends anything, and only that provider session's jwtgate sessions; the page may be framed by the issuer's origin only. Prefer `BackChannelLogout` when the provider offers it: it does not depend on the user's browser. Off by default: the route does not exist. See docs/federation.md.",
        },
        Scopes: {
          kind: 'list',
          default: [],
          description:
            'Scopes to ask for. Defaults to `openid email profile` for OpenID Connect and to none for plain OAuth 2.0.',
        },
        Fields: {
          kind: 'map',
          default: {},
          keyPattern: /^(subject|email|emailVerified|name)$/,
          keyHint: 'subject, email, emailVerified or name',
          description:
            'Plain OAuth 2.0: which user-info fields hold the subject, the address, whether it is verified and a name to show. Defaults: `sub`, `email`, `email_verified`, `name`. GitHub: `{ subject: id, name: login }`.',
        },
        EmailVerified: {
          kind: 'boolean',
          default: false,
          description:
            "Plain OAuth 2.0 without an `emailVerified` field: treat the address as verified (true of GitHub's public address, which must be a verified one).",
        },
      },
    },
  },
  Log: {
    Level: {
      kind: 'enum',
      values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
      description: 'Log level.',
    },
  },
} as const satisfies Section;
