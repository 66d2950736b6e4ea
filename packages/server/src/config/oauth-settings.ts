import type { JwtgateConfig, OAuthProviderConfig } from './config.js';
import { envNameFor } from './env-name.js';

type Settings = Record<string, unknown>;

const OIDC_SCOPES = ['openid', 'email', 'profile'];
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether a provider URL may be used: `https:`, or `http:` to a loopback
 * address only (a provider in a test or on the same machine).
 *
 * @example
 * isProviderUrl('https://accounts.google.com'); // true
 * isProviderUrl('http://idp.example.com'); // false
 */
export function isProviderUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

function readProvider(name: string, entry: Settings, problems: string[]): OAuthProviderConfig | undefined {
  const where = `OAuth.Providers.${name}`;
  const before = problems.length;
  const clientId = entry.ClientId as string | undefined;
  const clientSecret = entry.ClientSecret as string | undefined;
  const tokenAuthMethod = entry.TokenAuthMethod as OAuthProviderConfig['tokenAuthMethod'];
  if (clientId === undefined) problems.push(`${where}.ClientId: required (the client id the provider gave jwtgate)`);
  if (tokenAuthMethod === 'none' && clientSecret !== undefined) {
    problems.push(
      `${where}.ClientSecret: not used with TokenAuthMethod: none; unset ${envNameFor(['OAuth', 'Providers', name, 'ClientSecret'])}`,
    );
  }
  if (tokenAuthMethod !== 'none' && clientSecret === undefined) {
    problems.push(
      `${where}.ClientSecret: required with TokenAuthMethod: ${tokenAuthMethod}; set ${envNameFor(['OAuth', 'Providers', name, 'ClientSecret'])} (or TokenAuthMethod: none for a public client)`,
    );
  }
  const urls = ['Issuer', 'AuthorizationUrl', 'TokenUrl', 'UserInfoUrl'] as const;
  for (const key of urls) {
    const value = entry[key] as string | undefined;
    if (value !== undefined && !isProviderUrl(value)) {
      problems.push(
        `${where}.${key}: expected an https:// URL (http:// only to a loopback address), got ${JSON.stringify(value)}`,
      );
    }
  }
  const issuer = entry.Issuer as string | undefined;
  const plain = urls.slice(1).map((key) => entry[key] as string | undefined);
  const fields = entry.Fields as Record<string, string>;
  const common = {
    name,
    displayName: (entry.DisplayName as string | undefined) ?? name,
    clientId: clientId ?? '',
    clientSecret,
    tokenAuthMethod,
  };
  const scopes = entry.Scopes as string[];
  if (issuer !== undefined) {
    if (plain.some((url) => url !== undefined) || Object.keys(fields).length > 0) {
      problems.push(
        `${where}: an OpenID Connect provider (Issuer) takes its endpoints and claims from discovery; remove AuthorizationUrl, TokenUrl, UserInfoUrl and Fields`,
      );
    }
    if (problems.length > before) return undefined;
    return {
      ...common,
      kind: 'oidc',
      issuer,
      scopes: scopes.length > 0 ? scopes : OIDC_SCOPES,
      logout: entry.Logout as boolean,
      backChannelLogout: entry.BackChannelLogout as boolean,
      frontChannelLogout: entry.FrontChannelLogout as boolean,
    };
  }
  if (entry.Logout === true) {
    problems.push(
      `${where}.Logout: only OpenID Connect providers (Issuer) announce an end-session endpoint; remove Logout or set it to false`,
    );
  }
  if (entry.BackChannelLogout === true) {
    problems.push(
      `${where}.BackChannelLogout: only OpenID Connect providers (Issuer) sign logout tokens; remove BackChannelLogout or set it to false`,
    );
  }
  if (entry.FrontChannelLogout === true) {
    problems.push(
      `${where}.FrontChannelLogout: only OpenID Connect providers (Issuer) name their sessions to relying parties; remove FrontChannelLogout or set it to false`,
    );
  }
  const [authorizationUrl, tokenUrl, userInfoUrl] = plain;
  if (authorizationUrl === undefined || tokenUrl === undefined || userInfoUrl === undefined) {
    problems.push(
      `${where}: set Issuer (OpenID Connect) or all of AuthorizationUrl, TokenUrl and UserInfoUrl (plain OAuth 2.0)`,
    );
    return undefined;
  }
  if (problems.length > before) return undefined;
  return {
    ...common,
    kind: 'oauth2',
    authorizationUrl,
    tokenUrl,
    userInfoUrl,
    scopes,
    fields: {
      subject: fields.subject ?? 'sub',
      email: fields.email ?? 'email',
      emailVerified: fields.emailVerified ?? (entry.EmailVerified === true ? undefined : 'email_verified'),
      name: fields.name ?? 'name',
    },
    emailVerified: entry.EmailVerified as boolean,
  };
}

/**
 * Reads the `OAuth` section: each provider checked on its own (an OpenID
 * Connect issuer, or the three URLs of plain OAuth 2.0; a client id; a secret
 * from the environment unless the client is public), and what the flow
 * needs of the rest: an exact public URL for redirect URIs in production,
 * and a key to seal provider tokens with when they are kept.
 *
 * @example
 * const { oauth } = readOAuthSettings(raw, { mode, hasSealingKey: true }, problems);
 */
export function readOAuthSettings(
  raw: Settings,
  context: { readonly mode: JwtgateConfig['mode']; readonly hasSealingKey: boolean },
  problems: string[],
): Pick<JwtgateConfig, 'oauth'> {
  const section = raw.OAuth as Settings;
  const entries = section.Providers as Record<string, Settings>;
  const providers = Object.entries(entries).flatMap(([name, entry]) => {
    const provider = readProvider(name, entry, problems);
    return provider === undefined ? [] : [provider];
  });
  if (providers.length > 0 && context.mode === 'production' && (raw.Web as Settings).PublicUrl === undefined) {
    problems.push(
      'Web.PublicUrl: required in production with OAuth.Providers, for exact redirect URIs (<PublicUrl>/auth/oauth/<name>/callback); e.g. https://auth.example.com',
    );
  }
  const storeProviderTokens = section.StoreProviderTokens as boolean;
  if (storeProviderTokens && !context.hasSealingKey) {
    problems.push(
      'OAuth.StoreProviderTokens: needs Mfa.EncryptionKey to seal the tokens with (e.g. `openssl rand -base64 32`), or set it to false',
    );
  }
  return {
    oauth: {
      autoLinkVerifiedEmail: section.AutoLinkVerifiedEmail as boolean,
      storeProviderTokens,
      flowExpireSec: section.FlowExpire as number,
      timeoutMs: section.Timeout as number,
      backChannelLogoutsPerMinute: section.BackChannelLogoutsPerMinute as number,
      frontChannelLogoutsPerMinute: section.FrontChannelLogoutsPerMinute as number,
      providers,
    },
  };
}
