import { describe, expect, it } from 'vitest';
import { createMetricsRegistry, PROMETHEUS_CONTENT_TYPE } from '../../src/metrics/registry.js';
import { checkWithPromtool, parseExposition } from '../support/prometheus-text.js';
import { hasTool } from '../support/tools.js';

// Each text below is also handed to Prometheus's own parser, promtool, where it is installed.
const promtool = hasTool('promtool');

function renderEveryKind(): string {
  const registry = createMetricsRegistry();
  const logins = registry.counter({ name: 'app_logins_total', help: 'Logins.', labels: ['outcome'] });
  logins.with('success').inc();
  logins.with('success').inc(2);
  logins.with('failure');
  const size = registry.gauge({ name: 'app_queue_length', help: 'Items waiting.' });
  size.with().set(7);
  size.with().dec(2);
  const duration = registry.histogram({
    name: 'app_duration_seconds',
    help: 'How long.',
    labels: ['route'],
    buckets: [0.1, 1],
  });
  duration.with('/a').observe(0.05);
  duration.with('/a').observe(0.1);
  duration.with('/a').observe(3);
  return registry.render();
}

const AWKWARD = 'a "quoted" back\\slash and a\nnewline';

function renderAwkwardStrings(): string {
  const registry = createMetricsRegistry();
  registry
    .counter({ name: 'app_things_total', help: `Help with ${AWKWARD}.`, labels: ['kind'] })
    .with(AWKWARD)
    .inc();
  return registry.render();
}

function renderOddValues(): string {
  const registry = createMetricsRegistry();
  const gauge = registry.gauge({ name: 'app_odd_value', help: 'Odd values.', labels: ['which'] });
  gauge.with('inf').set(Number.POSITIVE_INFINITY);
  gauge.with('minus').set(Number.NEGATIVE_INFINITY);
  gauge.with('nan').set(Number.NaN);
  gauge.with('tiny').set(1e-7);
  return registry.render();
}

/** A collected gauge that had a value, then none: its TYPE line stays, its sample goes. */
function renderCollectedWithoutValue(): string {
  const registry = createMetricsRegistry();
  registry.collectedGauge({ name: 'app_list_entries', help: 'Entries.', collect: () => null });
  registry.collectedCounter({ name: 'app_cpu_seconds_total', help: 'CPU.', collect: () => 1.5 });
  return registry.render();
}

