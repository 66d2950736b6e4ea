#!/usr/bin/env node
// The `jwtgate` command. It lives outside dist/ so that npm can link it when a
// clone of the repository is installed, before anything is built; in a clone
// that was never built it builds first, as `npm start` does.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);

if (!existsSync(main)) {
  const root = new URL('../../../', import.meta.url);
  const manifest = new URL('package.json', root);
  const inClone =
    existsSync(new URL('packages/server/src/cli/main.ts', root)) &&
    existsSync(manifest) &&
    JSON.parse(readFileSync(manifest, 'utf8')).name === 'jwtgate-workspace';
  if (!inClone) {
    process.stderr.write('jwtgate: dist/cli/main.js is missing: this copy of @jwtgate/server was never built\n');
    process.exit(1);
  }
  process.stderr.write('jwtgate: building the workspace first (npm run build)…\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build', '--silent'], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

await import(main.href);
