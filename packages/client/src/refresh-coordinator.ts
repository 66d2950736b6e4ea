import type { LockManagerLike, TimersLike } from './types.js';

/** Where the token stands, as far as a refresh is concerned. */
export type TokenFreshness = 'fresh' | 'stale' | 'signed-out';

/** What the coordinator needs from the client. */
export interface RefreshCoordinatorDeps {
  /** `null`: this tab coordinates only with itself. */
  readonly locks: LockManagerLike | null;
  readonly lockName: string;
  readonly timers: TimersLike;
  readonly peerWaitMs: number;
  readonly lockHoldMs: number;
  /**
   * A number that changes whenever there is news: the token changed (here,
   * or announced by another tab) or another tab reported a failed refresh.
   */
  epoch(): number;
  /** `fresh`: no refresh needed; `stale`: one is; `signed-out`: none can help. */
  freshness(): TokenFreshness;
  /** Resolves at the next news after `sinceEpoch`, or after `ms`. */
  waitForNews(sinceEpoch: number, ms: number): Promise<void>;
  /** The refresh itself: calls the server, adopts and announces the outcome; `true` when signed in after. */
  refreshHere(): Promise<boolean>;
}

/** One refresh for everyone who needs one at the same time. */
export interface RefreshCoordinator {
  /** Resolves to whether the client is signed in afterwards; rejects when the server could not be reached. */
  refresh(): Promise<boolean>;
}

const CONTENDED = Symbol('contended');

/**
 * Single-flight refresh. Within a tab, concurrent callers share one promise.
 * Across tabs, a Web Lock makes refreshes take turns, and the token a tab
 * obtains is announced (by the client, over a BroadcastChannel) before the
 * lock is released:
 *
 * - a tab that gets the lock at once refreshes, unless a token announced
 *   since it asked already made the refresh unnecessary;
 * - a tab that finds the lock held knows another tab is refreshing: it takes
 *   that tab's token as soon as it is announced, and refreshes itself, once
 *   it has the lock, only if the other tab reported a failure or said
 *   nothing for `peerWaitMs` (it was closed);
 * - the refreshing tab holds the lock `lockHoldMs` longer, its own callers
 *   already answered, so that a tab arriving just then waits for the
 *   announcement instead of refreshing a second time.
 *
 * The cookie is shared by all tabs, so a second refresh would be a second
 * rotation, not a harmless replay: a burst across tabs must cause one.
 *
 * @example
 * const coordinator = createRefreshCoordinator({ locks: navigator.locks, lockName: 'jwtgate', ...deps });
 * await Promise.all([coordinator.refresh(), coordinator.refresh()]); // one request
 */
export function createRefreshCoordinator(deps: RefreshCoordinatorDeps): RefreshCoordinator {
  let inflight: Promise<boolean> | null = null;
  const sleep = (ms: number) => new Promise<void>((resolve) => deps.timers.setTimeout(resolve, ms));

  function acrossTabs(): Promise<boolean> {
    const locks = deps.locks;
    if (locks === null) return deps.refreshHere();
    const seen = deps.epoch();
    return new Promise<boolean>((resolve, reject) => {
      const underLock = async (contended: boolean): Promise<void> => {
        if (contended && deps.epoch() === seen) await deps.waitForNews(seen, deps.peerWaitMs);
        if (deps.epoch() !== seen) {
          const freshness = deps.freshness();
          if (freshness !== 'stale') {
            resolve(freshness === 'fresh');
            return;
          }
        }
        let signedIn: boolean;
        try {
          signedIn = await deps.refreshHere();
        } catch (error) {
          reject(error);
          return;
        }
        resolve(signedIn);
        await sleep(deps.lockHoldMs);
      };
      locks
        .request(deps.lockName, { ifAvailable: true }, async (lock) => {
          if (lock === null) return CONTENDED;
          await underLock(false);
          return undefined;
        })
        .then((first) => {
          if (first !== CONTENDED) return undefined;
          // The other tab's token usually arrives before the lock does: take it at once.
          void deps.waitForNews(seen, deps.peerWaitMs).then(() => {
            const freshness = deps.freshness();
            if (deps.epoch() !== seen && freshness !== 'stale') resolve(freshness === 'fresh');
          });
          return locks.request(deps.lockName, {}, () => underLock(true));
        })
        .catch(reject);
    });
  }

  return {
    refresh() {
      if (inflight === null) {
        const flight = acrossTabs().finally(() => {
          if (inflight === flight) inflight = null;
        });
        inflight = flight;
      }
      return inflight;
    },
  };
}
