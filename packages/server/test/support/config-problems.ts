import { expect } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';

/**
 * Runs something expected to refuse a configuration, and returns the
 * problems its `ConfigError` lists.
 *
 * @example
 * expect(problemsOf(() => openAuditFile(path))).toEqual(['Audit.File: …']);
 */
export function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}
