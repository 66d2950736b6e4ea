import { countOf } from './admin-messages.js';

const UNITS: readonly (readonly [string, number])[] = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

/**
 * A length of time in the largest unit that divides it: "30 days",
 * "36 hours", "90 seconds". The settings are whole seconds, so nothing is
 * rounded away in what a confirmation promises.
 *
 * @example
 * describeDuration(30 * 86_400); // '30 days'
 */
export function describeDuration(seconds: number): string {
  for (const [unit, size] of UNITS) {
    if (seconds >= size && seconds % size === 0) return countOf(seconds / size, unit);
  }
  return countOf(seconds, 'second');
}
