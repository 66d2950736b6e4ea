import { timingSafeEqual } from 'node:crypto';
import { AuthError, isAuthError, type SessionRecord, type UserRecord } from '@jwtgate/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { resolveFederatedAccount } from '../../oauth/federated-accounts.js';
import type { OAuthFlow } from '../../oauth/oauth-flow.js';
import type { ProviderClient } from '../../oauth/provider-client.js';
import { resolveReturnTo } from '../../oauth/return-to.js';
import type { tokenBody } from '../finish-login.js';
import { finishFirstFactor } from '../first-factor-login.js';
import { type PausedLogin, standingSession } from '../mfa-login.js';
import { type OAuthRouteDeps, oauthProvider, redirectUriOf, startOAuthFlow } from '../oauth-route-deps.js';
import { type CookieRouteDeps, clientInfo } from '../route-deps.js';
import { errorResponses, mfaRequiredSchema, tokenResponseSchema } from '../schemas.js';

/** The `amr` value (RFC 8176 has none for federation) of sessions started through an identity provider. */
export const FEDERATED_AMR = 'fed';

/** The routes' dependencies: the common ones and the providers'. */
export type OAuthRoutesOptions = CookieRouteDeps & { readonly oauth: OAuthRouteDeps; readonly webPage: boolean };

export const providerParams = {
  type: 'object',
  required: ['provider'],
  additionalProperties: false,
  properties: { provider: { type: 'string', pattern: '^[a-z][a-z0-9]{0,31}$' } },
} as const;

const deviceSchema = { type: 'string', minLength: 1, maxLength: 200 } as const;
const returnToSchema = {
  type: 'string',
  maxLength: 2048,
  description:
    'Where to go afterwards: a path on this server, or a URL on its public origin or one of `Cors.AllowedOrigins`; anything else is refused. Default `/`.',
} as const;

export const flowStartedSchema = {
  title: 'OAuthFlowStarted',
  type: 'object',
  required: ['authorizationUrl'],
  properties: {
    authorizationUrl: { type: 'string', description: "The provider's page to send the user to." },
    flowToken: {
      type: 'string',
      description:
        'JSON variant only: the sealed flow (state, nonce, PKCE verifier), which `POST /auth/oauth/{provider}/callback` needs. Keep it like a password until then.',
    },
  },
} as const;

const redirectAnswer = {
  type: 'null',
  description:
    'To the provider (start) or back to `returnTo` (callback). A failure goes back to `returnTo` (or `/`) with `#oauth-error=<code>`; a sign-in that needs a second factor with `#oauth-mfa=<mfaToken>`.',
  headers: { Location: { type: 'string' }, 'Set-Cookie': { type: 'string' } },
} as const;

const flowErrors = {
  ERR_OAUTH_PROVIDER_UNKNOWN: 'no provider of that name in `OAuth.Providers`',
  ERR_OAUTH_PROVIDER_UNAVAILABLE: "the provider's discovery document or keys cannot be fetched",
  ERR_OAUTH_PROVIDER_ERROR: "the provider's discovery document is not one jwtgate can use",
  ERR_VALIDATION: '`returnTo` is not on this server or an allowed origin',
} as const;

const callbackErrors = {
  ERR_OAUTH_PROVIDER_UNKNOWN: 'no provider of that name in `OAuth.Providers`',
  ERR_OAUTH_STATE_INVALID:
    'no flow of this provider was started here (no or another flow cookie or flowToken), it expired (`OAuth.FlowExpire`), its `state` differs, or it was finished already',
  ERR_OAUTH_DENIED: 'the user refused consent or cancelled at the provider',
  ERR_OAUTH_PROVIDER_ERROR:
    'the provider refused the code (wrong PKCE verifier, expired or used code) or answered something that fails a check: an id token with the wrong `iss`, `aud`, `azp`, `nonce`, an expired one or one not signed by its keys, no subject',
  ERR_OAUTH_PROVIDER_UNAVAILABLE: 'the provider cannot be reached, is too slow (`OAuth.Timeout`) or answers 5xx',
  ERR_IDENTITY_TAKEN: 'linking: the identity is linked to another account, or this account has one from that provider',
  ERR_TOKEN_REVOKED:
    'linking: the session that started the link has ended (a logout, or a password change elsewhere ended it) before the callback; nothing is linked',
  ERR_OAUTH_SIGN_UP_CLOSED: 'no account is linked to the identity, and registration is closed',
  ERR_EMAIL_REQUIRED:
    'no account is linked to the identity, `Auth.RequireEmail` is on, and the provider gave no verified address that no other account has: no account is made',
  ERR_INVALID_CREDENTIALS: 'the account linked to the identity is disabled',
  ERR_RATE_LIMITED: 'a first sign-in makes an account: counted as a registration (`Register.MaxPerIp`)',
  ERR_STORE_UNAVAILABLE: 'the database cannot be reached; nothing was made',
} as const;

