import { describe, expect, it } from 'vitest';
import { readRevocationPage } from './revocation-page.js';

/** A `WITHSCORES` reply of these [id, score] pairs. */
const reply = (...pairs: [string, number | string][]) => pairs.flatMap(([id, score]) => [id, String(score)]);

describe('readRevocationPage', () => {
  it('ends on a page shorter than the limit', () => {
    const page = readRevocationPage(reply(['a', 10], ['b', 11]), { score: 0, skip: 0 }, 3);
    expect(page).toEqual({
      revocations: [
        { id: 'a', revokedAt: 10 },
        { id: 'b', revokedAt: 11 },
      ],
      next: null,
    });
  });

  it('resumes after the entries of the last millisecond already read', () => {
    const page = readRevocationPage(reply(['a', 10], ['b', 12], ['c', 12]), { score: 0, skip: 0 }, 3);
    expect(page.next).toEqual({ score: 12, skip: 2 });
  });

  it('adds to the skip when a whole page shares the cursor’s millisecond', () => {
    const page = readRevocationPage(reply(['c', 12], ['d', 12]), { score: 12, skip: 2 }, 2);
    expect(page.next).toEqual({ score: 12, skip: 4 });
  });

  it('leaves out an entry with a score that is no time, but counts it for the cursor', () => {
    const page = readRevocationPage(reply(['a', 10], ['odd', '10.5'], ['b', 10.5]), { score: 0, skip: 0 }, 3);
    expect(page.revocations).toEqual([{ id: 'a', revokedAt: 10 }]);
    expect(page.next).toEqual({ score: 10.5, skip: 2 });
    expect(readRevocationPage(reply(['a', 10], ['z', 'inf']), { score: 0, skip: 0 }, 2).next).toBeNull();
  });
});
