import { AuthError, isAuthError } from '@jwtgate/core';
import type { FastifyPluginAsync } from 'fastify';
import { acceptFormBodies, FORM_MEDIA_TYPE } from '../form-body.js';
import { oauthErrorResponses, useOAuthErrors } from '../oauth-errors.js';
import { clientInfo } from '../route-deps.js';
import { type OAuthRoutesOptions, providerParams } from './oauth.js';

/**
 * `POST /auth/oauth/{provider}/backchannel-logout`: an identity provider
 * ends jwtgate sessions that began there (OpenID Connect Back-Channel
 * Logout 1.0). Only for providers with `BackChannelLogout: true`; for any
 * other name the route answers 404 as if it did not exist. Answers in the
 * shape §2.8 asks for: 200 with an empty body, or 400 `invalid_request`
 * for any token that is not accepted (without saying why); a store or the
 * provider's keys out of reach answer 503, and nothing is done later. The
 * logout token is never logged.
 *
 * @example
 * await app.register(backChannelLogoutRoutes, { ...deps, oauth, webPage });
 */
export const backChannelLogoutRoutes: FastifyPluginAsync<OAuthRoutesOptions> = async (app, deps) => {
  const { oauth } = deps;
  useOAuthErrors(app, 'jwtgate', FORM_MEDIA_TYPE);
  acceptFormBodies(app);

  app.post<{ Params: { provider: string }; Body: { logout_token: string } }>(
    '/auth/oauth/:provider/backchannel-logout',
    {
      schema: {
        summary: 'Back-channel logout: the identity provider ends sessions (the URL to register at the provider)',
        description:
          "The provider posts a logout token (`application/x-www-form-urlencoded`, `logout_token`) when a user's session there ends. jwtgate checks it as Back-Channel Logout 1.0 §2.6 says: signed by a key the provider publishes with an asymmetric algorithm it announces, `iss` the provider's issuer, `aud` holding the client id, `iat` within 5 minutes (60 s leeway), `exp` if present, `jti` never seen before, the back-channel logout event, `sub` or `sid`, no `nonce`, `typ` `logout+jwt` if present. With `sid` it ends the jwtgate sessions begun by a sign-in at that provider session; with only `sub`, every session of that user begun at this provider. Their access tokens are refused at once and their refresh tokens die. Only for providers with `BackChannelLogout: true`.",
        tags: ['oauth'],
        consumes: FORM_MEDIA_TYPE,
        params: providerParams,
        body: {
          type: 'object',
          required: ['logout_token'],
          properties: {
            logout_token: { type: 'string', minLength: 1, maxLength: 16_384, description: 'The signed logout token.' },
          },
        },
        response: {
          200: { type: 'null', description: 'Accepted: the sessions it names have ended (none, for an unknown one).' },
          ...oauthErrorResponses,
        },
        errors: {
          ERR_NOT_FOUND: 'no provider of that name has `BackChannelLogout: true`',
          ERR_LOGOUT_TOKEN_INVALID:
            'the token fails a check of §2.6 (signature, algorithm, `iss`, `aud`, `iat`, `exp`, `events`, `sub`/`sid`, `nonce`, `typ`) or its `jti` was accepted before',
          ERR_VALIDATION: 'no `logout_token`',
          ERR_UNSUPPORTED_MEDIA_TYPE: 'the body is not `application/x-www-form-urlencoded`',
          ERR_RATE_LIMITED:
            "more posts from this network to this provider's route in a minute than `OAuth.BackChannelLogoutsPerMinute` allows",
          ERR_OAUTH_PROVIDER_UNAVAILABLE:
            "the provider's discovery document or keys cannot be fetched; send again later",
          ERR_OAUTH_PROVIDER_ERROR: "the provider's discovery document or keys are not ones jwtgate can use",
          ERR_STORE_UNAVAILABLE: 'a store is down; nothing was ended that the answer does not say, send again later',
        },
      },
      // Before the body is judged: a provider without the setting has no such route.
      preValidation: async (request) => {
        const provider = oauth.providers.get(request.params.provider);
        if (provider?.backChannelLogout !== true) throw new AuthError('ERR_NOT_FOUND');
        await oauth.backChannelThrottles.get(provider.name)?.reserve(clientInfo(request).ip);
        // §2.5: the token comes in a form, and only there (JSON would be parsed by the server's own parser).
        if (!String(request.headers['content-type'] ?? '').startsWith(FORM_MEDIA_TYPE)) {
          throw new AuthError('ERR_UNSUPPORTED_MEDIA_TYPE');
        }
      },
    },
    async (request, reply) => {
      const provider = oauth.providers.get(request.params.provider);
      if (provider === undefined) throw new AuthError('ERR_NOT_FOUND');
      const client = clientInfo(request);
      try {
        const { ended, by } = await oauth.backChannelLogout.accept(provider, request.body.logout_token);
        deps.events?.providerLogout({ provider: provider.name, ended, by, channel: 'back', client });
      } catch (error) {
        if (isAuthError(error, 'ERR_LOGOUT_TOKEN_INVALID')) {
          deps.events?.oauthFailed({ provider: provider.name, error, client });
        }
        throw error;
      }
      return reply.code(200).send();
    },
  );
};
