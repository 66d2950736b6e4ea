import { owaspArgon2Params } from '@jwtgate/server';
import type { BenchProfile } from '../support/profile.js';
import { type ServerChild, startServerProcess } from '../support/spawn-child.js';
import { median, quantile } from '../support/stats.js';
import { tamperSignature } from '../support/tamper.js';
import { alternateProbes } from './alternate-probes.js';
import type { PeerLoginResult, PeerLoginRow } from './login-result.js';
import { type LoginUser, loginUser, WRONG_PASSWORD } from './login-users.js';

/** How to talk to one login server over HTTP. */
interface LoginPeer {
  readonly name: string;
  readonly kind: 'jwtgate' | 'better-auth';
  readonly guardedRoute: string;
  /** Sends one login; resolves to whether the server let the user in (and handed out a credential). */
  login(user: LoginUser, password?: string): Promise<boolean>;
  /** Asks the guarded route with this credential; resolves to whether it was let through. */
  guarded(credential: string): Promise<boolean>;
}

function jwtgatePeer(server: ServerChild): LoginPeer {
  return {
    name: 'jwtgate, defaults',
    kind: 'jwtgate',
    guardedRoute: 'GET /auth/me',
    async login(user, password = user.password) {
      const response = await fetch(`${server.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: user.username, password }),
      });
      const body = (await response.json()) as { accessToken?: unknown };
      return response.status === 200 && typeof body.accessToken === 'string';
    },
    async guarded(token) {
      const response = await fetch(`${server.url}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
      await response.arrayBuffer();
      return response.status === 200;
    },
  };
}

function betterAuthPeer(server: ServerChild): LoginPeer {
  return {
    name: 'better-auth 1.7, argon2id',
    kind: 'better-auth',
    guardedRoute: 'GET /api/auth/get-session',
    async login(user, password = user.password) {
      const response = await fetch(`${server.url}/api/auth/sign-in/email`, {
        method: 'POST',
        // better-auth refuses a sign-in without an Origin, as a browser sends it.
        headers: { 'content-type': 'application/json', origin: server.url },
        body: JSON.stringify({ email: user.email, password }),
      });
      await response.arrayBuffer();
      return (
        response.status === 200 && response.headers.get('set-cookie')?.startsWith('better-auth.session_token=') === true
      );
    },
    async guarded(cookie) {
      const response = await fetch(`${server.url}/api/auth/get-session`, { headers: { cookie } });
      // An unknown session is answered 200 with `null`.
      const body = (await response.json()) as { session?: { id?: unknown } } | null;
      return response.status === 200 && typeof body?.session?.id === 'string';
    },
  };
}

/**
 * Before anything is timed, each server must let the first and the last user
 * in, refuse a wrong password (so it really verifies the hash), and accept
 * its credential on the guarded route but refuse a tampered one.
 */
async function checkPeer(peer: LoginPeer, credential: string, users: number): Promise<void> {
  const fail = (what: string) => {
    throw new Error(`${peer.name} ${what}; nothing was timed`);
  };
  if (!(await peer.login(loginUser(0)))) fail('refused the first user');
  if (!(await peer.login(loginUser(users - 1)))) fail('refused the last user');
  if (await peer.login(loginUser(0), WRONG_PASSWORD)) fail('let a wrong password in');
  if (!(await peer.guarded(credential))) fail('refused a valid credential on its guarded route');
  if (await peer.guarded(tamperSignature(credential))) fail('accepted a tampered credential on its guarded route');
}

/** What one server accumulates over its slices. */
interface Tally {
  readonly peer: LoginPeer;
  readonly server: ServerChild;
  readonly credential: string;
  readonly loginMs: number[];
  readonly healthMs: number[];
  readonly guardedMs: number[];
  readonly perRound: number[];
  cpuMicros: number;
  nextUser: number;
}

/**
 * One slice of load on one server: `concurrency` clients log in back to back,
 * each time as the next user, while a probe asks `/healthz` and the guarded
 * route in turn, one request at a time. Any refusal fails the run.
 */
async function slice(tally: Tally, users: number, concurrency: number, sliceMs: number): Promise<number> {
  const { peer } = tally;
  const cpuBefore = await tally.server.cpuMicros();
  const start = performance.now();
  const until = start + sliceMs;
  let logins = 0;
  const client = async () => {
    while (performance.now() < until) {
      const user = loginUser(tally.nextUser++ % users);
      const begun = performance.now();
      if (!(await peer.login(user))) throw new Error(`${peer.name} refused a login under load`);
      tally.loginMs.push(performance.now() - begun);
      logins += 1;
    }
  };
  const probe = () =>
    alternateProbes(
      until,
      async (guarded) => {
        if (guarded) {
          if (!(await peer.guarded(tally.credential)))
            throw new Error(`${peer.name}'s guarded route refused the probe`);
          return;
        }
        const response = await fetch(`${tally.server.url}/healthz`);
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`${peer.name}'s /healthz answered ${response.status}`);
      },
      tally.guardedMs,
      tally.healthMs,
    );
  await Promise.all([...Array.from({ length: concurrency }, client), probe()]);
  const perSec = logins / ((performance.now() - start) / 1000);
  tally.cpuMicros += (await tally.server.cpuMicros()) - cpuBefore;
  return perSec;
}

