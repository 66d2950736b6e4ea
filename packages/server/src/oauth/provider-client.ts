import { AuthError } from '@jwtgate/core';
import { createRemoteJWKSet, type JWTHeaderParameters, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import type { OAuthProviderConfig } from '../config/config.js';
import { providerError } from './provider-errors.js';

/** Who the provider says the user is. */
export interface ProviderProfile {
  readonly subject: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly displayName: string | null;
  /** The id token's `sid` (the provider's session, for back-channel logout); `null` when it has none. */
  readonly providerSid: string | null;
  /** The provider's tokens, for `OAuth.StoreProviderTokens`; dropped otherwise. */
  readonly tokens: {
    readonly accessToken: string;
    readonly refreshToken: string | null;
    readonly idToken: string | null;
  };
}

/** What a sign-in carries from its start to its callback. */
export interface FlowSecrets {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

/** One configured identity provider, through `openid-client`. */
export interface ProviderClient {
  readonly name: string;
  readonly displayName: string;
  /** Whether sessions of this provider end at the provider too (`Logout`, OpenID Connect only). */
  readonly logout: boolean;
  /** Whether the provider may end jwtgate sessions begun there (`BackChannelLogout`, OpenID Connect only). */
  readonly backChannelLogout: boolean;
  /** Whether the provider may end jwtgate sessions begun there through the browser (`FrontChannelLogout`, OpenID Connect only). */
  readonly frontChannelLogout: boolean;
  /** The configured `Issuer` (which discovery makes sure the provider calls itself); `null` for plain OAuth 2.0. */
  readonly issuer: string | null;
  /** The provider's authorization URL for a new flow (PKCE S256, state, and a nonce for OpenID Connect). */
  authorizationUrl(redirectUri: string, secrets: FlowSecrets): Promise<URL>;
  /**
   * Finishes a flow from the URL the provider sent the browser back to:
   * checks the response and its state, redeems the code with the verifier,
   * and for OpenID Connect validates the id token (signature by the
   * provider's published keys and an algorithm it announces, `iss`, `aud`,
   * `azp`, `exp`, `nonce`). Throws a coded error (see `providerError`).
   */
  finish(callbackUrl: URL, secrets: FlowSecrets): Promise<ProviderProfile>;
  /**
   * The provider's RP-Initiated Logout URL (`end_session_endpoint` with
   * `id_token_hint`, `post_logout_redirect_uri`, `client_id` and `state`),
   * or `null` when `Logout` is off or the provider announces no such endpoint.
   * Throws a coded error when the provider's metadata cannot be had.
   */
  endSessionUrl(parameters: {
    readonly idToken: string;
    readonly postLogoutRedirectUri: string;
    readonly state: string;
  }): Promise<URL | null>;
  /**
   * Verifies a logout token (Back-Channel Logout 1.0 §2.6, steps 1 to 3 and
   * the time checks): signed by a key the provider publishes (`jwks_uri` of
   * its discovery document), with an algorithm it announces for id tokens
   * and that is asymmetric (never `none`, never HMAC), `iss` its issuer,
   * `aud` holding the client id, `iat` present and neither older than
   * {@link LOGOUT_TOKEN_MAX_AGE_SEC} nor in the future, `exp` not passed
   * when present, all within {@link LOGOUT_TOKEN_LEEWAY_SEC}. Answers its
   * claims and header for the rest of the checks (`readLogoutToken`).
   * Throws `ERR_LOGOUT_TOKEN_INVALID`, or a provider error when its
   * metadata or keys cannot be had.
   */
  verifyLogoutToken(token: string): Promise<{ readonly claims: JWTPayload; readonly header: JWTHeaderParameters }>;
}

/** How old a logout token may be: providers send it as the logout happens, and may retry for a while. */
export const LOGOUT_TOKEN_MAX_AGE_SEC = 300;
/** The clock difference allowed between the provider and jwtgate. */
export const LOGOUT_TOKEN_LEEWAY_SEC = 60;

/** The signature algorithms a logout token may use: asymmetric only, so a published key can never verify an HMAC. */
const ASYMMETRIC_ALGORITHMS = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

/** OpenID Connect Discovery's default for `id_token_signing_alg_values_supported`, which providers sign logout tokens like. */
const DEFAULT_ID_TOKEN_ALGORITHMS = ['RS256'];

/** How long discovered metadata (and the keys openid-client caches with it) is used before it is fetched again. */
const METADATA_MAX_AGE_MS = 3_600_000;
const MAX_SUBJECT_LENGTH = 255;

function clientAuth(provider: OAuthProviderConfig): oidc.ClientAuth {
  switch (provider.tokenAuthMethod) {
    case 'none':
      return oidc.None();
    case 'client_secret_post':
      return oidc.ClientSecretPost(provider.clientSecret);
    case 'client_secret_basic':
      return oidc.ClientSecretBasic(provider.clientSecret);
  }
}

function isLoopbackHttp(url: string): boolean {
  return new URL(url).protocol === 'http:';
}

function text(value: unknown, max: number): string | null {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return typeof value === 'string' && value.length > 0 && value.length <= max ? value : null;
}

function subjectOf(value: unknown): string {
  const subject = text(value, MAX_SUBJECT_LENGTH);
  if (subject === null) throw new AuthError('ERR_OAUTH_PROVIDER_ERROR', { reason: 'no-subject' });
  return subject;
}

/**
 * A client for one provider. OpenID Connect providers are discovered from
 * their issuer on first use (and again after an hour, or after a failure);
 * plain OAuth 2.0 providers are described by their three URLs. Every call
 * to the provider is bounded by `timeoutMs`.
 *
 * @example
 * const client = createProviderClient(config.oauth.providers[0], { timeoutMs: 5000, clock });
 * const url = await client.authorizationUrl(redirectUri, secrets);
 */
export function createProviderClient(
  provider: OAuthProviderConfig,
  options: { readonly timeoutMs: number; readonly now: () => number },
): ProviderClient {
  let configuration: { readonly value: Promise<oidc.Configuration>; readonly at: number } | undefined;
  const timeout = Math.max(1, Math.ceil(options.timeoutMs / 1000));
  // jose keeps the fetched keys, refetching them (at most every 30 s) for a key id it does not know.
  let keys: { readonly uri: string; readonly set: ReturnType<typeof createRemoteJWKSet> } | undefined;
  const keysAt = (uri: string) => {
    if (keys?.uri !== uri)
      keys = { uri, set: createRemoteJWKSet(new URL(uri), { timeoutDuration: options.timeoutMs }) };
    return keys.set;
  };

  async function build(): Promise<oidc.Configuration> {
    const metadata: Partial<oidc.ClientMetadata> = {};
    if (provider.kind === 'oidc') {
      const config = await oidc.discovery(new URL(provider.issuer), provider.clientId, metadata, clientAuth(provider), {
        timeout,
        ...(isLoopbackHttp(provider.issuer) ? { execute: [oidc.allowInsecureRequests] } : {}),
      });
      config.timeout = timeout;
      // The id token comes straight from the token endpoint, where OpenID Connect lets a client
      // skip its signature; jwtgate checks it anyway, against the provider's published keys.
      oidc.enableNonRepudiationChecks(config);
      return config;
    }
    const server: oidc.ServerMetadata = {
      // Plain OAuth 2.0 has no issuer; the authorization endpoint's origin stands in for it.
      issuer: new URL(provider.authorizationUrl).origin,
      authorization_endpoint: provider.authorizationUrl,
      token_endpoint: provider.tokenUrl,
    };
    const config = new oidc.Configuration(server, provider.clientId, metadata, clientAuth(provider));
    config.timeout = timeout;
    if ([provider.authorizationUrl, provider.tokenUrl, provider.userInfoUrl].some(isLoopbackHttp)) {
      oidc.allowInsecureRequests(config);
    }
    return config;
  }

  async function current(): Promise<oidc.Configuration> {
    const now = options.now();
    if (configuration === undefined || now - configuration.at > METADATA_MAX_AGE_MS) {
      const value = build();
      configuration = { value, at: now };
      // A failed discovery is tried again by the next sign-in, not remembered.
      value.catch(() => {
        if (configuration?.value === value) configuration = undefined;
      });
    }
    try {
      return await configuration.value;
    } catch (error) {
      throw providerError(error);
    }
  }

  async function plainProfile(
    config: oidc.Configuration,
    tokens: oidc.TokenEndpointResponse,
  ): Promise<Omit<ProviderProfile, 'tokens'>> {
    if (provider.kind !== 'oauth2') throw new Error('unreachable');
    const response = await oidc.fetchProtectedResource(
      config,
      tokens.access_token,
      new URL(provider.userInfoUrl),
      'GET',
      undefined,
      // GitHub's API refuses requests without a User-Agent.
      new Headers({ accept: 'application/json', 'user-agent': 'jwtgate' }),
    );
    if (response.status >= 500) throw new AuthError('ERR_OAUTH_PROVIDER_UNAVAILABLE', { reason: 'user-info-status' });
    if (response.status !== 200) throw new AuthError('ERR_OAUTH_PROVIDER_ERROR', { reason: 'user-info-status' });
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new AuthError('ERR_OAUTH_PROVIDER_ERROR', { reason: 'user-info-not-json' });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AuthError('ERR_OAUTH_PROVIDER_ERROR', { reason: 'user-info-not-object' });
    }
    const info = body as Record<string, unknown>;
    const email = text(info[provider.fields.email], 320);
    const verifiedField = provider.fields.emailVerified;
    return {
      subject: subjectOf(info[provider.fields.subject]),
      email,
      emailVerified:
        email !== null && (verifiedField === undefined ? provider.emailVerified : info[verifiedField] === true),
      displayName: text(info[provider.fields.name], 255),
      providerSid: null,
    };
  }

  async function oidcProfile(
    config: oidc.Configuration,
    tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
  ): Promise<Omit<ProviderProfile, 'tokens'>> {
    const claims = tokens.claims();
    if (claims === undefined) throw new AuthError('ERR_OAUTH_PROVIDER_ERROR', { reason: 'no-id-token' });
    let source: Record<string, unknown> = claims;
    let addressSource: Record<string, unknown> = claims;
    // Some providers leave the address out of the id token and answer it at the user-info endpoint only.
    if (claims.email === undefined && config.serverMetadata().userinfo_endpoint !== undefined) {
      const userInfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      source = { ...userInfo, ...claims };
      // The address and whether it was verified come from one answer: an id token's
      // email_verified, said of no address, never vouches for the user-info endpoint's.
      addressSource = userInfo;
    }
    const email = text(addressSource.email, 320);
    return {
      subject: subjectOf(claims.sub),
      email,
      emailVerified: email !== null && addressSource.email_verified === true,
      displayName: text(source.name, 255) ?? text(source.preferred_username, 255),
      providerSid: text(claims.sid, MAX_SUBJECT_LENGTH),
    };
  }

  return {
    name: provider.name,
    displayName: provider.displayName,
    logout: provider.kind === 'oidc' && provider.logout,
    backChannelLogout: provider.kind === 'oidc' && provider.backChannelLogout,
    frontChannelLogout: provider.kind === 'oidc' && provider.frontChannelLogout,
    issuer: provider.kind === 'oidc' ? provider.issuer : null,

    async authorizationUrl(redirectUri, secrets) {
      const config = await current();
      const parameters: Record<string, string> = {
        redirect_uri: redirectUri,
        response_type: 'code',
        state: secrets.state,
        code_challenge: await oidc.calculatePKCECodeChallenge(secrets.codeVerifier),
        code_challenge_method: 'S256',
      };
      if (provider.scopes.length > 0) parameters.scope = provider.scopes.join(' ');
      if (provider.kind === 'oidc') parameters.nonce = secrets.nonce;
      return oidc.buildAuthorizationUrl(config, parameters);
    },

    async endSessionUrl({ idToken, postLogoutRedirectUri, state }) {
      if (!(provider.kind === 'oidc' && provider.logout)) return null;
      const config = await current();
      if (config.serverMetadata().end_session_endpoint === undefined) return null;
      return oidc.buildEndSessionUrl(config, {
        id_token_hint: idToken,
        post_logout_redirect_uri: postLogoutRedirectUri,
        state,
      });
    },

    async verifyLogoutToken(token) {
      if (!(provider.kind === 'oidc' && provider.backChannelLogout)) {
        throw new AuthError('ERR_LOGOUT_TOKEN_INVALID', { reason: 'off' });
      }
      const metadata = (await current()).serverMetadata();
      if (metadata.jwks_uri === undefined) {
        throw new AuthError('ERR_OAUTH_PROVIDER_ERROR', { reason: 'no-jwks-uri' });
      }
      const announced = metadata.id_token_signing_alg_values_supported ?? DEFAULT_ID_TOKEN_ALGORITHMS;
      const algorithms = announced.filter((alg) => ASYMMETRIC_ALGORITHMS.has(alg));
      try {
        const { payload, protectedHeader } = await jwtVerify(token, keysAt(metadata.jwks_uri), {
          algorithms,
          issuer: metadata.issuer,
          audience: provider.clientId,
          maxTokenAge: LOGOUT_TOKEN_MAX_AGE_SEC,
          clockTolerance: LOGOUT_TOKEN_LEEWAY_SEC,
          currentDate: new Date(options.now()),
        });
        return { claims: payload, header: protectedHeader };
      } catch (error) {
        // The keys could not be fetched: nothing is known about the token yet.
        if (error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError)) {
          throw new AuthError('ERR_OAUTH_PROVIDER_UNAVAILABLE', { reason: 'jwks', cause: error });
        }
        if (error instanceof joseErrors.JWKSInvalid) {
          throw new AuthError('ERR_OAUTH_PROVIDER_ERROR', { reason: 'jwks', cause: error });
        }
        throw new AuthError('ERR_LOGOUT_TOKEN_INVALID', { reason: error.code });
      }
    },

    async finish(callbackUrl, secrets) {
      const config = await current();
      try {
        const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: secrets.codeVerifier,
          expectedState: secrets.state,
          ...(provider.kind === 'oidc' ? { expectedNonce: secrets.nonce, idTokenExpected: true } : {}),
        });
        const profile =
          provider.kind === 'oidc' ? await oidcProfile(config, tokens) : await plainProfile(config, tokens);
        return {
          ...profile,
          tokens: {
            accessToken: tokens.access_token,
            refreshToken: tokens.refresh_token ?? null,
            idToken: tokens.id_token ?? null,
          },
        };
      } catch (error) {
        throw providerError(error);
      }
    },
  };
}
