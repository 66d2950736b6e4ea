import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import type { RedisTopology } from '../../src/config/config.js';
import * as scripts from '../../src/stores/redis/session-scripts.js';
import { waitFor } from './redis-servers.js';
import { childEnv } from './spawn-server.js';

const script = fileURLToPath(new URL('./revoking-instance.mjs', import.meta.url));
const built = fileURLToPath(new URL('../../dist/stores/redis/redis-session-store.js', import.meta.url));

/** What the instance's held call does: revoke its first session, all of them, or evict both by a login. */
export type RevokingOperation = 'revoke' | 'revoke-all' | 'evict';

/** A process with a session store on Redis, two sessions of one user, and one revoking call to make. */
export interface RevokingInstance {
  readonly userId: string;
  readonly sessionIds: readonly string[];
  /**
   * Sends the call and holds the process's event loop once the call is on
   * the wire: it never reads the answer. Pause Redis first, so that the
   * call runs only after the loop is held.
   */
  sendAndHold(): Promise<void>;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
  /** Everything it printed on stdout, for failure messages. */
  output(): string;
}

/**
 * Starts `revoking-instance.mjs` (built code: `npx tsc -b packages/server` first).
 *
 * @example
 * const instance = await startRevokingInstance({ kind: 'standalone', url }, 'jwtgate_t1:', 'revoke');
 */
export async function startRevokingInstance(
  topology: RedisTopology,
  keyPrefix: string,
  operation: RevokingOperation,
): Promise<RevokingInstance> {
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npx tsc -b packages/server\` first`);
  // A timeout long enough that the fence lets the held call run once Redis is unpaused.
  const redis = { topology, password: undefined, tls: false, keyPrefix, timeoutMs: 20_000 };
  const child: ChildProcess = spawn(process.execPath, [script, JSON.stringify({ redis, operation })], {
    env: childEnv(),
    stdio: 'pipe',
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const waiter of waiters) waiter();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  /** Resolves with stdout once `matches` holds, or throws when the process exits or takes too long. */
  function until(matches: (out: string) => boolean, what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`${what}: not within 20 s\n${stdout}\n${stderr}`)), 20_000);
      const check = () => {
        if (matches(stdout)) done();
      };
      const done = (error?: Error) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (error === undefined) resolve(stdout);
        else reject(error);
      };
      waiters.add(check);
      void exited.then(() => done(new Error(`${what}: the process exited\n${stdout}\n${stderr}`)));
      check();
    });
  }

  try {
    const first = (await until((out) => out.includes('\n'), 'its sessions')).split('\n')[0] as string;
    const { userId, sessionIds } = JSON.parse(first) as { userId: string; sessionIds: string[] };
    return {
      userId,
      sessionIds,
      async sendAndHold() {
        child.stdin?.write('go\n');
        await until((out) => /^sent$/m.test(out), 'the call to be sent');
      },
      async kill() {
        child.kill('SIGKILL');
        await exited;
      },
      output: () => stdout,
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/**
 * The worst moment for the instance to die: Redis has run its call, and the
 * instance has done nothing with the answer. Every script is loaded on the
 * masters first (as on a server that has run for a while, the call is one
 * EVALSHA), the masters are paused so the call waits there until the
 * instance's loop is held, and the instance is SIGKILLed once `ran` says the
 * call took effect.
 *
 * @example
 * await killRightAfterItRan(instance, [admin], async () => (await admin.hget(key, 'revokedAt')) !== null);
 */
export async function killRightAfterItRan(
  instance: RevokingInstance,
  masters: readonly Redis[],
  ran: () => Promise<boolean>,
): Promise<void> {
  for (const master of masters) {
    for (const each of Object.values(scripts)) {
      if (typeof each === 'object' && 'lua' in each) await master.script('LOAD', each.lua);
    }
  }
  for (const master of masters) await master.call('CLIENT', 'PAUSE', '1000', 'ALL');
  await instance.sendAndHold();
  await waitFor('Redis to have run the call', ran);
  await instance.kill();
}
