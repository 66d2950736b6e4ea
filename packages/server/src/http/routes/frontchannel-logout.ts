import { AuthError, isAuthError } from '@jwtgate/core';
import type { FastifyPluginAsync } from 'fastify';
import type { ProviderClient } from '../../oauth/provider-client.js';
import { clientInfo } from '../route-deps.js';
import { errorResponses } from '../schemas.js';
import { type OAuthRoutesOptions, providerParams } from './oauth.js';

/** The page the provider's iframe loads: nothing to show, nothing to run. */
const SIGNED_OUT_PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signed out</title></head><body></body></html>';

/**
 * Who may frame the answer: the provider's own origin, whose logout page
 * holds the iframe, and no one else (clickjacking); nothing may load or run.
 */
function frameablePolicy(provider: ProviderClient): string {
  const origin = new URL(provider.issuer as string).origin;
  return `default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors ${origin}`;
}

/**
 * `GET /auth/oauth/{provider}/frontchannel-logout?iss=…&sid=…`: an identity
 * provider's logout page ends jwtgate sessions through the user's browser,
 * by loading this URL in an iframe (OpenID Connect Front-Channel Logout
 * 1.0). Only for providers with `FrontChannelLogout: true`; for any other
 * name the route answers 404 as if it did not exist. The request is not
 * signed, so it acts only when `iss` is the provider's issuer and `sid`
 * names one of its sessions, and it answers the same page whether or not
 * anything ended: the answer says nothing about which sessions exist. The
 * refresh cookie is left alone: it is `SameSite`, so a provider on another
 * site never sends it, and on the same site its session has just been
 * revoked and is refused at its next use; clearing it only when it matched
 * would make the answer differ.
 *
 * @example
 * await app.register(frontChannelLogoutRoutes, { ...deps, oauth, webPage });
 */
export const frontChannelLogoutRoutes: FastifyPluginAsync<OAuthRoutesOptions> = async (app, deps) => {
  const { oauth } = deps;

  app.get<{ Params: { provider: string }; Querystring: { iss?: string; sid?: string } }>(
    '/auth/oauth/:provider/frontchannel-logout',
    {
      schema: {
        summary: 'Front-channel logout: the identity provider ends sessions through the browser (the URL to register)',
        description:
          "The provider's logout page loads this URL in an iframe with `iss` and `sid` (Front-Channel Logout 1.0 with `frontchannel_logout_session_required`). When `iss` is the provider's `Issuer` and `sid` names a provider session, the jwtgate sessions begun by a sign-in in that provider session end: their access tokens are refused at once and their refresh tokens die. Any other request (no `iss`, no `sid`, another issuer, a `sid` nobody has) ends nothing, is recorded as `oauth.failed` when it is malformed, and gets the same answer: a blank page that only the provider's origin may frame, never cached. Only for providers with `FrontChannelLogout: true`.",
        tags: ['oauth'],
        produces: ['text/html'],
        params: providerParams,
        querystring: {
          type: 'object',
          properties: {
            iss: { type: 'string', maxLength: 2048, description: "The provider's issuer." },
            sid: { type: 'string', maxLength: 2048, description: "The provider's session id (the id token's `sid`)." },
          },
        },
        response: {
          200: {
            type: 'string',
            description: 'A blank HTML page, whatever ended.',
            headers: {
              'Content-Security-Policy': {
                type: 'string',
                description: "`frame-ancestors` the origin of the provider's issuer only.",
              },
              'Cache-Control': { type: 'string', description: '`no-store`.' },
            },
          },
          ...errorResponses,
        },
        errors: {
          ERR_NOT_FOUND: 'no provider of that name has `FrontChannelLogout: true`',
          ERR_VALIDATION: '`iss` or `sid` longer than 2048 characters',
          ERR_RATE_LIMITED:
            "more requests from this network to this provider's route in a minute than `OAuth.FrontChannelLogoutsPerMinute` allows",
          ERR_STORE_UNAVAILABLE: 'a store is down; the sessions may not all have ended',
        },
      },
      // Before the query is judged: a provider without the setting has no such route.
      preValidation: async (request, reply) => {
        const provider = oauth.providers.get(request.params.provider);
        if (provider?.frontChannelLogout !== true) throw new AuthError('ERR_NOT_FOUND');
        // On every answer from here on, refusals included: they too are shown in the provider's iframe.
        reply.header('content-security-policy', frameablePolicy(provider));
        await oauth.frontChannelThrottles.get(provider.name)?.reserve(clientInfo(request).ip);
      },
    },
    async (request, reply) => {
      const provider = oauth.providers.get(request.params.provider);
      if (provider === undefined) throw new AuthError('ERR_NOT_FOUND');
      const client = clientInfo(request);
      try {
        const { iss, sid } = request.query;
        const { ended } = await oauth.frontChannelLogout.accept(provider, { iss, sid });
        deps.events?.providerLogout({ provider: provider.name, ended, by: 'sid', channel: 'front', client });
      } catch (error) {
        if (!isAuthError(error, 'ERR_FRONTCHANNEL_LOGOUT_INVALID')) throw error;
        deps.events?.oauthFailed({ provider: provider.name, error, client });
      }
      return reply
        .code(200)
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('pragma', 'no-cache')
        .header('referrer-policy', 'no-referrer')
        .send(SIGNED_OUT_PAGE);
    },
  );
};