/** The sign-in stands without its provider logout hint: only the logout at the provider is lost. */
function warnHintLost(request: FastifyRequest): (error: unknown) => void {
  return (error) => request.log.warn({ err: error }, 'provider logout hint not kept');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Where to send the browser with a fragment, keeping the target's own path and query. */
function withFragment(target: string, fragment: Record<string, string>): string {
  const url = new URL(target);
  url.hash = new URLSearchParams(fragment).toString();
  return url.href;
}

/** What a finished flow answers: a session (or its paused login), or the identity it linked. */
type FlowOutcome =
  | { readonly kind: 'signed-in'; readonly body: ReturnType<typeof tokenBody> }
  | { readonly kind: 'paused'; readonly body: PausedLogin }
  | { readonly kind: 'linked'; readonly user: UserRecord };

/**
 * Sign-in with identity providers: the browser flow (`GET …/start` and
 * `GET …/callback`, ending in a redirect and the refresh cookie) and its
 * JSON variant for API clients (`POST …/start` and `POST …/callback`,
 * ending in tokens). Every failure of the browser flow ends on the page
 * with a code to show, and in the audit trail; none is a 500.
 */
export const oauthRoutes: FastifyPluginAsync<OAuthRoutesOptions> = async (app, deps) => {
  const { oauth } = deps;
  const now = () => deps.clock.now();

  const providerOf = (name: string) => oauthProvider(oauth, name);
  const startFlow = (provider: ProviderClient, input: Parameters<typeof startOAuthFlow>[3]) =>
    startOAuthFlow(oauth, now(), provider, input);

  /**
   * An identity signs in alone, so a link rests on the session that asked
   * for it, which must still stand in the store (not only in this instance's
   * revocation list): whoever holds a stolen session cannot finish a link
   * after the owner ended that session or changed the password meanwhile.
   */
  async function assertLinkingSessionStands(userId: string, sessionId: string | null): Promise<void> {
    // A link flow sealed before flows carried their session is refused rather than trusted.
    if (sessionId == null) throw new AuthError('ERR_TOKEN_REVOKED', { reason: 'no-linking-session' });
    await standingSession(deps.sessions, { sub: userId, sid: sessionId });
  }

  /**
   * Finishes a flow: the state the provider sent back must be the flow's,
   * and the flow is spent (on every instance) before the code is redeemed,
   * so a callback replayed with the same cookie or flowToken is refused.
   */
  async function finishFlow(
    request: FastifyRequest,
    reply: FastifyReply,
    input: { provider: ProviderClient; flow: OAuthFlow; query: string },
  ): Promise<FlowOutcome> {
    const { provider, flow } = input;
    const state = new URLSearchParams(input.query).get('state');
    if (state === null || !sameText(state, flow.state)) {
      throw new AuthError('ERR_OAUTH_STATE_INVALID', { reason: 'state-mismatch' });
    }
    const [spent] = await oauth.attempts.hit([`oauth-flow:${flow.state}`], now(), oauth.flowExpireSec * 1000);
    if ((spent?.failures ?? 0) > 1) throw new AuthError('ERR_OAUTH_STATE_INVALID', { reason: 'replay' });
    const callbackUrl = new URL(redirectUriOf(oauth.publicUrl, provider.name));
    callbackUrl.search = input.query;
    const profile = await provider.finish(callbackUrl, flow);
    const client = clientInfo(request);
    if (flow.linkUserId !== null) await assertLinkingSessionStands(flow.linkUserId, flow.linkSessionId);
    const account = await resolveFederatedAccount(oauth.accounts, {
      provider: provider.name,
      profile,
      linkUserId: flow.linkUserId,
      client,
    });
    if (flow.linkUserId !== null) return { kind: 'linked', user: account.user };
    const cookie = flow.mode === 'cookie';
    const signIn = {
      provider: provider.name,
      idToken: profile.tokens.idToken,
      subject: profile.subject,
      providerSid: profile.providerSid,
    };
    const body = await finishFirstFactor(deps, reply, {
      user: account.user,
      device: flow.device,
      cookie,
      client,
      amr: [FEDERATED_AMR],
      // A sign-in that pauses for a second factor carries it, sealed, in the paused login.
      providerHint: (challengeId) => oauth.logout.sealForPausedLogin(challengeId, signIn),
      started: (session: SessionRecord) => oauth.logout.remember(session, signIn, warnHintLost(request)),
    });
    return 'mfaRequired' in body ? { kind: 'paused', body } : { kind: 'signed-in', body };
  }

  function openFlow(sealed: string | null, provider: string, mode: OAuthFlow['mode']): OAuthFlow {
    const flow = sealed === null ? null : oauth.sealer.open(sealed, now());
    if (flow === null) throw new AuthError('ERR_OAUTH_STATE_INVALID', { reason: sealed === null ? 'no-flow' : 'flow' });
    if (flow.provider !== provider || flow.mode !== mode) {
      throw new AuthError('ERR_OAUTH_STATE_INVALID', { reason: 'other-flow' });
    }
    return flow;
  }

  app.get(
    '/auth/oauth/providers',
    {
      schema: {
        summary: 'The identity providers users can sign in with',
        description: 'For the sign-in page: each provider in `OAuth.Providers`, with the name to show.',
        tags: ['oauth'],
        response: {
          200: {
            type: 'object',
            required: ['providers'],
            properties: {
              providers: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['name', 'displayName'],
                  properties: { name: { type: 'string' }, displayName: { type: 'string' } },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async () => ({
      providers: [...oauth.providers.values()].map((p) => ({ name: p.name, displayName: p.displayName })),
    }),
  );

  app.get<{ Params: { provider: string }; Querystring: { returnTo?: string; device?: string } }>(
    '/auth/oauth/:provider/start',
    {
      schema: {
        summary: 'Sign in with an identity provider (browser)',
        description:
          "Redirects to the provider's sign-in page: authorization code flow with PKCE (S256), `state` and (OpenID Connect) `nonce`, all sealed in a short-lived HttpOnly cookie bound to this browser. The provider sends the browser back to `GET /auth/oauth/{provider}/callback`.",
        tags: ['oauth'],
        params: providerParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { returnTo: returnToSchema, device: deviceSchema },
        },
        response: { 302: redirectAnswer, ...errorResponses },
        errors: {
          ...flowErrors,
          ERR_COOKIE_MODE_DISABLED: 'the browser flow ends in the refresh cookie; `Cookie.Mode` is `off`',
        },
      },
    },
    async (request, reply) => {
      const returnTo = resolveReturnTo(request.query.returnTo, oauth);
      if (deps.refreshCookie === null) throw new AuthError('ERR_COOKIE_MODE_DISABLED');
      const provider = providerOf(request.params.provider);
      const { authorizationUrl, sealed } = await startFlow(provider, {
        returnTo,
        linkUserId: null,
        linkSessionId: null,
        mode: 'cookie',
        device: request.query.device ?? null,
      });
      oauth.flowCookie.set(reply, sealed, oauth.flowExpireSec);
      return reply.redirect(authorizationUrl, 302);
    },
  );

  app.get<{ Params: { provider: string } }>(
    '/auth/oauth/:provider/callback',
    {
      schema: {
        summary: 'Where the provider sends the browser back (the redirect URI to register)',
        description:
          'Checks the flow cookie and `state`, spends the flow, redeems the code with the PKCE verifier, validates the id token, then signs in (a new account at the first sign-in), or links the identity for a signed-in user who asked to. Ends in a redirect to `returnTo` with the refresh cookie set; failures too end there, with `#oauth-error=<code>`, and in the audit trail (`oauth.failed`).',
        tags: ['oauth'],
        params: providerParams,
        response: { 302: redirectAnswer, ...errorResponses },
        errors: callbackErrors,
      },
    },
    async (request, reply) => {
      const sealed = oauth.flowCookie.read(request);
      oauth.flowCookie.clear(reply);
      const flowSeen = sealed === null ? null : oauth.sealer.open(sealed, now());
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
      try {
        const provider = providerOf(request.params.provider);
        const flow = openFlow(sealed, provider.name, 'cookie');
        const outcome = await finishFlow(request, reply, { provider, flow, query });
        if (outcome.kind === 'linked') {
          return reply.redirect(withFragment(flow.returnTo, { 'oauth-linked': provider.name }), 302);
        }
        if (outcome.kind === 'paused') {
          const { mfaToken, methods } = outcome.body;
          return reply.redirect(
            withFragment(flow.returnTo, { 'oauth-mfa': mfaToken, methods: methods.join(',') }),
            302,
          );
        }
        return reply.redirect(flow.returnTo, 302);
      } catch (error) {
        const coded = isAuthError(error)
          ? error
          : new AuthError('ERR_INTERNAL', { reason: 'unexpected', cause: error });
        if (!isAuthError(error)) request.log.error({ err: error }, 'sign-in with an identity provider failed');
        deps.events?.oauthFailed({
          provider: request.params.provider,
          error: coded,
          ...(flowSeen?.linkUserId == null ? {} : { userId: flowSeen.linkUserId }),
          client: clientInfo(request),
        });
        // Only a page this server chose, or the flow's checked returnTo: never an address from the request.
        const target = flowSeen?.returnTo ?? (deps.webPage ? `${oauth.publicUrl}/` : null);
        if (target === null) throw coded;
        return reply.redirect(withFragment(target, { 'oauth-error': coded.code }), 302);
      }
    },
  );

  app.post<{ Params: { provider: string }; Body: { returnTo?: string; device?: string } }>(
    '/auth/oauth/:provider/start',
    {
      config: { csrf: true },
      schema: {
        summary: 'Sign in with an identity provider (JSON variant, for apps)',
        description:
          'Starts the same flow for an app that opens `authorizationUrl` in a browser it controls (ASWebAuthenticationSession, Custom Tabs, an embedded view) and catches the redirect to `GET /auth/oauth/{provider}/callback` before it loads; it then posts that URL with `flowToken` to `POST /auth/oauth/{provider}/callback` for tokens. No cookie is set.',
        tags: ['oauth'],
        params: providerParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { device: deviceSchema },
        },
        response: { 200: flowStartedSchema, ...errorResponses },
        errors: flowErrors,
      },
    },
    async (request) => {
      const provider = providerOf(request.params.provider);
      const { authorizationUrl, sealed } = await startFlow(provider, {
        returnTo: `${oauth.publicUrl}/`,
        linkUserId: null,
        linkSessionId: null,
        mode: 'json',
        device: request.body?.device ?? null,
      });
      return { authorizationUrl, flowToken: sealed };
    },
  );

  app.post<{ Params: { provider: string }; Body: { flowToken: string; callbackUrl: string } }>(
    '/auth/oauth/:provider/callback',
    {
      config: { csrf: true },
      schema: {
        summary: 'Finish a sign-in with an identity provider (JSON variant)',
        description:
          'With the `flowToken` of `POST /auth/oauth/{provider}/start` and the callback URL the provider redirected to (the redirect URI with its query): the same checks as the browser callback, answered with tokens (the refresh token in the body), `mfaRequired`, or, for a link, `{ "linked": true }`.',
        tags: ['oauth'],
        params: providerParams,
        body: {
          type: 'object',
          required: ['flowToken', 'callbackUrl'],
          additionalProperties: false,
          properties: {
            flowToken: { type: 'string', minLength: 1, maxLength: 4096 },
            callbackUrl: { type: 'string', minLength: 1, maxLength: 8192 },
          },
        },
        response: {
          200: {
            anyOf: [
              tokenResponseSchema,
              mfaRequiredSchema,
              {
                title: 'IdentityLinked',
                type: 'object',
                required: ['linked'],
                properties: { linked: { type: 'boolean', enum: [true] } },
              },
            ],
          },
          ...errorResponses,
        },
        errors: {
          ...callbackErrors,
          ERR_OAUTH_STATE_INVALID: `${callbackErrors.ERR_OAUTH_STATE_INVALID}; also a callbackUrl that is not this provider's redirect URI`,
        },
      },
    },
    async (request, reply) => {
      const provider = providerOf(request.params.provider);
      const flow = openFlow(request.body.flowToken, provider.name, 'json');
      const redirectUri = redirectUriOf(oauth.publicUrl, provider.name);
      const { callbackUrl } = request.body;
      if (!callbackUrl.startsWith(`${redirectUri}?`)) {
        throw new AuthError('ERR_OAUTH_STATE_INVALID', { reason: 'callback-url' });
      }
      try {
        const outcome = await finishFlow(request, reply, {
          provider,
          flow,
          query: callbackUrl.slice(redirectUri.length + 1),
        });
        if (outcome.kind === 'linked') return { linked: true };
        return outcome.body;
      } catch (error) {
        deps.events?.oauthFailed({
          provider: provider.name,
          error,
          ...(flow.linkUserId === null ? {} : { userId: flow.linkUserId }),
          client: clientInfo(request),
        });
        throw error;
      }
    },
  );
};