describe('the metrics registry', () => {
  it('renders counters, gauges and histograms in the text format Prometheus parses', () => {
    const text = renderEveryKind();
    expect(text).toBe(
      [
        '# HELP app_logins_total Logins.',
        '# TYPE app_logins_total counter',
        'app_logins_total{outcome="success"} 3',
        'app_logins_total{outcome="failure"} 0',
        '# HELP app_queue_length Items waiting.',
        '# TYPE app_queue_length gauge',
        'app_queue_length 5',
        '# HELP app_duration_seconds How long.',
        '# TYPE app_duration_seconds histogram',
        'app_duration_seconds_bucket{route="/a",le="0.1"} 2',
        'app_duration_seconds_bucket{route="/a",le="1"} 2',
        'app_duration_seconds_bucket{route="/a",le="+Inf"} 3',
        'app_duration_seconds_sum{route="/a"} 3.15',
        'app_duration_seconds_count{route="/a"} 3',
        '',
      ].join('\n'),
    );
    expect(parseExposition(text).value('app_duration_seconds_count', { route: '/a' })).toBe(3);
    expect(PROMETHEUS_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('escapes label values and help texts so that any string survives the round trip', () => {
    const scrape = parseExposition(renderAwkwardStrings());
    expect(scrape.value('app_things_total', { kind: AWKWARD })).toBe(1);
    expect(scrape.helps.get('app_things_total')).toBe(`Help with ${AWKWARD}.`);
  });

  it('writes infinities and NaN the way Go parses floats', () => {
    const text = renderOddValues();
    expect(text).toContain('app_odd_value{which="inf"} +Inf\n');
    expect(text).toContain('app_odd_value{which="minus"} -Inf\n');
    expect(text).toContain('app_odd_value{which="nan"} NaN\n');
    expect(parseExposition(text).value('app_odd_value', { which: 'tiny' })).toBe(1e-7);
  });

  it('puts an observation equal to a bound into that bucket, and one above every bound only into +Inf', () => {
    const registry = createMetricsRegistry();
    const histogram = registry.histogram({ name: 'app_size_bytes', help: 'Sizes.', buckets: [10, 100] });
    const series = histogram.with();
    for (const value of [10, 10.5, 100, 1000]) series.observe(value);
    const scrape = parseExposition(registry.render());
    expect(scrape.value('app_size_bytes_bucket', { le: '10' })).toBe(1);
    expect(scrape.value('app_size_bytes_bucket', { le: '100' })).toBe(3);
    expect(scrape.value('app_size_bytes_bucket', { le: '+Inf' })).toBe(4);
    expect(series.sum).toBe(1120.5);
  });

  it('reads collected metrics at every scrape and leaves out the ones with no value', () => {
    const registry = createMetricsRegistry();
    let size: number | null = 3;
    registry.collectedGauge({ name: 'app_list_entries', help: 'Entries.', collect: () => size });
    registry.collectedCounter({ name: 'app_cpu_seconds_total', help: 'CPU.', collect: () => 1.5 });
    expect(parseExposition(registry.render()).value('app_list_entries')).toBe(3);
    size = 4;
    expect(parseExposition(registry.render()).value('app_list_entries')).toBe(4);
    size = null;
    const text = registry.render();
    expect(parseExposition(text).value('app_list_entries')).toBeUndefined();
    expect(text).toContain('# TYPE app_list_entries gauge\n');
    expect(text).toBe(renderCollectedWithoutValue());
  });

  it('returns the same series for the same label values, so callers can keep it', () => {
    const registry = createMetricsRegistry();
    const counter = registry.counter({ name: 'app_hits_total', help: 'Hits.', labels: ['a', 'b'] });
    expect(counter.with('x', 'y')).toBe(counter.with('x', 'y'));
    expect(counter.with('x', 'y')).not.toBe(counter.with('x\u0000y', ''));
  });

  it('refuses mistakes when a metric is declared or used, not at scrape time', () => {
    const registry = createMetricsRegistry();
    registry.counter({ name: 'app_a_total', help: 'A.' });
    registry.histogram({ name: 'app_b_seconds', help: 'B.', buckets: [1] });
    expect(() => registry.counter({ name: 'app a', help: 'x' })).toThrow(TypeError);
    expect(() => registry.gauge({ name: 'app_a_total', help: 'x' })).toThrow(/declared twice/);
    expect(() => registry.counter({ name: 'app_b_seconds_count', help: 'x' })).toThrow(/declared twice/);
    expect(() => registry.counter({ name: 'app_c_total', help: 'x', labels: ['__name'] })).toThrow(TypeError);
    expect(() => registry.counter({ name: 'app_d_total', help: 'x', labels: ['a-b'] })).toThrow(TypeError);
    expect(() => registry.counter({ name: 'app_e_total', help: 'x', labels: ['a', 'a'] })).toThrow(/repeats/);
    expect(() => registry.histogram({ name: 'app_f', help: 'x', labels: ['le'], buckets: [1] })).toThrow(TypeError);
    expect(() => registry.histogram({ name: 'app_g', help: 'x', buckets: [2, 1] })).toThrow(/ascending/);
    expect(() => registry.histogram({ name: 'app_h', help: 'x', buckets: [] })).toThrow(/ascending/);
    const counter = registry.counter({ name: 'app_i_total', help: 'x', labels: ['a'] });
    // @ts-expect-error: one label value is required
    expect(() => counter.with()).toThrow(/takes 1 label values/);
    expect(() => counter.with('v').inc(-1)).toThrow(/only go up/);
  });

  it('renders nothing when nothing is declared', () => {
    expect(createMetricsRegistry().render()).toBe('');
  });
});

describe('the exposition checker used by these tests', () => {
  const refused = [
    ['a value that is not a float', 'app_x 1,5\n'],
    ['an unknown escape in a label value', 'app_x{a="\\q"} 1\n'],
    ['a TYPE after the samples', 'app_x 1\n# TYPE app_x gauge\n'],
    ['a family split in two', 'app_x 1\napp_y 1\napp_x{a="b"} 1\n'],
    ['a series twice', 'app_x{a="b"} 1\napp_x{a="b"} 2\n'],
    ['a histogram without +Inf', '# TYPE app_h histogram\napp_h_bucket{le="1"} 1\napp_h_sum 1\napp_h_count 1\n'],
    ['a missing final newline', 'app_x 1'],
  ] as const;

  it.each(refused)('refuses %s', (_what, text) => {
    expect(() => parseExposition(text)).toThrow();
  });

  // promtool reads a text without its final newline as complete, so that case is the parser's alone.
  it.runIf(promtool).each(refused.filter(([, text]) => text.endsWith('\n')))(
    'agrees with promtool, which refuses %s too',
    (_what, text) => {
      expect(() => checkWithPromtool(text)).toThrow(/promtool check metrics failed/);
    },
  );
});

describe.runIf(promtool)("the registry's text, read by Prometheus's own parser (promtool)", () => {
  it.each([
    ['counters, gauges and histograms', renderEveryKind],
    ['escaped label values and help texts', renderAwkwardStrings],
    ['infinities, NaN and tiny values', renderOddValues],
    ['a collected metric with no value', renderCollectedWithoutValue],
  ])('passes with %s', (_what, render) => {
    expect(checkWithPromtool(render())).toBe('');
  });
});
