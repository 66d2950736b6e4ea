import { describe, expect, it } from 'vitest';
import { createArgon2Hasher } from '../../src/passwords/argon2-hasher.js';
import { createBoundedHasher } from '../../src/passwords/bounded-hasher.js';

// Cheap parameters: what is tested is the bound, not argon2's cost.
const cheap = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

describe('the bounded hasher', () => {
  it('runs no more than maxConcurrent at once and queues the rest in order', async () => {
    const argon2 = await createArgon2Hasher(cheap);
    const stored = await argon2.hash('correct horse battery staple');
    let running = 0;
    let most = 0;
    const finished: number[] = [];
    const watched = {
      ...argon2,
      async verify(hash: string, password: string) {
        running += 1;
        most = Math.max(most, running);
        try {
          return await argon2.verify(hash, password);
        } finally {
          running -= 1;
        }
      },
    };
    const hasher = createBoundedHasher(watched, { maxConcurrent: 2, maxQueue: 10 });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        hasher.verify(stored, i === 11 ? 'correct horse battery staple' : `wrong ${i}`).then((ok) => {
          finished.push(i);
          return ok;
        }),
      ),
    );
    expect(most).toBe(2);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(results[11]).toBe(true);
    // Waiters start in arrival order, so the last to arrive is among the last to finish.
    expect(finished.indexOf(11)).toBeGreaterThanOrEqual(9);
    expect([hasher.running, hasher.queued]).toEqual([0, 0]);
  });

  it('refuses at once with ERR_SERVER_BUSY and Retry-After when the queue is full, and serves again after', async () => {
    const hasher = createBoundedHasher(await createArgon2Hasher(cheap), { maxConcurrent: 1, maxQueue: 2 });
    const calls = Array.from({ length: 6 }, (_, i) => hasher.hash(`password ${i}`));
    const outcomes = await Promise.allSettled(calls);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    for (const outcome of outcomes.slice(3)) {
      expect(outcome).toMatchObject({
        status: 'rejected',
        reason: { code: 'ERR_SERVER_BUSY' },
      });
    }
    await expect(hasher.hash('once more')).resolves.toMatch(/^\$argon2id\$/);
  });

  it('frees its slot when a hash fails', async () => {
    const failing = { ...(await createArgon2Hasher(cheap)), hash: async () => Promise.reject(new Error('boom')) };
    const hasher = createBoundedHasher(failing, { maxConcurrent: 1, maxQueue: 0 });
    await expect(hasher.hash('x')).rejects.toThrow('boom');
    await expect(hasher.hash('y')).rejects.toThrow('boom');
    expect(hasher.running).toBe(0);
  });
});
