import type { CustomClaimsHook } from '@jwtgate/core';

/**
 * The claims hook of the session manager: the embedding app's own hook, and
 * with `Auth.EmailClaims` the user's `email` and `email_verified` (the
 * OpenID Connect names) when the user has an address. Read from the user
 * record at every issue and refresh, so a verification or an address change
 * reaches the next access token.
 *
 * @example
 * createSessionManager({ ...options, ...withEmailClaims(config.auth.emailClaims, customClaims) });
 */
export function withEmailClaims(
  enabled: boolean,
  custom: CustomClaimsHook | undefined,
): { customClaims?: CustomClaimsHook } {
  if (!enabled) return custom === undefined ? {} : { customClaims: custom };
  return {
    customClaims: async (context) => {
      const own = custom === undefined ? {} : await custom(context);
      const { user } = context;
      if (user.email == null) return own;
      return { ...own, email: user.email, email_verified: user.emailVerifiedAt != null };
    },
  };
}
