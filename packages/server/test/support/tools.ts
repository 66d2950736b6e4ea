import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe } from 'vitest';
import { underCi } from './services.js';

/**
 * The programs some tests run, beyond Node and npm, and how to get each. A
 * fresh machine lacks them: those tests skip there with this hint, and fail
 * under CI, which installs every one (.ci/run).
 */
export const TOOLS = {
  promtool: "Prometheus's promtool on PATH (Debian: the prometheus package; .ci/run takes only that binary from it)",
  'redis-server': 'redis-server and redis-cli 7 or later on PATH (Debian: apt-get install redis-server)',
  curl: "curl and bash on PATH (Debian: apt-get install curl), which the README's walkthrough uses",
} as const;

export type ToolName = keyof typeof TOOLS;

const found = new Map<ToolName, boolean>();
const warned = new Set<ToolName>();

function onPath(program: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // Not in this folder.
    }
  }
  return false;
}

/**
 * Whether `name` is installed. Under CI a missing tool throws; elsewhere it
 * returns false and says once what to install.
 *
 * @example
 * it.runIf(hasTool('promtool'))('passes promtool', () => { ... });
 */
export function hasTool(name: ToolName): boolean {
  let present = found.get(name);
  if (present === undefined) {
    const programs: Record<ToolName, readonly string[]> = {
      promtool: ['promtool'],
      'redis-server': ['redis-server', 'redis-cli'],
      curl: ['curl', 'bash'],
    };
    present = programs[name].every(onPath);
    found.set(name, present);
  }
  if (present) return true;
  if (underCi())
    throw new Error(`${name} is not installed: CI runs the tests that need it (see .ci/run). Install ${TOOLS[name]}.`);
  if (!warned.has(name)) {
    warned.add(name);
    console.warn(`Skipping the tests that need ${name}: install ${TOOLS[name]} to run them.`);
  }
  return false;
}

/**
 * `describe` when the tool is installed, `describe.skip` otherwise (and a
 * thrown error under CI, from `hasTool`).
 *
 * @example
 * describeWithTool('redis-server')('a Redis of the test\'s own', () => { ... });
 */
export function describeWithTool(name: ToolName): typeof describe | typeof describe.skip {
  return hasTool(name) ? describe : describe.skip;
}

let registry: boolean | undefined;

/**
 * Whether the npm registry answers (`npm ping`), for the tests that install
 * packages into a clean folder as a user or the Docker build would. Under CI
 * an unreachable registry throws; elsewhere it returns false and says why.
 *
 * @example
 * describe.runIf(npmRegistryReachable())('installed from the tarballs', () => { ... });
 */
export function npmRegistryReachable(): boolean {
  registry ??= spawnSync('npm', ['ping'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
  if (registry) return true;
  const why = 'the npm registry does not answer `npm ping`; these tests install packages from it';
  if (underCi()) throw new Error(`${why} (CI needs it)`);
  console.warn(
    `Skipping the clean-install tests: ${why}. Set npm_config_registry to a registry or mirror you can reach.`,
  );
  return false;
}
