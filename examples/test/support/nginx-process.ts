import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { describe } from 'vitest';
import { makeTempDir } from '../../../packages/server/test/support/temp-dir.js';

const NGINX = process.env.JWTGATE_TEST_NGINX ?? '/usr/sbin/nginx';
const TEMPLATE = new URL('../../nginx/nginx.conf.template', import.meta.url);

let warned = false;

/**
 * `describe` when NGINX is installed, `describe.skip` with a message
 * otherwise; under CI a missing NGINX throws (`.ci/run` installs Debian's).
 *
 * @example
 * describeWithNginx('NGINX in front of a service', () => { ... });
 */
export function describeWithNginx(): typeof describe | typeof describe.skip {
  if (existsSync(NGINX)) return describe;
  if (process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false') {
    throw new Error(`${NGINX} is missing: CI runs the NGINX tests (see .ci/run, which installs Debian's nginx)`);
  }
  if (!warned) {
    warned = true;
    console.warn(
      `Skipping the NGINX tests: install nginx (apt-get install nginx) or set JWTGATE_TEST_NGINX to its path.`,
    );
  }
  return describe.skip;
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** An NGINX started from `examples/nginx/nginx.conf.template`. */
export interface NginxProcess {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The error log so far, for failure messages. */
  errors(): string;
  stop(): Promise<void>;
}

/**
 * Renders the example's configuration as its README says (every `${NAME}`
 * of the four it names) into a temporary folder, and runs NGINX on it in
 * the foreground on a free port. As a single process (`master_process off`):
 * run as root, a master would hand requests to workers of another user,
 * who could not write in the temporary folder.
 *
 * @example
 * const nginx = await startNginx({ jwtgate: '127.0.0.1:8888', upstream: '127.0.0.1:8890' });
 */
export async function startNginx(options: { jwtgate: string; upstream: string }): Promise<NginxProcess> {
  const dir = makeTempDir('jwtgate-nginx-');
  const state = join(dir.path, 'state');
  mkdirSync(state, { mode: 0o700 });
  const port = await freePort();
  const values: Record<string, string> = {
    NGINX_PORT: String(port),
    JWTGATE: options.jwtgate,
    UPSTREAM: options.upstream,
    STATE_DIR: state,
  };
  const config = readFileSync(TEMPLATE, 'utf8').replace(/\$\{(NGINX_PORT|JWTGATE|UPSTREAM|STATE_DIR)\}/g, (_, name) => {
    return values[name as string] as string;
  });
  const configPath = join(dir.path, 'nginx.conf');
  writeFileSync(configPath, config);
  const errorLog = join(state, 'error.log');
  const child: ChildProcess = spawn(
    NGINX,
    ['-p', state, '-c', configPath, '-e', errorLog, '-g', 'daemon off; master_process off;'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errors = () => `${stderr}${existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : ''}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    dir.remove();
  };
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const log = errors();
      await stop();
      throw new Error(`nginx did not start:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `http://127.0.0.1:${port}`, errors, stop };
}
