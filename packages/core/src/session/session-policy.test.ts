import { describe, expect, it } from 'vitest';
import { assertSessionPolicy, type SessionPolicy } from './session-policy.js';

const valid: SessionPolicy = {
  issuer: 'jwtgate',
  audience: 'jwtgate',
  accessTtlSec: 900,
  refreshAfterSec: 450,
  refreshTtlSec: 7 * 86_400,
  sessionMaxAgeSec: 30 * 86_400,
  refreshGraceSec: 10,
  maxSessionsPerUser: 0,
  clockToleranceSec: 5,
};

function withSetting(name: keyof SessionPolicy, value: unknown): SessionPolicy {
  return { ...valid, [name]: value } as SessionPolicy;
}

describe('assertSessionPolicy', () => {
  it('accepts a consistent policy', () => {
    expect(() => assertSessionPolicy(valid)).not.toThrow();
  });

  it('accepts the boundaries of every rule', () => {
    const tight: SessionPolicy = {
      ...valid,
      accessTtlSec: 1,
      refreshAfterSec: 1,
      refreshTtlSec: 1,
      sessionMaxAgeSec: 1,
      refreshGraceSec: 0,
      maxSessionsPerUser: 0,
      clockToleranceSec: 0,
    };
    expect(() => assertSessionPolicy(tight)).not.toThrow();
    expect(() => assertSessionPolicy({ ...valid, refreshAfterSec: valid.accessTtlSec })).not.toThrow();
    expect(() => assertSessionPolicy({ ...valid, maxSessionsPerUser: 1 })).not.toThrow();
  });

  it.each(['accessTtlSec', 'refreshTtlSec', 'sessionMaxAgeSec'] as const)(
    'refuses a %s that is not a positive integer, naming it',
    (name) => {
      for (const value of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '900', null, undefined]) {
        expect(() => assertSessionPolicy(withSetting(name, value)), `${name} = ${String(value)}`).toThrow(
          new RegExp(name),
        );
        expect(() => assertSessionPolicy(withSetting(name, value))).toThrow(TypeError);
      }
    },
  );

  it('refuses a refresh lifetime shorter than the access lifetime', () => {
    expect(() => assertSessionPolicy({ ...valid, refreshTtlSec: valid.accessTtlSec - 1 })).toThrow(
      /refreshTtlSec.*accessTtlSec/,
    );
  });

  it('refuses a session lifetime shorter than the refresh lifetime', () => {
    expect(() => assertSessionPolicy({ ...valid, sessionMaxAgeSec: valid.refreshTtlSec - 1 })).toThrow(
      /sessionMaxAgeSec.*refreshTtlSec/,
    );
  });

  it('refuses refreshAfterSec outside 1 to accessTtlSec', () => {
    for (const value of [0, -1, valid.accessTtlSec + 1]) {
      expect(() => assertSessionPolicy(withSetting('refreshAfterSec', value))).toThrow(/refreshAfterSec/);
    }
  });

  it.each(['refreshAfterSec', 'maxSessionsPerUser'] as const)('refuses a %s that is not an integer', (name) => {
    for (const value of [1.5, Number.NaN, Number.POSITIVE_INFINITY, '10', null, undefined]) {
      expect(() => assertSessionPolicy(withSetting(name, value)), `${name} = ${String(value)}`).toThrow(
        new RegExp(name),
      );
    }
  });

  it.each(['refreshGraceSec', 'maxSessionsPerUser', 'clockToleranceSec'] as const)(
    'refuses a negative %s, naming it',
    (name) => {
      expect(() => assertSessionPolicy(withSetting(name, -1))).toThrow(new RegExp(name));
    },
  );

  it.each(['refreshGraceSec', 'clockToleranceSec'] as const)('refuses a %s that is not a finite number', (name) => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, '5', null, undefined]) {
      expect(() => assertSessionPolicy(withSetting(name, value)), `${name} = ${String(value)}`).toThrow(
        new RegExp(name),
      );
    }
  });

  it('throws TypeError for every inconsistent setting', () => {
    const broken: Partial<SessionPolicy>[] = [
      { accessTtlSec: 0 },
      { refreshTtlSec: 1 },
      { sessionMaxAgeSec: 1 },
      { refreshAfterSec: 0 },
      { refreshGraceSec: -1 },
      { maxSessionsPerUser: -1 },
      { clockToleranceSec: -1 },
    ];
    for (const change of broken) {
      expect(() => assertSessionPolicy({ ...valid, ...change })).toThrow(TypeError);
    }
  });
});
