import { spawnSync } from 'node:child_process';
import { TOOLS } from './tools.js';

/** One sample line of a scrape. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A scrape, read and checked against the text exposition format 0.0.4. */
export interface Exposition {
  readonly samples: readonly Sample[];
  /** `# TYPE` of each family. */
  readonly types: ReadonlyMap<string, string>;
  readonly helps: ReadonlyMap<string, string>;
  /**
   * The value of the sample with exactly these labels, or `undefined` when
   * there is none.
   */
  value(name: string, labels?: Readonly<Record<string, string>>): number | undefined;
  /** The sum over every sample of `name` whose labels include `labels`. */
  sum(name: string, labels?: Readonly<Record<string, string>>): number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Inf|NaN)$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseFloatStrict(text: string, line: number): number {
  if (!FLOAT.test(text)) throw new Error(`line ${line}: "${text}" is not a float`);
  if (text.endsWith('Inf')) return text.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  return Number(text);
}

/** Reads `{a="1",b="2"}` from `text` at `start`; returns the labels and the index after `}`. */
function parseLabels(text: string, start: number, line: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    if (text[i] === '}') return { labels, end: i + 1 };
    const eq = text.indexOf('=', i);
    if (eq === -1) throw new Error(`line ${line}: label without "="`);
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`line ${line}: bad label name "${name}"`);
    if (Object.hasOwn(labels, name)) throw new Error(`line ${line}: label "${name}" twice`);
    if (text[eq + 1] !== '"') throw new Error(`line ${line}: label value of "${name}" is not quoted`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = text[j];
      if (c === undefined) throw new Error(`line ${line}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const next = text[j + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else throw new Error(`line ${line}: invalid escape \\${next}`);
        j += 2;
        continue;
      }
      value += c;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`line ${line}: expected "," or "}" after a label`);
  }
}

/** The family a sample belongs to: histogram samples carry suffixes. */
function familyOf(name: string, types: ReadonlyMap<string, string>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const type = types.get(base);
    if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) return base;
  }
  return name;
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

function includesLabels(sample: Readonly<Record<string, string>>, wanted: Readonly<Record<string, string>>): boolean {
  return Object.entries(wanted).every(([k, v]) => sample[k] === v);
}

/** Histogram invariants: cumulative buckets ending in `+Inf`, which equals `_count`. */
function checkHistograms(samples: readonly Sample[], types: ReadonlyMap<string, string>): void {
  for (const [name, type] of types) {
    if (type !== 'histogram') continue;
    const groups = new Map<string, Sample[]>();
    for (const sample of samples.filter((s) => s.name === `${name}_bucket`)) {
      const { le, ...rest } = sample.labels;
      if (le === undefined) throw new Error(`${name}_bucket without le`);
      const key = JSON.stringify(rest);
      groups.set(key, [...(groups.get(key) ?? []), sample]);
    }
    for (const [key, buckets] of groups) {
      const rest = JSON.parse(key) as Record<string, string>;
      let previousBound = Number.NEGATIVE_INFINITY;
      let previousCount = 0;
      for (const bucket of buckets) {
        const bound = parseFloatStrict(bucket.labels.le as string, 0);
        if (bound <= previousBound) throw new Error(`${name}: buckets not ascending at le=${bucket.labels.le}`);
        if (bucket.value < previousCount) throw new Error(`${name}: bucket counts not cumulative`);
        previousBound = bound;
        previousCount = bucket.value;
      }
      if (previousBound !== Number.POSITIVE_INFINITY) throw new Error(`${name}${key}: no +Inf bucket`);
      const count = samples.find((s) => s.name === `${name}_count` && sameLabels(s.labels, rest));
      if (count?.value !== previousCount) throw new Error(`${name}${key}: _count differs from the +Inf bucket`);
      if (!samples.some((s) => s.name === `${name}_sum` && sameLabels(s.labels, rest))) {
        throw new Error(`${name}${key}: no _sum`);
      }
    }
  }
}

/**
 * Parses a scrape and checks it against the text format 0.0.4 as written in
 * Prometheus's exposition format documentation: names, label syntax and
 * escapes, float values, `# TYPE` before a family's samples and at most once,
 * a family's lines in one group, no series twice, histogram invariants, and a
 * final newline. Throws on the first violation.
 *
 * @example
 * const scrape = parseExposition(await (await fetch(url)).text());
 * scrape.value('jwtgate_logins_total', { outcome: 'success' }); // 1
 */
export function parseExposition(text: string): Exposition {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const helps = new Map<string, string>();
  const finished = new Set<string>();
  const seen = new Set<string>();
  let current: string | undefined;
  const enter = (family: string, line: number) => {
    if (family === current) return;
    if (finished.has(family)) throw new Error(`line ${line}: the lines of ${family} are not in one group`);
    if (current !== undefined) finished.add(current);
    current = family;
  };

  text
    .slice(0, -1)
    .split('\n')
    .forEach((raw, index) => {
      const line = index + 1;
      if (raw.trim() === '') return;
      if (raw.startsWith('#')) {
        const match = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(raw);
        if (match === null) return; // a plain comment
        const [, keyword, name, rest = ''] = match as unknown as [string, string, string, string?];
        if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: bad metric name "${name}"`);
        enter(name, line);
        if (keyword === 'TYPE') {
          if (!TYPES.has(rest)) throw new Error(`line ${line}: unknown type "${rest}"`);
          if (types.has(name)) throw new Error(`line ${line}: second TYPE for ${name}`);
          if (samples.some((s) => familyOf(s.name, types) === name)) {
            throw new Error(`line ${line}: TYPE of ${name} after its samples`);
          }
          types.set(name, rest);
        } else {
          if (helps.has(name)) throw new Error(`line ${line}: second HELP for ${name}`);
          if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`line ${line}: invalid escape in HELP`);
          helps.set(name, rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\'));
        }
        return;
      }
      const nameEnd = raw.search(/[{ ]/);
      if (nameEnd <= 0) throw new Error(`line ${line}: no value`);
      const name = raw.slice(0, nameEnd);
      if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: bad metric name "${name}"`);
      let labels: Record<string, string> = {};
      let rest = raw.slice(nameEnd);
      if (raw[nameEnd] === '{') {
        const parsed = parseLabels(raw, nameEnd, line);
        labels = parsed.labels;
        rest = raw.slice(parsed.end);
      }
      const fields = rest.trim().split(/ +/);
      if (!rest.startsWith(' ') || fields.length < 1 || fields.length > 2) {
        throw new Error(`line ${line}: expected " value [timestamp]"`);
      }
      const value = parseFloatStrict(fields[0] as string, line);
      if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) throw new Error(`line ${line}: bad timestamp`);
      enter(familyOf(name, types), line);
      const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
      if (seen.has(key)) throw new Error(`line ${line}: series ${name}${JSON.stringify(labels)} twice`);
      seen.add(key);
      samples.push({ name, labels, value });
    });
  checkHistograms(samples, types);

  return {
    samples,
    types,
    helps,
    value: (name, labels = {}) => samples.find((s) => s.name === name && sameLabels(s.labels, labels))?.value,
    sum: (name, labels = {}) =>
      samples.filter((s) => s.name === name && includesLabels(s.labels, labels)).reduce((a, s) => a + s.value, 0),
  };
}

/**
 * Runs Prometheus's own checker, `promtool check metrics`, which parses the
 * text with the same code Prometheus scrapes with and lints it (names,
 * suffixes, units, help texts). Returns what it printed; throws when it found
 * anything, or when promtool is not installed: tests that call it run only
 * where `hasTool('promtool')` (support/tools.ts) says it is.
 *
 * @example
 * it.runIf(hasTool('promtool'))('passes promtool', () => checkWithPromtool(registry.render()));
 */
export function checkWithPromtool(text: string): string {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  const error = run.error as NodeJS.ErrnoException | undefined;
  if (error?.code === 'ENOENT') throw new Error(`promtool is not installed: ${TOOLS.promtool}`);
  if (error !== undefined) throw error;
  const output = `${run.stdout}${run.stderr}`.trim();
  if (run.status !== 0 || output !== '') throw new Error(`promtool check metrics failed (${run.status}):\n${output}`);
  return output;
}
