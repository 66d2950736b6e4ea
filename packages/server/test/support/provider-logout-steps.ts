import { expect } from 'vitest';
import { signInThroughApi } from './federated-flow.js';
import type { OidcProvider } from './identity-providers.js';
import { decodeJwt, type TestServer } from './test-server.js';

/** oauth2-mock-server reads the client id from Basic credentials without form-decoding it. */
export const LOGOUT_CLIENT_ID = 'jwtgatetest';

/** A jwtgate session begun at a provider. */
export type ProviderBegunSession = { accessToken: string; refreshToken: string; userId: string };

/**
 * The `OAuth.Providers` entry of an OpenID Connect provider with the given
 * settings (`BackChannelLogout: true`…), and its client secret's variable.
 *
 * @example
 * const { yaml, env } = logoutProvider('idp', idp.issuer, ['FrontChannelLogout: true']);
 */
export function logoutProvider(
  name: string,
  issuer: string,
  settings: readonly string[],
): { yaml: string; env: Record<string, string> } {
  const lines = [`    ${name}:`, `      Issuer: ${issuer}`, `      ClientId: ${LOGOUT_CLIENT_ID}`];
  return {
    yaml: [...lines, ...settings.map((setting) => `      ${setting}`)].join('\n'),
    env: { [`JWTGATE_OAUTH_PROVIDERS_${name.toUpperCase()}_CLIENT_SECRET`]: `${name}-client-secret-value` },
  };
}

/**
 * Signs in through `provider` (the API variant) as `sub`, the provider's id
 * token carrying the provider session `sid` when given.
 *
 * @example
 * const session = await signInAtProvider(t, idp, 'idp', 'alice', 'psid-1');
 */
export async function signInAtProvider(
  t: TestServer,
  at: OidcProvider,
  provider: string,
  sub: string,
  sid: string | undefined,
): Promise<ProviderBegunSession> {
  at.claims = { sub, email: `${sub}@example.com`, email_verified: true, ...(sid === undefined ? {} : { sid }) };
  const done = await signInThroughApi(t, provider);
  expect(done.statusCode, done.body).toBe(200);
  const { accessToken, refreshToken } = done.json();
  return { accessToken, refreshToken, userId: decodeJwt(accessToken).payload.sub as string };
}

/** Whether the session's access token is still accepted. */
export async function accessWorks(t: TestServer, session: ProviderBegunSession): Promise<boolean> {
  const me = await t.request({ method: 'GET', url: '/auth/me', token: session.accessToken });
  return me.statusCode === 200;
}

/** Whether the session's refresh token still rotates (keeping the new one when it does). */
export async function refreshes(t: TestServer, session: ProviderBegunSession): Promise<boolean> {
  const answer = await t.request({
    method: 'POST',
    url: '/auth/refresh',
    body: { refreshToken: session.refreshToken },
  });
  if (answer.statusCode === 200) session.refreshToken = answer.json().refreshToken;
  return answer.statusCode === 200;
}
