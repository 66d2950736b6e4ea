import type { AuditStore, EmailStore } from '@jwtgate/core';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { runInAuditContext } from '../audit/audit-context.js';
import type { JwtgateConfig } from '../config/config.js';
import { configSpec } from '../config/spec.js';
import type { JwtgateMetrics } from '../metrics/jwtgate-metrics.js';
import { createClientAuthenticator } from './client-auth.js';
import type { OAuthRouteDeps } from './oauth-route-deps.js';
import { createOriginPolicy } from './origin-policy.js';
import { authGuardPlugin } from './plugins/auth-guard.js';
import { corsPlugin } from './plugins/cors.js';
import { csrfPlugin } from './plugins/csrf.js';
import { errorHandlerPlugin } from './plugins/error-handler.js';
import { jsonBodyPlugin } from './plugins/json-body.js';
import { requestMetricsPlugin } from './plugins/request-metrics.js';
import { validationPlugin } from './plugins/validation.js';
import { routeCatalogPlugin } from './reference/route-catalog.js';
import { createRefreshCookie, refreshCookieName } from './refresh-cookie.js';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id.js';
import { withSafeRequestLog } from './request-log.js';
import { auditContextOf, type CookieRouteDeps, type RouteDeps } from './route-deps.js';
import { accountRoutes } from './routes/account.js';
import { adminRoutes } from './routes/admin.js';
import { adminAuditRoutes } from './routes/admin-audit.js';
import { adminInvitationRoutes } from './routes/admin-invitations.js';
import { adminMailRoutes } from './routes/admin-mail.js';
import { adminOverviewRoutes } from './routes/admin-overview.js';
import { authRoutes } from './routes/auth.js';
import { authSettingsRoutes } from './routes/auth-settings.js';
import { backChannelLogoutRoutes } from './routes/backchannel-logout.js';
import { type DevMail, devMailRoutes } from './routes/dev-mail.js';
import { emailRoutes } from './routes/email.js';
import { emailSignInRoutes } from './routes/email-sign-in.js';
import { forwardAuthRoutes, isForwardAuth } from './routes/forward-auth.js';
import { frontChannelLogoutRoutes } from './routes/frontchannel-logout.js';
import type { Readiness } from './routes/health.js';
import { healthRoutes } from './routes/health.js';
import { identityRoutes } from './routes/identities.js';
import { introspectionRoutes } from './routes/introspect.js';
import { invitationRoutes } from './routes/invitation.js';
import { type JwksRouteOptions, jwksRoutes } from './routes/jwks.js';
import { meRoutes } from './routes/me.js';
import { mfaRoutes } from './routes/mfa.js';
import { oauthRoutes } from './routes/oauth.js';
import { oauthMetadataRoutes } from './routes/oauth-metadata.js';
import { openApiRoutes } from './routes/openapi.js';
import { passkeyRoutes } from './routes/passkeys.js';
import { passwordRoutes } from './routes/password.js';
import { type RevocationFeedOptions, revocationFeedRoutes } from './routes/revocation-feed.js';
import { sessionRoutes } from './routes/sessions.js';
import { webRoutes } from './routes/web.js';
import { createSilentRefresh } from './silent-refresh.js';

/** Browser sessions: the refresh cookie, the origins trusted with it, and the web page. */
export interface BrowserOptions {
  readonly cookie: JwtgateConfig['cookie'];
  /** `Cors.AllowedOrigins`, normalised. */
  readonly allowedOrigins: readonly string[];
  /** Serve the page at `/`. */
  readonly web: boolean;
}

/** Everything the HTTP app needs. */
export interface AppOptions extends RouteDeps {
  /** The bearer realm (`Name` in the configuration). */
  readonly realm: string;
  readonly bodyLimit: number;
  /** Proxies whose `X-Forwarded-For` is trusted. */
  readonly trustProxy: readonly string[];
  /** Whether this instance should get traffic, and the state of each store (`open-stores.ts`). */
  readonly readiness: () => Promise<Readiness>;
  /** Check every authenticated request's session in the store too (`Revocation.Strict`). */
  readonly strictRevocation?: boolean;
  readonly logger: FastifyServerOptions['logger'];
  /** Serve the public keys at `/.well-known/jwks.json`. */
  readonly jwks?: Omit<JwksRouteOptions, 'clock'>;
  /** Omitted: no cookie mode, no CORS, no web page (an API-only app). */
  readonly browser?: BrowserOptions;
  /** Serve the app's API reference at `/openapi.json` and `/docs`. */
  readonly openApi?: boolean;
  /** Count requests into these metrics; omitted, requests cost nothing extra. */
  readonly metrics?: JwtgateMetrics;
  /** Serve the audit trail kept in the database at `GET /admin/audit`; omitted, the route does not exist. */
  readonly auditStore?: AuditStore;
  /** The outbox, for `GET /admin/mail` (with `mail`). */
  readonly emailStore?: EmailStore;
  /** Development without SMTP: the mails `GET /dev/mail` lists. */
  readonly devMail?: () => readonly DevMail[];
  /** Forward authentication's headers, the clients of introspection and the feed, the public URL (`Gateway.*`). */
  readonly gateway: JwtgateConfig['gateway'];
  /** `Auth.Issuer`, for the authorization server metadata. */
  readonly issuer: string;
  /** Serve the revocation feed at `GET /auth/revocations`; omitted, the route does not exist. */
  readonly revocationFeed?: Omit<RevocationFeedOptions, 'clients'>;
  /** Sign-in with identity providers and linked identities; omitted, those routes do not exist. */
  readonly oauth?: OAuthRouteDeps;
}

