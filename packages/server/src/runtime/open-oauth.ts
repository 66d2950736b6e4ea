import {
  type AttemptStore,
  type Clock,
  createRegistrationThrottle,
  createSecretCipher,
  type LogoutTokenReplayStore,
  type ProviderSessionStore,
  type RegistrationThrottle,
  type SessionManager,
  type UserStore,
} from '@jwtgate/core';
import type { SecurityEvents } from '../audit/security-events.js';
import type { JwtgateConfig } from '../config/config.js';
import { createOAuthFlowCookie } from '../http/oauth-flow-cookie.js';
import type { OAuthRouteDeps } from '../http/oauth-route-deps.js';
import { createBackChannelLogout } from '../oauth/backchannel-logout.js';
import { createFrontChannelLogout } from '../oauth/frontchannel-logout.js';
import { createFlowSealer } from '../oauth/oauth-flow.js';
import { createProviderClient } from '../oauth/provider-client.js';
import { createProviderLogout } from '../oauth/provider-logout.js';
import type { SqlDatabase } from '../stores/sql/open-database.js';
import { createSqlIdentityStore } from '../stores/sql/sql-identity-store.js';
import { createSqlProviderLogoutHintStore } from '../stores/sql/sql-provider-logout-hint-store.js';

/**
 * A throttle per provider, each counting per network: one provider's burst
 * of logouts, or a flood aimed at its route, never holds up another's.
 */
function throttlesByProvider(
  names: Iterable<string>,
  options: { readonly store: AttemptStore; readonly clock: Clock; readonly perMinute: number; readonly scope: string },
): ReadonlyMap<string, RegistrationThrottle> {
  return new Map(
    [...names].map((name) => [
      name,
      createRegistrationThrottle({
        store: options.store,
        clock: options.clock,
        policy: { maxPerIp: options.perMinute, windowSec: 60 },
        scope: `${options.scope}:${name}`,
      }),
    ]),
  );
}

/**
 * Sign-in with identity providers, assembled from the configuration: a
 * client per provider (discovered on first use, so a provider that is down
 * at start-up delays nothing), the identity store beside the users, and the
 * flow's sealing key, derived from the refresh secret every instance shares.
 * Registration through a provider is open (`Register` has no switch yet).
 *
 * @example
 * const oauth = openOAuth({ config, database, users, clock, events, attempts, registrationThrottle, newUserId });
 */
export function openOAuth(input: {
  readonly config: JwtgateConfig;
  readonly database: SqlDatabase;
  readonly users: UserStore;
  readonly clock: Clock;
  readonly events: SecurityEvents | undefined;
  readonly attempts: AttemptStore;
  readonly registrationThrottle: RegistrationThrottle;
  readonly newUserId: (() => string) | undefined;
  readonly sessions: Pick<SessionManager, 'revoke'>;
  readonly providerSessions: ProviderSessionStore;
  readonly logoutTokens: LogoutTokenReplayStore;
}): OAuthRouteDeps {
  const { config, clock } = input;
  const key = config.mfa.encryptionKey;
  const tokenCipher =
    config.oauth.storeProviderTokens && key !== undefined
      ? createSecretCipher({ current: key, previous: config.mfa.previousEncryptionKeys })
      : undefined;
  const providers = new Map(
    config.oauth.providers.map((provider) => [
      provider.name,
      createProviderClient(provider, { timeoutMs: config.oauth.timeoutMs, now: () => clock.now() }),
    ]),
  );
  const timeoutMs = input.database.timeoutMs;
  return {
    providers,
    accounts: {
      identities: createSqlIdentityStore(input.database.db, { timeoutMs }),
      users: input.users,
      clock,
      events: input.events,
      newUserId: input.newUserId,
      registrationThrottle: input.registrationThrottle,
      autoLinkVerifiedEmail: config.oauth.autoLinkVerifiedEmail,
      // `Register.Enabled: false` closes sign-up by an identity provider too; linking and sign-in stay.
      registrationOpen: () => config.register.enabled,
      requireEmail: config.auth.requireEmail,
      tokenCipher,
    },
    sealer: createFlowSealer(config.auth.refreshSecret),
    flowCookie: createOAuthFlowCookie({ secure: config.cookie.secure }),
    attempts: input.attempts,
    publicUrl: config.mail.publicUrl,
    allowedOrigins: config.cors.allowedOrigins,
    flowExpireSec: config.oauth.flowExpireSec,
    logout: createProviderLogout({
      hints: createSqlProviderLogoutHintStore(input.database.db, { timeoutMs }),
      providerSessions: input.providerSessions,
      providers,
      secret: config.auth.refreshSecret,
      // The page: it shows the user as signed out.
      postLogoutRedirectUri: `${config.mail.publicUrl}/`,
      now: () => clock.now(),
    }),
    backChannelLogout: createBackChannelLogout({
      providerSessions: input.providerSessions,
      replay: input.logoutTokens,
      sessions: input.sessions,
      now: () => clock.now(),
    }),
    backChannelThrottles: throttlesByProvider(providers.keys(), {
      store: input.attempts,
      clock,
      perMinute: config.oauth.backChannelLogoutsPerMinute,
      scope: 'backchannel-logout',
    }),
    frontChannelLogout: createFrontChannelLogout({
      providerSessions: input.providerSessions,
      sessions: input.sessions,
      now: () => clock.now(),
    }),
    frontChannelThrottles: throttlesByProvider(providers.keys(), {
      store: input.attempts,
      clock,
      perMinute: config.oauth.frontChannelLogoutsPerMinute,
      scope: 'frontchannel-logout',
    }),
  };
}
