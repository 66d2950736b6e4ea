import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One of the runnable search-api examples. */
export type Framework = 'fastify' | 'express' | 'hono';

/** A search-api example running as a process of its own. */
export interface SearchApiProcess {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** What it printed so far. */
  output(): string;
  /** SIGTERM, then SIGKILL if it does not exit within 5 s. */
  stop(): Promise<void>;
}

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/;

/**
 * Starts `examples/dist/search-api/<framework>.js` (built by `npm run build`)
 * on a free port with `env`, exactly as its README line runs it, and resolves
 * once it listens.
 *
 * @example
 * const api = await startSearchApi('hono', { ACCESS_SECRET: secret });
 * await fetch(`${api.url}/search/ping`);
 */
export async function startSearchApi(
  framework: Framework,
  env: Readonly<Record<string, string>>,
): Promise<SearchApiProcess> {
  const entry = fileURLToPath(new URL(`../../dist/search-api/${framework}.js`, import.meta.url));
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const child: ChildProcess = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${framework} did not start within 15 s:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = LISTENING.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${framework} exited before listening:\n${output}`));
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
