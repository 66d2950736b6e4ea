import { h } from './dom.js';

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1_000],
];

/**
 * "in 5 minutes", "2 hours ago", "now".
 *
 * @example
 * fromNow(Date.now() + 90_000); // 'in 2 minutes'
 */
export function fromNow(at: number, now = Date.now()): string {
  const delta = at - now;
  for (const [unit, ms] of UNITS) {
    if (Math.abs(delta) >= ms || unit === 'second') return relative.format(Math.round(delta / ms), unit);
  }
  return relative.format(0, 'second');
}

/** A `<time>` element showing the local date and time, machine-readable in `datetime`. */
export function timeElement(at: number, text?: string): HTMLTimeElement {
  const date = new Date(at);
  return h('time', { datetime: date.toISOString(), title: date.toLocaleString() }, text ?? date.toLocaleString());
}
