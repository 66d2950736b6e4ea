import type { SignCase } from './sign-cases.js';
import type { AttackName, TokenSet } from './token-set.js';
import { createBenchJwtVerifier, type VerifyCase } from './verify-cases.js';

/** The short name of the rule each attack token breaks, as the tables show it. */
const RULE_OF: Readonly<Record<AttackName, string>> = {
  'tampered signature': 'signature',
  expired: 'exp',
  'other issuer': 'iss',
  'other audience': 'aud',
  'other typ': 'typ',
};

/** Rules every compared verifier must enforce, or the comparison would be unfair. */
const MANDATORY: readonly AttackName[] = ['tampered signature', 'expired', 'other issuer', 'other audience'];

async function refuses(verifyCase: VerifyCase, token: string): Promise<boolean> {
  try {
    await verifyCase.verify(token);
    return false;
  } catch {
    return true;
  }
}

function subjectOf(claims: unknown): unknown {
  return claims !== null && typeof claims === 'object' ? (claims as { sub?: unknown }).sub : undefined;
}

/**
 * Proves that a verifier does the work it is timed for: it accepts the real
 * token with its claims, and refuses a tampered signature, an expired token,
 * another issuer and another audience. Returns the rules it enforced (some
 * libraries have no `typ` check; only jwtgate knows about revocation), for the
 * table. Throws when a mandatory rule is not enforced.
 *
 * @example
 * const rules = await checkVerifyCase(cases[0], tokens); // ['signature', 'exp', 'iss', 'aud', 'typ', 'revocation']
 */
export async function checkVerifyCase(verifyCase: VerifyCase, tokens: TokenSet): Promise<string[]> {
  const claims = await verifyCase.verify(tokens.token);
  if (subjectOf(claims) !== tokens.claims.sub) {
    throw new Error(`${verifyCase.name} did not return the claims of the token it verified`);
  }
  const rules: string[] = [];
  for (const [attack, rule] of Object.entries(RULE_OF) as [AttackName, string][]) {
    if (await refuses(verifyCase, tokens.attacks[attack])) rules.push(rule);
    else if (MANDATORY.includes(attack)) throw new Error(`${verifyCase.name} accepted a token with ${attack}`);
  }
  for (const [attack, token] of Object.entries(verifyCase.extraAttacks ?? {})) {
    if (!(await refuses(verifyCase, token))) throw new Error(`${verifyCase.name} accepted a token with ${attack}`);
    rules.push(attack === 'revoked session' ? 'revocation' : attack);
  }
  return rules;
}

/**
 * Proves that a signer produces a valid jwtgate access token carrying exactly
 * the claims it was given.
 *
 * @example
 * await checkSignCase(signCases[1], tokens);
 */
export async function checkSignCase(signCase: SignCase, tokens: TokenSet): Promise<void> {
  const verifier = createBenchJwtVerifier(tokens.key);
  const signed = await signCase.sign();
  const { header, claims } = verifier.verify(signed);
  if (header.kid !== tokens.key.kid) throw new Error(`${signCase.name} did not put the key id in the header`);
  const expected = JSON.stringify(Object.entries(tokens.claims).sort());
  const actual = JSON.stringify(Object.entries(claims).sort());
  if (actual !== expected) throw new Error(`${signCase.name} signed other claims than it was given`);
}
