import { randomBytes } from 'node:crypto';
import { describe } from 'vitest';

/** The real services some tests need, and the variable that points at each. */
export const SERVICE_VARIABLES = {
  postgres: 'JWTGATE_TEST_POSTGRES_URL',
  mysql: 'JWTGATE_TEST_MYSQL_URL',
  redis: 'JWTGATE_TEST_REDIS_URL',
} as const;

export type ServiceName = keyof typeof SERVICE_VARIABLES;

const warned = new Set<ServiceName>();

/**
 * Whether this run is CI's (`CI` set to anything but `''` or `false`): there a
 * missing service or tool fails the run instead of skipping its tests.
 *
 * @example
 * if (underCi()) throw new Error('promtool is missing');
 */
export function underCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false';
}

/**
 * The URL of a real service for integration tests, or `undefined` when it is
 * not configured. Under CI (`CI` set) a missing variable throws: CI must run
 * every store against the real servers, so a missing one is a failure, not a skip.
 *
 * @example
 * const url = serviceUrl('postgres'); // 'postgres://root@127.0.0.1:5432/test'
 */
export function serviceUrl(name: ServiceName): string | undefined {
  const variable = SERVICE_VARIABLES[name];
  const url = process.env[variable];
  if (url !== undefined && url !== '') return url;
  if (underCi()) {
    throw new Error(`${variable} is not set: CI runs the ${name} tests against a real server (see .ci/run)`);
  }
  if (!warned.has(name)) {
    warned.add(name);
    console.warn(`Skipping the ${name} tests: set ${variable} to run them (see .ci/run for the values CI uses).`);
  }
  return undefined;
}

/**
 * `describe` when the service is configured, `describe.skip` otherwise (and a
 * thrown error under CI, from `serviceUrl`).
 *
 * @example
 * describeWithService('redis')('the Redis session store', () => { ... });
 */
export function describeWithService(name: ServiceName): typeof describe | typeof describe.skip {
  return serviceUrl(name) === undefined ? describe.skip : describe;
}

/**
 * A name no other test run shares (a database, a key prefix, a channel), so
 * that concurrent runs against the same servers never see each other's data.
 *
 * @example
 * uniqueName('jwtgate_t'); // 'jwtgate_t_3f9a1c0b2d4e'
 */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}
