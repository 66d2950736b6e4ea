import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../support/spawn-server.js';
import { makeTempDir } from '../support/temp-dir.js';
import { describeWithTool } from '../support/tools.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const readme = readFileSync(`${repoRoot}README.md`, 'utf8');
const script = readFileSync(`${repoRoot}docs/walkthrough.sh`, 'utf8');

/** The README's ```sh block that starts with `firstLine`, without its fences. */
function readmeBlock(firstLine: string): string {
  const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1] as string);
  const block = blocks.find((text) => text.startsWith(firstLine));
  if (block === undefined) throw new Error(`no sh block starting with "${firstLine}" in README.md`);
  return block;
}

/** What the script runs: everything after its line of dashes. */
function scriptBody(): string {
  const marker = /^# -{20,}\n/m.exec(script);
  if (marker === null) throw new Error('docs/walkthrough.sh has no line of dashes');
  return script.slice(marker.index + marker[0].length);
}

describe("the README's walkthrough", () => {
  it('is word for word what docs/walkthrough.sh runs', () => {
    const walkthrough = readmeBlock('B=');
    const cookieMode = readmeBlock('# Cookie mode by hand');
    expect(`${walkthrough}\n${cookieMode}`).toBe(scriptBody());
  });

  it('has no placeholder left to fill in by hand', () => {
    const commands = scriptBody()
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('#'))
      .map((line) => line.replace(/\s#\s.*$/, ''));
    expect(commands.filter((line) => /<[a-z' ]+>/i.test(line))).toEqual([]);
  });
});

describeWithTool('curl')("the README's walkthrough, run against a real server", () => {
  const data = makeTempDir('jwtgate-walkthrough-');
  let server: ServerProcess;
  let run: { code: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    // What `npm start` would use, in a folder of its own so that alice and root are new.
    const env = { JWTGATE_DATA_DIR: data.path };
    server = await startServerProcess({ cwd: data.path, env, timeoutMs: 30_000 });
    run = await new Promise((resolve, reject) => {
      // From the clone, as the README says, so that `npx jwtgate` is this workspace's command.
      const child = spawn('bash', ['docs/walkthrough.sh'], {
        cwd: repoRoot,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? data.path, B: server.url, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    data.remove();
  });

  it('runs to the end without a failing command', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('answers each step as the README says, in order', () => {
    const expected = [
      '{"id":"', // registered
      '"tokenType":"Bearer"',
      '"username":"alice"',
      '401\n',
      '"refreshToken":"jgr1_',
      '"code":"ERR_REFRESH_TOKEN_REUSED"',
      '"code":"ERR_TOKEN_REVOKED"',
      '"device":"tablet"',
      '"current":true,"amr":["pwd"],"authTime":',
      '204\n',
      '"code":"ERR_TOKEN_REVOKED"',
      '{"revoked":1}{"revoked":1}',
      '"username":"root","role":"admin"',
      '"nextCursor":null',
      '"device":"laptop"',
      '204\n{"revoked":1}',
      '"disabled":true',
      '"revokedSessions":0',
      '"disabled":false',
      '"role":"support"',
      '"code":"ERR_LAST_ADMIN"',
      '{"revoked":0}',
      'set-cookie: __Secure-jwtgate_refresh=jgr1_',
    ];
    let from = 0;
    for (const fragment of expected) {
      const at = run.stdout.indexOf(fragment, from);
      if (at === -1) throw new Error(`"${fragment}" does not follow in:\n${run.stdout.slice(from)}`);
      from = at + fragment.length;
    }
  });

  it('meets only the errors the README shows', () => {
    const shown = new Set(scriptBody().match(/ERR_[A-Z_]+/g));
    const met = new Set(run.stdout.match(/ERR_[A-Z_]+/g));
    for (const code of met) expect(shown).toContain(code);
  });
});
