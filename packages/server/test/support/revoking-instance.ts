import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RedisConfig } from '../../src/config/config.js';
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
 * const instance = await startRevokingInstance(redisConfig, 'revoke');
 */
export async function startRevokingInstance(
  redis: RedisConfig,
  operation: RevokingOperation,
): Promise<RevokingInstance> {
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npx tsc -b packages/server\` first`);
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
