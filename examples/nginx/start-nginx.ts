import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where Debian installs NGINX, unless `JWTGATE_TEST_NGINX` names another. */
export const nginxBinary = process.env.JWTGATE_TEST_NGINX ?? '/usr/sbin/nginx';

/** `nginx.conf.template`, beside this file in the sources (the compiled file looks two folders up). */
const TEMPLATE = [
  new URL('./nginx.conf.template', import.meta.url),
  new URL('../../nginx/nginx.conf.template', import.meta.url),
]
  .map((url) => fileURLToPath(url))
  .find((path) => existsSync(path));

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

/** An NGINX started from `nginx.conf.template`. */
export interface NginxProcess {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The NGINX process (a single one: `master_process off`). */
  readonly pid: number;
  /** The error log so far, for failure messages. */
  errors(): string;
  stop(): Promise<void>;
}

/** Options of {@link startNginx}. */
export interface StartNginxOptions {
  /** jwtgate's `host:port`. */
  readonly jwtgate: string;
  /** The protected service's `host:port`. */
  readonly upstream: string;
  /** Without the cache of verify answers (every request asks jwtgate). */
  readonly noVerifyCache?: boolean;
}

/**
 * Renders the example's configuration as its README says (every `${NAME}`
 * of the four it names) into a temporary folder, and runs NGINX on it in
 * the foreground on a free port. As a single process (`master_process off`):
 * run as root, a master would hand requests to workers of another user, who
 * could not write in the temporary folder. For the example's test and the
 * gateway benchmark.
 *
 * @example
 * const nginx = await startNginx({ jwtgate: '127.0.0.1:8888', upstream: '127.0.0.1:8890' });
 */
export async function startNginx(options: StartNginxOptions): Promise<NginxProcess> {
  if (TEMPLATE === undefined) throw new Error('examples/nginx/nginx.conf.template is missing');
  const dir = mkdtempSync(join(tmpdir(), 'jwtgate-nginx-'));
  const state = join(dir, 'state');
  mkdirSync(state, { mode: 0o700 });
  const port = await freePort();
  const values: Record<string, string> = {
    NGINX_PORT: String(port),
    JWTGATE: options.jwtgate,
    UPSTREAM: options.upstream,
    STATE_DIR: state,
  };
  let config = readFileSync(TEMPLATE, 'utf8').replace(
    /\$\{(NGINX_PORT|JWTGATE|UPSTREAM|STATE_DIR)\}/g,
    (_, name: string) => values[name] as string,
  );
  if (options.noVerifyCache === true) config = config.replace(/^\s*proxy_cache jwtgate_verify;\n/m, '');
  const configPath = join(dir, 'nginx.conf');
  writeFileSync(configPath, config);
  const errorLog = join(state, 'error.log');
  const child: ChildProcess = spawn(
    nginxBinary,
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
    rmSync(dir, { recursive: true, force: true });
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
  return { url: `http://127.0.0.1:${port}`, pid: child.pid as number, errors, stop };
}
