import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from './temp-dir.js';

const workspaceModules = fileURLToPath(new URL('../../../../node_modules/', import.meta.url));

/**
 * The environment under which a clean `npm install` or `npm ci` reuses the
 * better-sqlite3 addon this workspace's own install already compiled, instead
 * of compiling it again (minutes on a small machine). better-sqlite3's install
 * script runs as ever: prebuild-install finds the addon as a local prebuild
 * of the same version, Node ABI and platform, which is what it would have
 * downloaded. Where the versions differ, the install compiles as usual.
 *
 * @example
 * const reuse = reuseWorkspaceAddons();
 * await run('npm', ['ci'], { env: { ...process.env, ...reuse.env } });
 * reuse.remove();
 */
export function reuseWorkspaceAddons(): { env: Record<string, string>; remove(): void } {
  const dir = makeTempDir('jwtgate-prebuilds-');
  const env: Record<string, string> = {};
  const packageDir = join(workspaceModules, 'better-sqlite3');
  const addon = 'build/Release/better_sqlite3.node';
  if (existsSync(join(packageDir, addon))) {
    const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
    const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
    execFileSync('tar', ['-czf', join(dir.path, name), '-C', packageDir, addon]);
    env.npm_config_better_sqlite3_local_prebuilds = dir.path;
  }
  return { env, remove: dir.remove };
}
