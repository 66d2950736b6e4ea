import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { createInt64UserIdGenerator, isInt64Id, userIdClaimValue } from './user-id.js';

describe('userIdClaimValue', () => {
  it('gives a numeric id within 2^53 as a JSON number', () => {
    expect(userIdClaimValue('42')).toBe(42);
    expect(userIdClaimValue('9007199254740991')).toBe(9_007_199_254_740_991);
    expect(userIdClaimValue('-7')).toBe(-7);
  });

  it('keeps a numeric id beyond 2^53 as its exact decimal string, so two snowflake ids stay two', () => {
    const a = userIdClaimValue('1234567890123456789');
    const b = userIdClaimValue('1234567890123456790');
    expect(a).toBe('1234567890123456789');
    expect(b).toBe('1234567890123456790');
    expect(userIdClaimValue('9007199254740992')).toBe('9007199254740992');
    expect(JSON.parse(JSON.stringify({ a, b }))).toEqual({ a: '1234567890123456789', b: '1234567890123456790' });
  });

  it('keeps UUIDs and other strings as strings, including numbers spelt otherwise', () => {
    const uuid = '6f1c2a9e-0d4b-4c1e-9a53-2b8f0e6d7c11';
    expect(userIdClaimValue(uuid)).toBe(uuid);
    for (const id of ['007', '+5', '1e3', '1.0', ' 1', '']) expect(userIdClaimValue(id)).toBe(id);
  });

  it('knows an int64 from one past its range', () => {
    expect(isInt64Id('9223372036854775807')).toBe(true);
    expect(isInt64Id('-9223372036854775808')).toBe(true);
    expect(isInt64Id('9223372036854775808')).toBe(false);
    expect(isInt64Id('-0')).toBe(false);
  });
});

describe('createInt64UserIdGenerator', () => {
  it('makes ids that are safe JSON numbers and never repeat within a burst', () => {
    const clock = createManualClock(Date.parse('2026-12-04T20:00:00Z'));
    const next = createInt64UserIdGenerator({ nodeId: 1023, clock });
    const ids = Array.from({ length: 10_000 }, () => next());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(isInt64Id(id)).toBe(true);
      expect(Number.isSafeInteger(Number(id))).toBe(true);
      expect(typeof userIdClaimValue(id)).toBe('number');
    }
    // A burst beyond 2048 per second borrows the next seconds instead of repeating.
    expect(ids.map(BigInt).every((id, i, all) => i === 0 || id > (all[i - 1] as bigint))).toBe(true);
  });

  it('gives two instances in the same second different ids', () => {
    const clock = createManualClock(Date.parse('2026-12-04T20:00:00Z'));
    const a = createInt64UserIdGenerator({ nodeId: 1, clock });
    const b = createInt64UserIdGenerator({ nodeId: 2, clock });
    const fromA = Array.from({ length: 3000 }, () => a());
    const fromB = Array.from({ length: 3000 }, () => b());
    const both = new Set([...fromA, ...fromB]);
    expect(both.size).toBe(6000);
  });

  it('does not repeat an id when the clock steps back', () => {
    const clock = createManualClock(Date.parse('2026-12-04T20:00:10Z'));
    const next = createInt64UserIdGenerator({ nodeId: 5, clock });
    const before = [next(), next()];
    clock.set(Date.parse('2026-12-04T20:00:00Z'));
    const after = [next(), next()];
    expect(new Set([...before, ...after]).size).toBe(4);
    expect(BigInt(after[0] as string)).toBeGreaterThan(BigInt(before[1] as string));
  });

  it('refuses a node id outside 0 to 1023', () => {
    const clock = createManualClock(0);
    expect(() => createInt64UserIdGenerator({ nodeId: 1024, clock })).toThrow(TypeError);
    expect(() => createInt64UserIdGenerator({ nodeId: -1, clock })).toThrow(TypeError);
    expect(() => createInt64UserIdGenerator({ nodeId: 1.5, clock })).toThrow(TypeError);
  });
});
