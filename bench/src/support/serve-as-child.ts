import type { RunningServer } from '../http/listen.js';
import { isParentMessage } from './child-messages.js';
import { sendToParent } from './report-to-parent.js';

/**
 * The body of a server process: starts the server, tells the parent where it
 * listens, and closes it on SIGTERM or when the parent goes away; a failure
 * to start is reported to the parent. `whileRunning` adds behaviour once it
 * listens (answering the parent's questions).
 *
 * @example
 * serveAsChild(() => startServer('fastify', 0));
 */
export function serveAsChild(start: () => Promise<RunningServer>, whileRunning?: (stop: () => void) => void): void {
  const run = async () => {
    const server = await start();
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      server.close().finally(() => process.exit(0));
    };
    process.once('SIGTERM', stop);
    process.once('disconnect', stop);
    whileRunning?.(stop);
    await sendToParent({ type: 'ready', port: server.port, tokens: server.tokens });
  };
  run().catch(async (error: unknown) => {
    await sendToParent({
      type: 'failed',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    process.exit(1);
  });
}

/**
 * Answers the parent's questions about this process's CPU time, which it
 * reads around each slice of load: unlike requests/s, CPU per request hardly
 * depends on how much of the machine the server got. Pass as `whileRunning`.
 *
 * @example
 * serveAsChild(() => startServer('fastify', 0), answerCpuUsage);
 */
export function answerCpuUsage(stop: () => void): void {
  process.on('message', (message: unknown) => {
    if (!isParentMessage(message)) return;
    const usage = process.cpuUsage();
    sendToParent({ type: 'cpu-usage', micros: usage.user + usage.system }).catch(stop);
  });
}
