import { median } from '../support/stats.js';

/** One operation to time, called over and over. */
export interface TimedOperation {
  readonly name: string;
  /** One call. When `async`, the returned promise is awaited before the next call, as a request handler would. */
  readonly run: () => unknown;
  readonly async: boolean;
}

/** How long to warm up and time each operation. */
export interface TimingSettings {
  readonly warmupMs: number;
  readonly batchMs: number;
  readonly rounds: number;
}

/** The per-call cost of one operation over every round. */
export interface OperationTiming {
  readonly name: string;
  readonly medianNs: number;
  readonly minNs: number;
  readonly maxNs: number;
  /** Calls per timed batch. */
  readonly batchSize: number;
  readonly rounds: number;
}

// Results land here so that no call can be optimised away as unused.
let sink: unknown;

function runSync(run: () => unknown, calls: number): void {
  for (let i = 0; i < calls; i += 1) sink = run();
}

async function runAsync(run: () => unknown, calls: number): Promise<void> {
  for (let i = 0; i < calls; i += 1) sink = await run();
}

async function timeBatch(operation: TimedOperation, calls: number): Promise<number> {
  const start = process.hrtime.bigint();
  if (operation.async) await runAsync(operation.run, calls);
  else runSync(operation.run, calls);
  return Number(process.hrtime.bigint() - start);
}

/** Runs the operation for `warmupMs` in growing batches; returns the last batch's ns per call. */
async function warmUp(operation: TimedOperation, warmupMs: number): Promise<number> {
  const until = process.hrtime.bigint() + BigInt(Math.round(warmupMs * 1e6));
  let calls = 16;
  let nsPerCall = Number.POSITIVE_INFINITY;
  do {
    nsPerCall = (await timeBatch(operation, calls)) / calls;
    calls = Math.min(calls * 2, 1 << 20);
  } while (process.hrtime.bigint() < until);
  return nsPerCall;
}

/**
 * Times each operation in batches of about `batchMs`, interleaving the
 * operations round by round (and rotating their order each round) so that a
 * burst of load from elsewhere on the machine lands on all of them alike
 * rather than on one. Reports the median nanoseconds per call.
 *
 * @example
 * const [timing] = await timeOperations([{ name: 'noop', run: () => 0, async: false }], { warmupMs: 100, batchMs: 50, rounds: 5 });
 */
export async function timeOperations(
  operations: readonly TimedOperation[],
  settings: TimingSettings,
): Promise<OperationTiming[]> {
  const batchSizes: number[] = [];
  for (const operation of operations) {
    const estimate = await warmUp(operation, settings.warmupMs);
    batchSizes.push(Math.max(1, Math.round((settings.batchMs * 1e6) / estimate)));
  }
  const samples: number[][] = operations.map(() => []);
  for (let round = 0; round < settings.rounds; round += 1) {
    for (let k = 0; k < operations.length; k += 1) {
      const index = (k + round) % operations.length;
      const calls = batchSizes[index] as number;
      const elapsed = await timeBatch(operations[index] as TimedOperation, calls);
      samples[index]?.push(elapsed / calls);
    }
  }
  // Every operation returns a token or claims; reading the last one keeps the results observable.
  if (sink === undefined) throw new Error('the timed operations returned nothing');
  return operations.map((operation, index) => {
    const values = samples[index] as number[];
    return {
      name: operation.name,
      medianNs: median(values),
      minNs: Math.min(...values),
      maxNs: Math.max(...values),
      batchSize: batchSizes[index] as number,
      rounds: values.length,
    };
  });
}
