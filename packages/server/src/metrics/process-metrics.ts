import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { MetricsRegistry } from './registry.js';

/** Process metrics that keep something running; `close()` stops it. */
export interface ProcessMetrics {
  close(): void;
}

interface DelaySnapshot {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * Declares the process basics: start time and uptime, CPU time, memory and
 * heap, and event-loop delay. All are read when scraped; only the event-loop
 * monitor runs in between (a libuv timer sampling every 10 ms).
 *
 * The event-loop delay percentiles cover the time since the previous scrape,
 * so a stall shows up in the scrape after it rather than being averaged away
 * over the process's life.
 *
 * @example
 * const processMetrics = registerProcessMetrics(registry);
 * // on shutdown
 * processMetrics.close();
 */
export function registerProcessMetrics(registry: MetricsRegistry): ProcessMetrics {
  const startTime = Date.now() / 1000 - process.uptime();
  registry.collectedGauge({
    name: 'process_start_time_seconds',
    help: 'When the process started, in seconds since the Unix epoch.',
    collect: () => startTime,
  });
  registry.collectedGauge({
    name: 'process_uptime_seconds',
    help: 'Seconds since the process started.',
    collect: () => process.uptime(),
  });
  registry.collectedCounter({
    name: 'process_cpu_seconds_total',
    help: 'CPU time the process has used, user and system.',
    collect: () => {
      const usage = process.cpuUsage();
      return (usage.user + usage.system) / 1e6;
    },
  });
  registry.collectedGauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory of the process.',
    collect: () => process.memoryUsage.rss(),
  });
  registry.collectedGauge({
    name: 'nodejs_heap_used_bytes',
    help: 'V8 heap in use.',
    collect: () => process.memoryUsage().heapUsed,
  });
  registry.collectedGauge({
    name: 'nodejs_heap_total_bytes',
    help: 'V8 heap allocated.',
    collect: () => process.memoryUsage().heapTotal,
  });

  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let snapshot: DelaySnapshot | null = null;
  // The three gauges are rendered in this order: the first reads the window and starts the next one.
  const take = (): DelaySnapshot | null => {
    snapshot =
      delay.count === 0
        ? null
        : { p50: delay.percentile(50) / 1e9, p99: delay.percentile(99) / 1e9, max: delay.max / 1e9 };
    delay.reset();
    return snapshot;
  };
  registry.collectedGauge({
    name: 'nodejs_eventloop_delay_p50_seconds',
    help: 'Median event-loop delay since the previous scrape.',
    collect: () => take()?.p50 ?? null,
  });
  registry.collectedGauge({
    name: 'nodejs_eventloop_delay_p99_seconds',
    help: '99th percentile of the event-loop delay since the previous scrape.',
    collect: () => snapshot?.p99 ?? null,
  });
  registry.collectedGauge({
    name: 'nodejs_eventloop_delay_max_seconds',
    help: 'Longest event-loop delay since the previous scrape.',
    collect: () => snapshot?.max ?? null,
  });
  return { close: () => delay.disable() };
}
