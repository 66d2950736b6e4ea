import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reuseWorkspaceAddons } from '../support/native-prebuilds.js';
import { freePort } from '../support/redis-servers.js';
import { CONSUMER_FILES } from '../support/tarball-consumer.js';
import { makeTempDir } from '../support/temp-dir.js';
import { npmRegistryReachable } from '../support/tools.js';

const exec = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const PACKAGES = ['core', 'client', 'middleware', 'server'] as const;
const rootManifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const middlewareManifest = JSON.parse(readFileSync(join(repoRoot, 'packages/middleware/package.json'), 'utf8'));

/** The version range the workspace itself uses for a third-party package, so the install reuses npm's cache. */
function rangeOf(name: string): string {
  const range = rootManifest.devDependencies?.[name] ?? middlewareManifest.devDependencies?.[name];
  if (range === undefined) throw new Error(`the workspace does not use ${name}`);
  return `${name}@${range}`;
}

/** One `npm pack --json` entry. */
interface Packed {
  readonly name: string;
  readonly filename: string;
  readonly files: readonly { path: string }[];
}

// What a user of the published packages does, from the tarballs `npm pack`
// makes: install them into an empty project, type-check against them, and run
// the server, Express and Hono services with the middleware, and a browser
// bundle of the client. The packs and the install are made once for the file.
describe.runIf(npmRegistryReachable())('the packages, installed from their tarballs into an empty project', () => {
  const packs = makeTempDir('jwtgate-packs-');
  const project = makeTempDir('jwtgate-consumer-');
  let packed: Packed[];
  let installLog = '';
  let server: ChildProcess | undefined;

  const run = (command: string, args: string[], env: Record<string, string> = {}, timeout = 120_000) =>
    exec(command, args, {
      cwd: project.path,
      env: { ...process.env, ...env, NODE_ENV: '' },
      timeout,
      maxBuffer: 32 * 1024 * 1024,
    });

  beforeAll(async () => {
    const workspaces = PACKAGES.flatMap((name) => ['--workspace', `packages/${name}`]);
    const pack = await exec('npm', ['pack', ...workspaces, '--pack-destination', packs.path, '--json'], {
      cwd: repoRoot,
      timeout: 300_000,
      maxBuffer: 32 * 1024 * 1024,
    });
    packed = JSON.parse(pack.stdout) as Packed[];

    writeFileSync(
      join(project.path, 'package.json'),
      `${JSON.stringify({ name: 'jwtgate-consumer', private: true, type: 'module' }, null, 2)}\n`,
    );
    const tarballs = packed.map((p) => join(packs.path, p.filename));
    const thirdParty = ['express', 'hono', 'typescript', 'vite', '@types/express', '@types/node'].map(rangeOf);
    const addons = reuseWorkspaceAddons();
    const installed = await run(
      'npm',
      ['install', '--no-audit', '--no-fund', ...tarballs, ...thirdParty],
      addons.env,
      900_000,
    ).finally(addons.remove);
    installLog = `${installed.stdout}${installed.stderr}`;

    for (const [name, text] of Object.entries(CONSUMER_FILES)) {
      mkdirSync(join(project.path, name, '..'), { recursive: true });
      writeFileSync(join(project.path, name), text);
    }
  }, 1_200_000);

  afterAll(async () => {
    const running = server;
    if (running?.pid !== undefined && running.exitCode === null) {
      const exited = new Promise((resolve) => running.once('exit', resolve));
      process.kill(-running.pid, 'SIGTERM');
      await exited;
    }
    packs.remove();
    rmSync(project.path, { recursive: true, force: true, maxRetries: 5 });
  }, 30_000);

  it('ship their build, README and LICENSE, and no build cache or tests', () => {
    expect(packed.map((p) => p.name).sort()).toEqual(PACKAGES.map((name) => `@jwtgate/${name}`).sort());
    for (const p of packed) {
      const paths = p.files.map((f) => f.path);
      expect(paths, p.name).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/index.js']));
      expect(paths, p.name).toContain('dist/index.d.ts');
      expect(
        paths.filter((path) => /tsbuildinfo|\.test\.|(^|\/)(src|test)\//.test(path)),
        p.name,
      ).toEqual([]);
      const manifest = JSON.parse(
        readFileSync(join(repoRoot, 'packages', p.name.split('/')[1] as string, 'package.json'), 'utf8'),
      );
      if (p.name === '@jwtgate/server') {
        // The common-password list and its licence notice.
        expect(paths).toEqual(expect.arrayContaining(['data/common-passwords.txt.gz', 'NOTICE']));
      }
      expect(manifest, p.name).toMatchObject({
        license: 'MIT',
        publishConfig: { access: 'public' },
        engines: { node: '>=20.19' },
        repository: { type: 'git' },
      });
    }
  });

  it('install with no engine warning on Node 20', () => {
    expect(installLog).not.toMatch(/EBADENGINE/);
    expect(readdirSync(join(project.path, 'node_modules/@jwtgate')).sort()).toEqual([...PACKAGES].sort());
  });

  it('type-check in the new project with skipLibCheck off', { timeout: 240_000 }, async () => {
    const result = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.'], {}, 180_000).catch(
      (error: { stdout?: string }) => {
        throw new Error(`tsc failed:\n${error.stdout ?? error}`);
      },
    );
    expect(result.stdout).toBe('');
  });

  it('bundle the client for the browser with Vite, with no Node module in it', { timeout: 240_000 }, async () => {
    await run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], {}, 180_000);
    const bundle = readdirSync(join(project.path, 'bundle'))
      .filter((name) => name.endsWith('.js'))
      .map((name) => readFileSync(join(project.path, 'bundle', name), 'utf8'))
      .join('\n');
    expect(bundle).toContain('JwtgateClientError');
    expect(bundle).not.toMatch(/from\s*["']node:|require\(/);
  });

  it('run: the server from `npx jwtgate start`, and Express and Hono services verifying its tokens through its JWKS', async () => {
    const generated = await run('npx', ['jwtgate', 'keys', 'generate', '--file', 'keys.json']);
    expect(generated.stdout).toMatch(/generated ES256 key/);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // The server refuses JWTGATE_ variables it does not know, such as the test suite's own.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('JWTGATE_')));
    const env = {
      ...inherited,
      NODE_ENV: '',
      JWTGATE_PORT: String(port),
      JWTGATE_AUTH_KEY_FILE: 'keys.json',
      JWTGATE_AUTH_AUDIENCE: 'jwtgate,search-api',
    };
    // Its own process group, so that npx and the server it starts stop together.
    server = spawn('npx', ['jwtgate', 'start'], { cwd: project.path, env, detached: true, stdio: 'pipe' });
    let output = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    server.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const deadline = Date.now() + 60_000;
    while (
      !(await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (server.exitCode !== null || Date.now() > deadline) throw new Error(`the server did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(output).toContain('jwtgate is running in DEVELOPMENT MODE.');

    const json = { 'content-type': 'application/json' };
    const common = JSON.stringify({ username: 'packed', password: 'Password123' });
    const refused = await fetch(`${url}/auth/register`, { method: 'POST', headers: json, body: common });
    expect([refused.status, ((await refused.json()) as { error: { code: string } }).error.code]).toEqual([
      400,
      'ERR_COMMON_PASSWORD',
    ]);
    const credentials = JSON.stringify({ username: 'packed', password: 'a long enough password' });
    expect((await fetch(`${url}/auth/register`, { method: 'POST', headers: json, body: credentials })).status).toBe(
      201,
    );
    const login = await fetch(`${url}/auth/login`, { method: 'POST', headers: json, body: credentials });
    const { accessToken } = (await login.json()) as { accessToken: string };

    const checks = { JWKS_URL: `${url}/.well-known/jwks.json`, TOKEN: accessToken };
    for (const service of ['express', 'hono']) {
      const result = await run(process.execPath, [`dist/${service}.js`], checks, 60_000);
      expect(JSON.parse(result.stdout), service).toEqual({ withToken: 200, audience: 'search-api', withoutToken: 401 });
    }
  }, 240_000);
});
