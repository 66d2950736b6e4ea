import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach } from 'vitest';
import { makeTempDir } from './temp-dir.js';

/** The built CLI, exactly what `npm start` runs. Build first: `npx tsc -b packages/server`. */
export const cliPath = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** One JSON log line of the server (pino format). */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A server started as a real process. */
export interface ServerProcess {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly pid: number;
  /** The JSON log lines printed on stdout so far. */
  logs(): readonly LogLine[];
  /** Everything printed on stderr so far. */
  stderr(): string;
  /** Resolves with the first log line (already printed or still to come) that matches. */
  waitForLog(matches: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Sends SIGTERM and resolves to the exit code; SIGKILLs and throws if the process outlives the timeout. */
  stop(timeoutMs?: number): Promise<number | null>;
}

/** What a finished CLI run printed. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

const children = new Set<ChildProcess>();

/**
 * A clean environment for the child: nothing of the test runner's own
 * (`NODE_ENV=test`, stray `JWTGATE_*`), so each test states what it sets.
 */
export function childEnv(env: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env };
}

function spawnCli(args: readonly string[], cwd: string, env: Readonly<Record<string, string>>): ChildProcess {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npx tsc -b packages/server\` first`);
  const child = spawn(process.execPath, [cliPath, ...args], { cwd, env: childEnv(env), stdio: 'pipe' });
  children.add(child);
  child.once('close', () => children.delete(child));
  return child;
}

function closed(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * Runs `jwtgate <args>` to completion, feeding `input` on stdin (stdin is
 * always closed, so nothing waits on it).
 *
 * @example
 * const { code, stdout } = await runCli(['migrate'], { cwd: dir.path });
 */
export async function runCli(
  args: readonly string[],
  options: { cwd: string; env?: Readonly<Record<string, string>>; input?: string | Uint8Array; timeoutMs?: number },
): Promise<CliResult> {
  const child = spawnCli(args, options.cwd, options.env ?? {});
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin?.end(options.input ?? '');
  const done = new Promise<CliResult>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  const timeoutMs = options.timeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`jwtgate ${args.join(' ')} ran longer than ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([done, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const LISTENING = /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/;

/**
 * Starts `jwtgate start` in `cwd` on a free port and resolves once it
 * listens. Defaults: `JWTGATE_PORT=0`, `JWTGATE_LOG_LEVEL=info`.
 *
 * @example
 * const server = await startServerProcess({ cwd: dir.path });
 * await fetch(`${server.url}/health`);
 * expect(await server.stop()).toBe(0);
 */
export async function startServerProcess(options: {
  cwd: string;
  env?: Readonly<Record<string, string>>;
  timeoutMs?: number;
}): Promise<ServerProcess> {
  const child = spawnCli(['start'], options.cwd, { JWTGATE_PORT: '0', JWTGATE_LOG_LEVEL: 'info', ...options.env });
  child.stdin?.end();
  const logs: LogLine[] = [];
  const waiters = new Set<(line: LogLine) => void>();
  let stderr = '';
  let pending = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const text of lines) {
      if (text.trim() === '') continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { level: 0, msg: text };
      }
      logs.push(line);
      for (const waiter of [...waiters]) waiter(line);
    }
  });
  const exited = closed(child);
  const describe = () => `stdout:\n${logs.map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${stderr}`;

  const waitForLog: ServerProcess['waitForLog'] = (matches, timeoutMs = 5_000) => {
    const seen = logs.find(matches);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        waiters.delete(waiter);
      };
      const waiter = (line: LogLine) => {
        if (!matches(line)) return;
        done();
        resolve(line);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching log line within ${timeoutMs} ms\n${describe()}`));
      }, timeoutMs);
      waiters.add(waiter);
      exited.then(({ code, signal }) => {
        if (!waiters.has(waiter)) return;
        done();
        reject(new Error(`the server exited (${signal ?? code}) before the awaited log line\n${describe()}`));
      });
    });
  };

  let url: string;
  try {
    const listening = await waitForLog((line) => LISTENING.test(line.msg), options.timeoutMs ?? 10_000);
    url = (LISTENING.exec(listening.msg) as RegExpExecArray)[1] as string;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  return {
    url,
    pid: child.pid as number,
    logs: () => logs,
    stderr: () => stderr,
    waitForLog,
    async stop(timeoutMs = 5_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`the server did not exit within ${timeoutMs} ms of SIGTERM\n${describe()}`));
        }, timeoutMs);
      });
      try {
        return (await Promise.race([exited, timeout])).code;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** SIGKILLs every child this module started that is still running; for `afterEach`. */
export async function killChildProcesses(): Promise<void> {
  const running = [...children];
  for (const child of running) child.kill('SIGKILL');
  await Promise.all(running.map(closed));
}

/**
 * Gives each test of the calling `describe` a fresh working folder and kills
 * every process it started afterwards. Read `.path` inside the test.
 */
export function useProcessSandbox(prefix = 'jwtgate-cli-'): { readonly path: string } {
  let dir: ReturnType<typeof makeTempDir> | undefined;
  beforeEach(() => {
    dir = makeTempDir(prefix);
  });
  afterEach(async () => {
    await killChildProcesses();
    dir?.remove();
  });
  return {
    get path(): string {
      if (dir === undefined) throw new Error('useProcessSandbox: read .path inside a test');
      return dir.path;
    },
  };
}
