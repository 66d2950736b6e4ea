import { startJwtgateFixture } from '../support/jwtgate-fixture.js';
import type { BenchProfile } from '../support/profile.js';
import { runAsChild } from '../support/report-to-parent.js';
import { seedRevocations } from '../support/seed-revocations.js';
import { asymmetricAlgorithms, createAsymmetricTokenSet, createAsymmetricVerifyCases } from './asymmetric-cases.js';
import { createFullCacheOperations } from './cache-cases.js';
import { checkSignCase, checkVerifyCase } from './check-cases.js';
import { timeOperations } from './measure.js';
import type { MicroResult, MicroRow } from './micro-result.js';
import { createSignCases } from './sign-cases.js';
import { createTokenSet } from './token-set.js';
import { createVerifyCases, type VerifyCase } from './verify-cases.js';

function sessionIdOf(accessToken: string): string {
  const payload = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    sid?: unknown;
  };
  if (typeof payload.sid !== 'string') throw new Error('the access token has no session id');
  return payload.sid;
}

/** Access-token verification and signing per call, jwtgate against its peers, in one process. */
async function measureTokens(profile: BenchProfile): Promise<MicroResult> {
  const fixture = await startJwtgateFixture();
  try {
    const { sessions } = fixture.server;
    const { accessToken } = await fixture.login();
    // A second session, ended through the real logout path, must be refused by the guard.
    const ended = await fixture.login();
    await sessions.revoke(sessionIdOf(ended.accessToken), { reason: 'logout' });
    seedRevocations(sessions.revocations, profile.revokedSessions, Date.now());

    const tokens = createTokenSet(accessToken, Math.floor(Date.now() / 1000));
    const verifyCases = await createVerifyCases(tokens, sessions, ended.accessToken, profile.revokedSessions);
    const signCases = await createSignCases(tokens);
    const rules: string[][] = [];
    for (const verifyCase of verifyCases) rules.push(await checkVerifyCase(verifyCase, tokens));
    for (const signCase of signCases) await checkSignCase(signCase, tokens);
    const asymmetricCases: { verifyCase: VerifyCase; token: string; rules: string[] }[] = [];
    for (const alg of asymmetricAlgorithms) {
      const { tokens: algTokens, key } = createAsymmetricTokenSet(alg, tokens.claims);
      for (const verifyCase of createAsymmetricVerifyCases(alg, key)) {
        asymmetricCases.push({
          verifyCase,
          token: algTokens.token,
          rules: await checkVerifyCase(verifyCase, algTokens),
        });
      }
    }

    const verifyTimings = await timeOperations(
      verifyCases.map((c) => ({ name: c.name, async: c.async, run: () => c.verify(tokens.token) })),
      profile.micro,
    );
    const signTimings = await timeOperations(
      signCases.map((c) => ({ name: c.name, async: c.async, run: () => c.sign() })),
      profile.micro,
    );
    const asymmetricTimings = await timeOperations(
      asymmetricCases.map(({ verifyCase, token }) => ({
        name: verifyCase.name,
        async: verifyCase.async,
        run: () => verifyCase.verify(token),
      })),
      profile.micro,
    );
    const asymmetric: MicroRow[] = asymmetricCases.map(({ verifyCase, rules }, i) => ({
      name: verifyCase.name,
      library: verifyCase.library,
      setup: verifyCase.setup,
      rules,
      timing: asymmetricTimings[i] as MicroRow['timing'],
    }));
    const verify: MicroRow[] = verifyCases.map((c, i) => ({
      name: c.name,
      library: c.library,
      setup: c.setup,
      rules: rules[i] ?? [],
      timing: verifyTimings[i] as MicroRow['timing'],
    }));
    const sign: MicroRow[] = signCases.map((c, i) => ({
      name: c.name,
      library: c.library,
      setup: c.setup,
      timing: signTimings[i] as MicroRow['timing'],
    }));
    const fullCaches = createFullCacheOperations(tokens.key);
    const cacheTimings = await timeOperations(fullCaches.operations, profile.micro);
    const cacheHits: MicroRow[] = cacheTimings.map((timing) => ({
      name: timing.name,
      library: '@jwtgate/core',
      setup: 'createJwtVerifier with a cache of this size, full of distinct verified tokens; one of them asked again',
      timing,
    }));
    return { verify, asymmetric, sign, cacheHits, revocationListSize: sessions.revocations.size };
  } finally {
    await fixture.close();
  }
}

runAsChild(measureTokens);