/**
 * jwtgate at its defaults and better-auth on the same argon2id cost, each in
 * a process of its own listening on 127.0.0.1, holding the same users with
 * the same password; the load comes over HTTP from this process, in
 * interleaved slices (which server goes first alternates by round) so that
 * other work on the shared machine falls on both alike.
 */
export async function measurePeerLogins(profile: BenchProfile, jwtgateMaxConcurrent: number): Promise<PeerLoginResult> {
  const { concurrency, peerUsers: users, peerRounds: rounds, peerSliceMs: sliceMs } = profile.login;
  const servers: ServerChild[] = [];
  try {
    const start = (kind: LoginPeer['kind']) =>
      startServerProcess({ script: 'login/server-main.js', args: [kind], profile, timeoutMs: 120_000 });
    const jwtgate = await start('jwtgate');
    servers.push(jwtgate);
    const betterAuth = await start('better-auth');
    servers.push(betterAuth);
    const tallies: Tally[] = [
      [jwtgatePeer(jwtgate), jwtgate],
      [betterAuthPeer(betterAuth), betterAuth],
    ].map(([peer, server]) => ({
      peer: peer as LoginPeer,
      server: server as ServerChild,
      credential: (server as ServerChild).tokens[0] as string,
      loginMs: [],
      healthMs: [],
      guardedMs: [],
      perRound: [],
      cpuMicros: 0,
      nextUser: 0,
    }));
    for (const tally of tallies) await checkPeer(tally.peer, tally.credential, users);
    // Warm-up: each server logs in for a moment before anything counts.
    for (const tally of tallies) {
      await slice({ ...tally, loginMs: [], healthMs: [], guardedMs: [] }, users, concurrency, Math.min(sliceMs, 500));
    }
    for (const tally of tallies) tally.cpuMicros = 0;
    for (let round = 0; round < rounds; round += 1) {
      for (let i = 0; i < tallies.length; i += 1) {
        const tally = tallies[(round + i) % tallies.length] as Tally;
        tally.perRound.push(await slice(tally, users, concurrency, sliceMs));
      }
    }
    const rows = tallies.map(
      (tally): PeerLoginRow => ({
        name: tally.peer.name,
        logins: tally.loginMs.length,
        loginsPerSec: median(tally.perRound),
        loginsPerSecRange: [Math.min(...tally.perRound), Math.max(...tally.perRound)],
        p50Ms: quantile(tally.loginMs, 0.5),
        p99Ms: quantile(tally.loginMs, 0.99),
        cpuMsPerLogin: tally.cpuMicros / 1000 / tally.loginMs.length,
        healthP50Ms: quantile(tally.healthMs, 0.5),
        healthP99Ms: quantile(tally.healthMs, 0.99),
        guardedRoute: tally.peer.guardedRoute,
        guardedP50Ms: quantile(tally.guardedMs, 0.5),
        guardedP99Ms: quantile(tally.guardedMs, 0.99),
        probes: tally.healthMs.length + tally.guardedMs.length,
      }),
    );
    const [own, peer] = tallies as [Tally, Tally];
    const { memoryCost, timeCost, parallelism } = owaspArgon2Params;
    return {
      users,
      concurrency,
      rounds,
      sliceMs,
      argon2: `$argon2id$v=19$m=${memoryCost},t=${timeCost},p=${parallelism}`,
      jwtgateMaxConcurrent,
      rows,
      ratios: own.perRound.map((perSec, round) => perSec / (peer.perRound[round] as number)),
    };
  } finally {
    for (const server of servers) await server.stop();
  }
}
