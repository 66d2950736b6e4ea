import type { ChildMessage } from './child-messages.js';
import type { BenchProfile } from './profile.js';
import { benchProfile } from './profile.js';

/**
 * Sends one message to the parent and resolves once it is on the wire, so a
 * benchmark can exit right after its result without losing it.
 *
 * @example
 * await sendToParent({ type: 'result', value: { opsPerSec: 1 } });
 */
export function sendToParent(message: ChildMessage): Promise<void> {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('this benchmark runs as a child of bench/dist/run.js (npm run bench)');
  return new Promise((resolve, reject) => {
    send(message, undefined, {}, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * The profile a child was started with (`argv[2]`).
 *
 * @example
 * const profile = profileFromArgv(); // in bench/dist/http/server-main.js
 */
export function profileFromArgv(): BenchProfile {
  const name = process.argv[2];
  if (name !== 'full' && name !== 'quick') throw new Error(`expected a profile name (full or quick), got ${name}`);
  return benchProfile(name);
}

/**
 * The body of a benchmark process: runs `measure`, reports its result (or its
 * failure) to the parent, then lets the process end.
 *
 * @example
 * runAsChild(async (profile) => ({ bytesPerEntry: await measureMemory(profile) }));
 */
export function runAsChild(measure: (profile: BenchProfile) => Promise<unknown>): void {
  measure(profileFromArgv())
    .then(
      (value) => sendToParent({ type: 'result', value }),
      async (error: unknown) => {
        process.exitCode = 1;
        await sendToParent({
          type: 'failed',
          message: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
      },
    )
    .finally(() => process.disconnect?.());
}
