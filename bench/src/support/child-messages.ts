/** What a benchmark process sends its parent over the IPC channel. */
export type ChildMessage =
  /** A benchmark finished; `value` is its JSON result. */
  | { readonly type: 'result'; readonly value: unknown }
  /** A server under load is listening; `tokens` are valid access tokens for it, one per user. */
  | { readonly type: 'ready'; readonly port: number; readonly tokens: readonly string[] }
  /** A server's CPU time so far (user + system), in microseconds, as asked by {@link ParentMessage}. */
  | { readonly type: 'cpu-usage'; readonly micros: number }
  /** The benchmark failed; the message never contains a token or secret. */
  | { readonly type: 'failed'; readonly message: string };

/** What the parent asks a server process. */
export type ParentMessage = { readonly type: 'report-cpu-usage' };

function hasType<T extends string>(value: unknown, types: readonly T[]): boolean {
  if (value === null || typeof value !== 'object') return false;
  return types.includes((value as { type?: unknown }).type as T);
}

/**
 * Narrows an IPC message to a {@link ChildMessage}.
 *
 * @example
 * child.on('message', (message) => isChildMessage(message) && handle(message));
 */
export function isChildMessage(value: unknown): value is ChildMessage {
  return hasType(value, ['result', 'ready', 'cpu-usage', 'failed']);
}

/**
 * Narrows an IPC message to a {@link ParentMessage}.
 *
 * @example
 * process.on('message', (message) => isParentMessage(message) && reportCpuUsage());
 */
export function isParentMessage(value: unknown): value is ParentMessage {
  return hasType(value, ['report-cpu-usage']);
}
