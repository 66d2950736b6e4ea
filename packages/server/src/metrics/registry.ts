/**
 * A small metrics registry rendering the Prometheus text exposition format
 * (version 0.0.4): counters, gauges and histograms, with labels.
 *
 * Updating a series is the hot operation, so a series is an object of its
 * own, looked up once (`counter.with('success')`) and then incremented with
 * no allocation. Rendering, which happens once per scrape, does the work.
 */

/** The `Content-Type` of {@link MetricsRegistry.render}'s output. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** One value per label name, in the order the labels were declared. */
export type LabelValues<L extends readonly string[]> = { readonly [K in keyof L]: string };

/** What every metric is declared with. */
export interface MetricOptions<L extends readonly string[]> {
  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`; counters end in `_total`, units are base units (`_seconds`, `_bytes`). */
  readonly name: string;
  readonly help: string;
  /**
   * Label names. Their values must come from small fixed sets (a route
   * pattern, an outcome), never from users: every distinct combination is a
   * series kept forever.
   */
  readonly labels?: L;
}

/** A metric whose value is read when scraped, for values that already live elsewhere. */
export interface CollectedOptions {
  readonly name: string;
  readonly help: string;
  /** Read at every scrape; `null` leaves the sample out of that scrape. */
  readonly collect: () => number | null;
}

/** One counter series. */
export interface CounterSeries {
  /** Adds `by` (1 by default; never negative). */
  inc(by?: number): void;
  readonly value: number;
}

/** One gauge series. */
export interface GaugeSeries {
  set(value: number): void;
  inc(by?: number): void;
  dec(by?: number): void;
  readonly value: number;
}

/** One histogram series. */
export interface HistogramSeries {
  observe(value: number): void;
  readonly count: number;
  readonly sum: number;
}

/** A labelled family of series; `with(...)` returns the series for those label values, creating it once. */
export interface Family<L extends readonly string[], S> {
  readonly name: string;
  with(...values: LabelValues<L>): S;
}

/** Metrics, rendered together. */
export interface MetricsRegistry {
  counter<const L extends readonly string[] = []>(options: MetricOptions<L>): Family<L, CounterSeries>;
  gauge<const L extends readonly string[] = []>(options: MetricOptions<L>): Family<L, GaugeSeries>;
  histogram<const L extends readonly string[] = []>(
    options: MetricOptions<L> & {
      /** Upper bounds, ascending; `+Inf` is implied. */
      readonly buckets: readonly number[];
    },
  ): Family<L, HistogramSeries>;
  /** A counter read from elsewhere at each scrape (e.g. CPU time). */
  collectedCounter(options: CollectedOptions): void;
  /** A gauge read from elsewhere at each scrape (e.g. a list's size). */
  collectedGauge(options: CollectedOptions): void;
  /** Every metric in the text exposition format, one family after another in declaration order. */
  render(): string;
}

type MetricType = 'counter' | 'gauge' | 'histogram';

interface RenderedFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  /** Appends this family's sample lines. */
  samples(lines: string[]): void;
}

/** Go's `strconv.ParseFloat` spellings, which Prometheus reads. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** `{a="1",b="2"}`, or '' without labels; `extra` (the histogram's `le`) goes last. */
function labelText(names: readonly string[], values: readonly string[], extra?: string): string {
  const pairs = names.map((name, i) => `${name}="${escapeLabelValue(values[i] ?? '')}"`);
  if (extra !== undefined) pairs.push(extra);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

/**
 * Creates an empty registry. Names and labels are checked when a metric is
 * declared, so a mistake fails at start-up rather than at the first scrape.
 *
 * @example
 * const registry = createMetricsRegistry();
 * const logins = registry.counter({ name: 'app_logins_total', help: 'Logins.', labels: ['outcome'] });
 * const succeeded = logins.with('success');
 * succeeded.inc();
 * registry.render(); // '# HELP app_logins_total Logins.\n# TYPE app_logins_total counter\napp_logins_total{outcome="success"} 1\n'
 */
export function createMetricsRegistry(): MetricsRegistry {
  const families: RenderedFamily[] = [];
  const taken = new Set<string>();

  function claim(name: string, labels: readonly string[], type: MetricType): void {
    if (!METRIC_NAME.test(name)) throw new TypeError(`metric name "${name}" must match ${METRIC_NAME}`);
    // A histogram's samples take these names too, and two families may not share a sample name.
    const names = type === 'histogram' ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
    for (const sample of names) {
      if (taken.has(sample)) throw new TypeError(`metric "${sample}" is declared twice`);
    }
    for (const label of labels) {
      if (!LABEL_NAME.test(label) || label.startsWith('__')) {
        throw new TypeError(`label "${label}" of ${name} must match ${LABEL_NAME} and not start with __`);
      }
      if (type === 'histogram' && label === 'le') throw new TypeError(`label "le" of ${name} is the bucket's own`);
    }
    if (new Set(labels).size !== labels.length) throw new TypeError(`${name} repeats a label name`);
    for (const sample of names) taken.add(sample);
  }

  /** A family whose series are created on first use, keyed by their label values. */
  function family<L extends readonly string[], S>(
    options: MetricOptions<L>,
    type: MetricType,
    create: (labels: readonly string[]) => S,
    render: (series: S, labels: readonly string[], lines: string[]) => void,
  ): Family<L, S> {
    const labelNames: readonly string[] = options.labels ?? [];
    claim(options.name, labelNames, type);
    const series = new Map<string, { values: readonly string[]; series: S }>();
    families.push({
      name: options.name,
      help: options.help,
      type,
      samples(lines) {
        for (const entry of series.values()) render(entry.series, entry.values, lines);
      },
    });
    return {
      name: options.name,
      with(...values) {
        const list = values as readonly string[];
        if (list.length !== labelNames.length) {
          throw new TypeError(`${options.name} takes ${labelNames.length} label values, got ${list.length}`);
        }
        const key = list.join('\u0000');
        let entry = series.get(key);
        if (entry === undefined) {
          entry = { values: [...list], series: create(list) };
          series.set(key, entry);
        }
        return entry.series;
      },
    };
  }

  function collected(options: CollectedOptions, type: 'counter' | 'gauge'): void {
    claim(options.name, [], type);
    families.push({
      name: options.name,
      help: options.help,
      type,
      samples(lines) {
        const value = options.collect();
        if (value !== null) lines.push(`${options.name} ${formatValue(value)}`);
      },
    });
  }

  return {
    counter(options) {
      return family(
        options,
        'counter',
        () => {
          let value = 0;
          return {
            inc(by = 1) {
              if (!(by >= 0)) throw new TypeError(`${options.name} can only go up, not by ${by}`);
              value += by;
            },
            get value() {
              return value;
            },
          };
        },
        (series, values, lines) => {
          lines.push(`${options.name}${labelText(options.labels ?? [], values)} ${formatValue(series.value)}`);
        },
      );
    },

    gauge(options) {
      return family(
        options,
        'gauge',
        () => {
          let value = 0;
          return {
            set(next) {
              value = next;
            },
            inc(by = 1) {
              value += by;
            },
            dec(by = 1) {
              value -= by;
            },
            get value() {
              return value;
            },
          };
        },
        (series, values, lines) => {
          lines.push(`${options.name}${labelText(options.labels ?? [], values)} ${formatValue(series.value)}`);
        },
      );
    },

    histogram(options) {
      const bounds = [...options.buckets];
      if (bounds.length === 0 || bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (bounds[i - 1] ?? b)))) {
        throw new TypeError(`buckets of ${options.name} must be finite and strictly ascending`);
      }
      const names = options.labels ?? [];
      return family(
        options,
        'histogram',
        () => {
          // counts[i]: observations in bucket i alone (the last is above every bound); cumulated when rendered.
          const counts = new Array<number>(bounds.length + 1).fill(0);
          let count = 0;
          let sum = 0;
          return {
            counts,
            observe(value) {
              let i = 0;
              while (i < bounds.length && value > (bounds[i] as number)) i++;
              counts[i] = (counts[i] as number) + 1;
              count++;
              sum += value;
            },
            get count() {
              return count;
            },
            get sum() {
              return sum;
            },
          };
        },
        (series, values, lines) => {
          let cumulative = 0;
          for (let i = 0; i <= bounds.length; i++) {
            cumulative += series.counts[i] ?? 0;
            const le = i < bounds.length ? formatValue(bounds[i] as number) : '+Inf';
            lines.push(`${options.name}_bucket${labelText(names, values, `le="${le}"`)} ${cumulative}`);
          }
          const plain = labelText(names, values);
          lines.push(`${options.name}_sum${plain} ${formatValue(series.sum)}`);
          lines.push(`${options.name}_count${plain} ${series.count}`);
        },
      );
    },

    collectedCounter: (options) => collected(options, 'counter'),
    collectedGauge: (options) => collected(options, 'gauge'),

    render() {
      const lines: string[] = [];
      for (const metric of families) {
        lines.push(`# HELP ${metric.name} ${escapeHelp(metric.help)}`, `# TYPE ${metric.name} ${metric.type}`);
        metric.samples(lines);
      }
      return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
    },
  };
}
