import { type ExecFileOptions, execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reuseWorkspaceAddons } from '../support/native-prebuilds.js';
import { freePort } from '../support/redis-servers.js';
import { makeTempDir } from '../support/temp-dir.js';
import { npmRegistryReachable } from '../support/tools.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');

/** One instruction of the Dockerfile, continuation lines joined, in the stage it belongs to. */
interface Instruction {
  readonly stage: string;
  readonly keyword: string;
  readonly args: string;
}

function instructions(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ');
  const out: Instruction[] = [];
  let stage = '';
  let unnamed = 0;
  for (const line of joined.split('\n')) {
    const match = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (match === null || line.trimStart().startsWith('#')) continue;
    const [, keyword, args] = match as unknown as [string, string, string];
    if (keyword === 'FROM') stage = / AS (\S+)/i.exec(args)?.[1] ?? `final-${++unnamed}`;
    out.push({ stage, keyword, args: args.trim() });
  }
  return out;
}

/** `COPY [--from=stage] src... dest` as its parts. */
function copyOf(instruction: Instruction): { from: string | undefined; sources: string[]; dest: string } {
  const words = instruction.args.split(/\s+/);
  const from = words[0]?.startsWith('--from=') ? (words.shift() as string).slice('--from='.length) : undefined;
  const dest = words.pop() as string;
  return { from, sources: words, dest };
}

/** Copies `source` to `dest` the way COPY does: into a folder when `dest` ends with `/`. */
function dockerCopy(source: string, dest: string): void {
  const target = dest.endsWith('/') ? join(dest, source.split('/').filter(Boolean).pop() as string) : dest;
  mkdirSync(dirname(target), { recursive: true });
  cpSync(source, target, { recursive: true, verbatimSymlinks: true });
}

const all = instructions(dockerfile);
const stages = [...new Set(all.map((i) => i.stage))];
const finalStage = stages[stages.length - 1] as string;

describe('the Dockerfile', () => {
  it('names only files that exist in the repository', () => {
    const missing = all
      .filter((i) => i.keyword === 'COPY' && copyOf(i).from === undefined)
      .flatMap((i) => copyOf(i).sources)
      .filter((source) => !existsSync(join(repoRoot, source)));
    expect(missing).toEqual([]);
  });
});

// The image is built here without Docker: the production dependencies installed
// from the manifests the Dockerfile copies, with the command it runs, and the
// compiled code it copies from the build stage (what `npm run build` made).
describe.runIf(npmRegistryReachable())('the image the Dockerfile describes, laid out without Docker', () => {
  const dependencies = makeTempDir('jwtgate-docker-deps-');
  const image = makeTempDir('jwtgate-docker-image-');
  const data = makeTempDir('jwtgate-docker-data-');
  let env: Record<string, string>;
  let server: ReturnType<typeof execFile> | undefined;
  let url: string;
  let output = '';

  beforeAll(async () => {
    // Stage runtime-dependencies: the toolchain's files, then its RUN.
    const depsStage = 'runtime-dependencies';
    const toolchain = all.filter((i) => i.stage === 'toolchain' && i.keyword === 'COPY');
    for (const copy of toolchain.map(copyOf)) {
      for (const source of copy.sources) dockerCopy(join(repoRoot, source), join(dependencies.path, copy.dest));
    }
    const install = all.find((i) => i.stage === depsStage && i.keyword === 'RUN');
    if (install === undefined) throw new Error(`no RUN in the ${depsStage} stage of the Dockerfile`);
    const [command, ...args] = install.args.split(/\s+/) as [string, ...string[]];
    const addons = reuseWorkspaceAddons();
    const options: ExecFileOptions = {
      cwd: dependencies.path,
      env: { ...process.env, ...addons.env },
      timeout: 480_000,
      maxBuffer: 16 * 1024 * 1024,
    };
    await run(command, args, options).finally(addons.remove);

    // The final stage: exactly what it copies, from those two stages.
    for (const copy of all.filter((i) => i.stage === finalStage && i.keyword === 'COPY').map(copyOf)) {
      const base = copy.from === depsStage ? dependencies.path : repoRoot;
      for (const source of copy.sources)
        dockerCopy(join(base, source.replace(/^\/app\//, '')), join(image.path, copy.dest));
    }

    // Its ENV, then what compose.yaml gives it in production, on a free loopback port.
    env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    for (const i of all.filter((i) => i.stage === finalStage && i.keyword === 'ENV')) {
      for (const [, name, value] of i.args.matchAll(/([A-Z_]+)=(\S+)/g)) env[name as string] = value as string;
    }
    expect(env.NODE_ENV).toBe('production');
    Object.assign(env, {
      JWTGATE_HOST: '127.0.0.1',
      JWTGATE_PORT: String(await freePort()),
      JWTGATE_DATA_DIR: data.path,
      JWTGATE_AUTH_ACCESS_SECRET: 'docker-layout-access-secret-0123456789abcdefghij',
      JWTGATE_AUTH_REFRESH_SECRET: 'docker-layout-refresh-secret-0123456789abcdefghi',
    });
    const entrypoint = JSON.parse(/\[.*\]/.exec(all.find((i) => i.keyword === 'ENTRYPOINT')?.args ?? '')?.[0] ?? '[]');
    const cmd = JSON.parse(/\[.*\]/.exec(all.find((i) => i.keyword === 'CMD')?.args ?? '')?.[0] ?? '[]');
    const [program, ...rest] = [...entrypoint, ...cmd] as [string, ...string[]];
    url = `http://127.0.0.1:${env.JWTGATE_PORT}`;
    server = execFile(program === 'node' ? process.execPath : program, rest, { cwd: image.path, env });
    server.stdout?.on('data', (chunk: string) => {
      output += chunk;
    });
    server.stderr?.on('data', (chunk: string) => {
      output += chunk;
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode}):\n${output}`);
      const ready = await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`the server did not get ready:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 600_000);

  afterAll(() => {
    server?.kill('SIGTERM');
    for (const dir of [dependencies, image, data]) dir.remove();
  });

  it('starts in production mode from what the image holds, and serves logins', async () => {
    expect(output).toContain('"mode":"production"');
    expect(output).not.toContain('DEVELOPMENT MODE');
    const json = { 'content-type': 'application/json' };
    const body = JSON.stringify({ username: 'docker', password: 'a long enough password' });
    expect((await fetch(`${url}/auth/register`, { method: 'POST', headers: json, body })).status).toBe(201);
    const login = await fetch(`${url}/auth/login`, { method: 'POST', headers: json, body });
    expect(login.status).toBe(200);
    expect(((await login.json()) as { accessToken: string }).accessToken).toMatch(/^eyJ/);
  });

  it('passes its own HEALTHCHECK', async () => {
    const check = all.find((i) => i.keyword === 'HEALTHCHECK')?.args ?? '';
    const [program, ...args] = JSON.parse(/\[.*\]/.exec(check)?.[0] ?? '[]') as [string, ...string[]];
    const result = await run(program === 'node' ? process.execPath : program, args, { cwd: image.path, env });
    expect(result.stderr).toBe('');
  });

  it('holds no development dependency, source or test', () => {
    for (const devOnly of ['typescript', 'vitest', '@biomejs/biome', 'vite']) {
      expect(existsSync(join(image.path, 'node_modules', devOnly)), devOnly).toBe(false);
    }
    expect(existsSync(join(image.path, 'packages/server/src'))).toBe(false);
    expect(existsSync(join(image.path, 'packages/server/test'))).toBe(false);
  });
});
