import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { type ChildMessage, isChildMessage, type ParentMessage } from './child-messages.js';
import { benchDist } from './paths.js';
import type { BenchProfile } from './profile.js';

/** How to start one benchmark process. */
export interface ChildOptions {
  /** The compiled entry script, relative to `bench/dist` (`micro/main.js`). */
  readonly script: string;
  readonly profile: BenchProfile;
  /** Extra arguments after the profile name. */
  readonly args?: readonly string[];
  /** Node flags, such as `--expose-gc`. */
  readonly execArgv?: readonly string[];
  /** The process is killed, and the benchmark fails, after this long. */
  readonly timeoutMs: number;
}

/** A started benchmark process and the messages it sends. */
interface Child {
  readonly process: ChildProcess;
  /** Resolves with the first message that `accept` takes; rejects on exit, failure or after `timeoutMs`. */
  next<T>(accept: (message: ChildMessage) => T | undefined, timeoutMs: number): Promise<T>;
  send(message: ParentMessage): void;
  /** Resolves once the process has exited (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function startChild(options: ChildOptions): Child {
  const child = fork(join(benchDist, options.script), [options.profile.name, ...(options.args ?? [])], {
    execArgv: [...(options.execArgv ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const label = options.script;
  return {
    process: child,
    send: (message) => child.send(message),
    next(accept, timeoutMs) {
      return new Promise((resolve, reject) => {
        const cleanUp = () => {
          clearTimeout(timer);
          child.off('message', onMessage);
          child.off('exit', onExit);
        };
        const onMessage = (message: unknown) => {
          if (!isChildMessage(message)) return;
          if (message.type === 'failed') {
            cleanUp();
            reject(new Error(`${label} failed: ${message.message}`));
            return;
          }
          const accepted = accept(message);
          if (accepted === undefined) return;
          cleanUp();
          resolve(accepted);
        };
        const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
          cleanUp();
          reject(new Error(`${label} exited (${signal ?? code}) before reporting`));
        };
        const timer = setTimeout(() => {
          cleanUp();
          child.kill('SIGKILL');
          reject(new Error(`${label} did not report within ${timeoutMs} ms`));
        }, timeoutMs);
        child.on('message', onMessage);
        child.once('exit', onExit);
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited(child);
      clearTimeout(killer);
    },
  };
}

/**
 * Runs one benchmark in its own Node process and resolves with the result it
 * reports, so no benchmark shares a heap, a JIT state or an event loop with
 * another one or with the load generator.
 *
 * @example
 * const micro = await runBenchmarkProcess<MicroResult>({ script: 'micro/main.js', profile, timeoutMs: 120_000 });
 */
export async function runBenchmarkProcess<T>(options: ChildOptions): Promise<T> {
  const child = startChild(options);
  try {
    return await child.next(
      (message) => (message.type === 'result' ? (message.value as T) : undefined),
      options.timeoutMs,
    );
  } finally {
    await child.stop();
  }
}

/** A server under load, in its own process. */
export interface ServerChild {
  readonly url: string;
  /** Valid access tokens for this server, one per user; never printed. */
  readonly tokens: readonly string[];
  /** The server process's CPU time so far (user + system), in microseconds. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts a server process and resolves once it listens on 127.0.0.1.
 *
 * @example
 * const server = await startServerProcess({ script: 'http/server-main.js', args: ['fastify'], profile, timeoutMs: 60_000 });
 */
export async function startServerProcess(options: ChildOptions): Promise<ServerChild> {
  const child = startChild(options);
  try {
    const ready = await child.next((message) => (message.type === 'ready' ? message : undefined), options.timeoutMs);
    return {
      url: `http://127.0.0.1:${ready.port}`,
      tokens: ready.tokens,
      cpuMicros() {
        const answer = child.next((message) => (message.type === 'cpu-usage' ? message.micros : undefined), 10_000);
        child.send({ type: 'report-cpu-usage' });
        return answer;
      },
      stop: () => child.stop(),
    };
  } catch (error) {
    await child.stop();
    throw error;
  }
}
