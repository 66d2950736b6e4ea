import type { ChannelLike, LockManagerLike, TimersLike } from '../../src/types.js';

/** Lets every pending promise callback and queued task run. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A clock and timers that move only when told, shared by every simulated tab. */
export function createManualTime(start = Date.parse('2030-01-01T00:00:00Z')) {
  let now = start;
  let nextId = 1;
  const pending = new Map<number, { at: number; callback: () => void }>();
  const timers: TimersLike = {
    setTimeout(callback, ms) {
      const id = nextId++;
      pending.set(id, { at: now + Math.max(0, ms), callback });
      return id;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
  };
  return {
    clock: { now: () => now },
    timers,
    /**
     * Moves time forward, running the timers that fall due in order. Timers
     * due at the same instant run back to back, as timers of several tabs
     * would; async work settles between instants.
     */
    async advance(ms: number): Promise<void> {
      const target = now + ms;
      for (;;) {
        await settle();
        const next = Math.min(...[...pending.values()].map((timer) => timer.at));
        if (!(next <= target)) break;
        now = Math.max(now, next);
        for (const [id, timer] of [...pending.entries()]) {
          if (timer.at !== next) continue;
          pending.delete(id);
          timer.callback();
        }
      }
      now = target;
      await settle();
    },
    /** Moves time without running timers, as when a suspended laptop wakes up. */
    jump(ms: number): void {
      now += ms;
    },
    pendingTimers: () => pending.size,
  };
}

/**
 * Web Locks as the spec describes them for one exclusive lock name: granted
 * in request order, `ifAvailable` answered with `null` while held, released
 * when the callback's promise settles.
 */
export function createFakeLocks(): LockManagerLike & { readonly held: () => boolean } {
  const queues = new Map<string, (() => void)[]>();
  const heldNames = new Set<string>();
  function release(name: string): void {
    const next = queues.get(name)?.shift();
    if (next === undefined) heldNames.delete(name);
    else next();
  }
  return {
    held: () => heldNames.size > 0,
    request<T>(name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown | null) => Promise<T> | T) {
      return new Promise<T>((resolve, reject) => {
        const grant = () => {
          Promise.resolve()
            .then(() => callback({ name }))
            .then(resolve, reject)
            .finally(() => release(name));
        };
        if (!heldNames.has(name)) {
          heldNames.add(name);
          grant();
        } else if (options.ifAvailable === true) {
          Promise.resolve()
            .then(() => callback(null))
            .then(resolve, reject);
        } else {
          const queue = queues.get(name) ?? [];
          queue.push(grant);
          queues.set(name, queue);
        }
      });
    },
  };
}

/** BroadcastChannel semantics: a message reaches every other member, asynchronously, never its sender. */
export function createChannelHub() {
  const members = new Set<{ listeners: Set<(event: { data: unknown }) => void> }>();
  const sent: unknown[] = [];
  return {
    sent,
    join(): ChannelLike {
      const member = { listeners: new Set<(event: { data: unknown }) => void>() };
      members.add(member);
      return {
        postMessage(message) {
          sent.push(message);
          const data = structuredClone(message);
          for (const other of members) {
            if (other === member) continue;
            setImmediate(() => {
              for (const listener of other.listeners) listener({ data });
            });
          }
        },
        addEventListener: (_type, listener) => member.listeners.add(listener),
        removeEventListener: (_type, listener) => member.listeners.delete(listener),
        close: () => members.delete(member),
      };
    },
  };
}
