import { Writable } from 'node:stream';

/** One JSON line of the structured log. */
export interface CapturedLine {
  readonly level: number;
  readonly msg?: string;
  readonly [field: string]: unknown;
}

/** A log stream for a server under test, and what it received. */
export interface LogCapture {
  /** Give to the server as `logger: { level, stream }`. */
  readonly stream: Writable;
  /** Everything written, exactly as written. */
  text(): string;
  lines(): readonly CapturedLine[];
  /** The audit records among the lines, optionally of one event. */
  audit(event?: string): readonly CapturedLine[];
}

/**
 * Captures a server's JSON log lines in memory.
 *
 * @example
 * const log = captureLog();
 * await startTestServer({ logger: { level: 'info', stream: log.stream } });
 * log.audit('login.succeeded');
 */
export function captureLog(): LogCapture {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  const lines = () =>
    text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as CapturedLine);
  return {
    stream,
    text: () => text,
    lines,
    audit: (event) => lines().filter((line) => line.audit === true && (event === undefined || line.event === event)),
  };
}