/** Log redaction: credentials never reach a log line, even at trace level. */
export const redactedLogPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'res.headers["x-access-token"]',
  'req.body.password',
  'req.body.refreshToken',
  'req.body.newPassword',
  'req.body.currentPassword',
  'req.body.token',
  'req.body.mfaToken',
  'req.body.code',
  'req.body.invitation',
];

/** Whether a Content-Security-Policy lets some page frame the answer: a `frame-ancestors` other than `'none'`. */
function namesFrameAncestors(policy: string): boolean {
  const directive = policy
    .split(';')
    .map((part) => part.trim().split(/\s+/))
    .find(([name]) => name?.toLowerCase() === 'frame-ancestors');
  return directive !== undefined && directive.length > 1 && directive[1] !== "'none'";
}

/**
 * Builds the Fastify app. Plugins are registered in dependency order: body
 * parsing and validation, errors, the guard, then one plugin per resource.
 *
 * @example
 * const app = await buildApp(options);
 * await app.listen({ port: 8888 });
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: withSafeRequestLog(options.logger),
    bodyLimit: options.bodyLimit,
    trustProxy: options.trustProxy.length > 0 ? [...options.trustProxy] : false,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
    // `reqId` on every log line of the request; the caller's own id only when it is well formed.
    genReqId: (request) => requestIdFor(request.headers[REQUEST_ID_HEADER]),
  });
  // First of all hooks, so that every answer, errors and 404s included, names its request in
  // X-Request-Id, and every audit record the request causes, in any later hook or deep inside
  // the session manager, carries the request's id and client.
  // Forward authentication, the hot path of every gateway in front of jwtgate, skips the hooks
  // it has no use for: this one (it records nothing), CORS and the common response headers.
  app.addHook('onRequest', (request, reply, done) => {
    if (isForwardAuth(request)) {
      done();
      return;
    }
    reply.header(REQUEST_ID_HEADER, request.id);
    runInAuditContext(auditContextOf(request), done);
  });
  // First, so that it sees every route (the API reference is built from it).
  await app.register(routeCatalogPlugin);
  await app.register(jsonBodyPlugin);
  await app.register(validationPlugin);
  await app.register(errorHandlerPlugin, { realm: options.realm });
  if (options.metrics !== undefined) await app.register(requestMetricsPlugin, { metrics: options.metrics });
  const browser = options.browser;
  const origins = createOriginPolicy(browser?.allowedOrigins ?? []);
  const refreshCookie =
    browser === undefined || browser.cookie.mode === 'off'
      ? null
      : createRefreshCookie(browser.cookie, { clock: options.clock, refreshTokens: options.sessions.refreshTokens });
  // CORS first, so its headers are on every answer, errors included.
  await app.register(corsPlugin, { origins, skip: isForwardAuth });
  await app.register(authGuardPlugin, {
    sessions: options.sessions,
    strict: options.strictRevocation ?? false,
    onVerified: options.metrics?.tokenVerified,
    onExpired:
      refreshCookie === null ? undefined : createSilentRefresh({ sessions: options.sessions, refreshCookie, origins }),
  });
  await app.register(csrfPlugin, { origins, refreshCookie });
  // A keep-alive connection that is busy when close() begins would stay open
  // after its answer until the client drops it (~70 s), holding shutdown up.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  // Callbacks rather than async functions: no promise per request.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    // No answer may be framed by another page (clickjacking), errors included: the old header
    // for old browsers, CSP's frame-ancestors for the rest unless the answer has its own policy.
    // An answer whose own policy names who may frame it (front-channel logout) goes without
    // the old header, which can only say no to everyone.
    const ownPolicy = reply.getHeader('content-security-policy');
    if (ownPolicy === undefined) {
      reply.header('x-frame-options', 'DENY');
      reply.header('content-security-policy', "frame-ancestors 'none'");
    } else if (!namesFrameAncestors(String(ownPolicy))) {
      reply.header('x-frame-options', 'DENY');
    }
    if (!isForwardAuth(request)) {
      // Token answers must never be cached (RFC 6749 §5.1); the rest is per-user too. An answer a
      // silent refresh gave new tokens is a token answer, whatever caching its route allowed.
      if (!reply.hasHeader('cache-control') || reply.hasHeader('x-access-token')) {
        reply.header('cache-control', 'no-store');
      }
      reply.header('x-content-type-options', 'nosniff');
    }
    done(null, payload);
  });
  app.addHook('onResponse', (_request, _reply, done) => {
    // Also covers answers whose headers were already out when close() began.
    if (closing) app.server.closeIdleConnections();
    done();
  });

  const deps: CookieRouteDeps = {
    sessions: options.sessions,
    users: options.users,
    hasher: options.hasher,
    passwordScreen: options.passwordScreen,
    contextWords: options.contextWords,
    clock: options.clock,
    throttle: options.throttle,
    registrationThrottle: options.registrationThrottle,
    events: options.events,
    mfa: options.mfa,
    emailPolicy: options.emailPolicy,
    mail: options.mail,
    newUserId: options.newUserId,
    accounts: options.accounts,
    invitations: options.invitations,
    identities: options.oauth?.accounts.identities,
    providerLogout: options.oauth?.logout,
    auditTrail:
      options.auditTrail ??
      (options.auditStore === undefined ? undefined : { store: options.auditStore, flush: async () => {} }),
    refreshCookie,
    origins,
  };
  await app.register(healthRoutes, { readiness: options.readiness });
  await app.register(forwardAuthRoutes, {
    sessions: options.sessions,
    headers: options.gateway,
    strict: options.strictRevocation ?? false,
  });
  await app.register(authRoutes, deps);
  await app.register(authSettingsRoutes, deps satisfies RouteDeps);
  await app.register(meRoutes, deps satisfies RouteDeps);
  await app.register(accountRoutes, deps);
  await app.register(passwordRoutes, deps satisfies RouteDeps);
  await app.register(sessionRoutes, deps);
  await app.register(mfaRoutes, deps);
  await app.register(passkeyRoutes, deps);
  await app.register(adminRoutes, { ...deps, identities: options.oauth?.accounts.identities });
  if (options.oauth !== undefined) {
    const oauthDeps = { ...deps, oauth: options.oauth, webPage: browser?.web === true };
    await app.register(oauthRoutes, oauthDeps);
    await app.register(identityRoutes, oauthDeps);
    await app.register(backChannelLogoutRoutes, oauthDeps);
    await app.register(frontChannelLogoutRoutes, oauthDeps);
  }
  if (options.invitations !== undefined) {
    await app.register(invitationRoutes, { ...deps, invitations: options.invitations });
    await app.register(adminInvitationRoutes, { ...deps, invitations: options.invitations });
  }
  if (options.auditStore !== undefined) await app.register(adminAuditRoutes, { ...deps, audit: options.auditStore });
  await app.register(adminOverviewRoutes, { ...deps, audit: options.auditStore });
  if (options.mail !== undefined) {
    await app.register(emailRoutes, { ...deps, mail: options.mail });
    if (options.mail.signIn) await app.register(emailSignInRoutes, { ...deps, mail: options.mail });
  }
  if (options.emailStore !== undefined)
    await app.register(adminMailRoutes, { ...deps, emailStore: options.emailStore });
  if (options.devMail !== undefined) await app.register(devMailRoutes, { recent: options.devMail });
  if (options.jwks !== undefined) await app.register(jwksRoutes, { ...options.jwks, clock: options.clock });
  const clients = createClientAuthenticator({ clients: options.gateway.clients, realm: options.realm });
  await app.register(introspectionRoutes, {
    sessions: options.sessions,
    clients,
    realm: options.realm,
    strict: options.strictRevocation ?? false,
  });
  if (options.revocationFeed !== undefined) {
    await app.register(revocationFeedRoutes, { ...options.revocationFeed, clients });
  }
  await app.register(oauthMetadataRoutes, {
    issuer: options.issuer,
    publicUrl: options.gateway.publicUrl,
    algorithms: [...new Set((options.jwks?.keys() ?? []).map((key) => key.alg))],
    revocationFeed: options.revocationFeed !== undefined,
  });
  if (browser?.web === true) await app.register(webRoutes);
  if (options.openApi === true) {
    await app.register(openApiRoutes, {
      // An API-only app has no cookie mode; the document still names the cookie's scheme.
      refreshCookieName: browser === undefined ? configSpec.Cookie.Name.default : refreshCookieName(browser.cookie),
    });
  }
  return app;
}
