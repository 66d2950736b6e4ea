import { assertStepUpRequirement, type StepUpRequirement } from '@jwtgate/core';

/**
 * What a route asks of the sign-in behind a token, beyond a valid token
 * (RFC 9470 step-up). Refused with 401 and `WWW-Authenticate: Bearer
 * error="insufficient_user_authentication"`, with `acr_values` and/or
 * `max_age`, so the client knows to sign in again.
 */
export interface StepUpOptions {
  /** The sign-in used a second factor: the token's `amr` holds `mfa`. */
  readonly requireMfa?: boolean;
  /** The sign-in (`auth_time`) is at most this many seconds old. */
  readonly maxAuthAge?: number;
}

/** The requirement of options, checked once where they are given (`TypeError`); `null` when they ask nothing. */
export function stepUpRequirement(options: StepUpOptions | undefined): StepUpRequirement | null {
  if (options === undefined) return null;
  const requirement: StepUpRequirement = {
    ...(options.requireMfa === undefined ? {} : { requireMfa: options.requireMfa }),
    ...(options.maxAuthAge === undefined ? {} : { maxAuthAgeSec: options.maxAuthAge }),
  };
  assertStepUpRequirement(requirement);
  return requirement.requireMfa === true || requirement.maxAuthAgeSec !== undefined ? requirement : null;
}

/** Both requirements at once: the stricter of each. */
export function mergeStepUp(a: StepUpRequirement | null, b: StepUpRequirement | null): StepUpRequirement | null {
  if (a === null) return b;
  if (b === null) return a;
  const ages = [a.maxAuthAgeSec, b.maxAuthAgeSec].filter((age): age is number => age !== undefined);
  return {
    requireMfa: a.requireMfa === true || b.requireMfa === true,
    ...(ages.length === 0 ? {} : { maxAuthAgeSec: Math.min(...ages) }),
  };
}
