import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { describeWithNginx } from '../../examples/test/support/nginx-process.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

// The numbers of this run mean nothing: it proves that `npm run bench:gateway`
// builds, starts jwtgate, the service and two NGINX, and writes every row.
describeWithNginx()('the gateway benchmarks (quick smoke run)', () => {
  let markdown: string;

  beforeAll(async () => {
    await run(
      process.execPath,
      [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'bench', 'examples/tsconfig.build.json'],
      { cwd: repoRoot, timeout: 120_000 },
    );
    const { stdout } = await run(process.execPath, ['bench/dist/gateway/main.js', '--quick'], {
      cwd: repoRoot,
      timeout: 180_000,
    });
    markdown = stdout;
  }, 300_000);

  it('measures /auth/verify against the bare route, and NGINX with auth_request against NGINX alone', () => {
    for (const row of [
      '| `GET /healthz` (the bare route',
      '| `GET /auth/verify`, 200 distinct tokens in turn |',
      '| `GET /auth/verify`, one token again and again',
      '| NGINX alone (`/public/`, no auth_request) |',
      '| NGINX + auth_request, verify answers cached 5 s (the example) |',
      '| NGINX + auth_request, no cache',
    ]) {
      const line = markdown.split('\n').find((l) => l.startsWith(row));
      expect(line, row).toMatch(/\| [\d,]+ \| \d+ % \|$/);
    }
    expect(markdown).toMatch(
      /Target: `\/auth\/verify` with distinct tokens at 85 % of the bare route or better: \*\*(met|missed)\*\*/,
    );
  });
});
