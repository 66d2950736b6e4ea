/** What a benchmark process sends its parent over the IPC channel. */
export type ChildMessage =
  /** A benchmark finished; `value` is its JSON result. */
  | { readonly type: 'result'; readonly value: unknown }
  /** A server under load is listening; `token` is a valid access token for it. */
  | { readonly type: 'ready'; readonly port: number; readonly token: string }
  /** The benchmark failed; the message never contains a token or secret. */
  | { readonly type: 'failed'; readonly message: string };

/** Narrows an IPC message to a {@link ChildMessage}. */
export function isChildMessage(value: unknown): value is ChildMessage {
  if (value === null || typeof value !== 'object') return false;
  const type = (value as { type?: unknown }).type;
  return type === 'result' || type === 'ready' || type === 'failed';
}
