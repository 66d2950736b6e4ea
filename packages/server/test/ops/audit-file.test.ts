import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createManualClock } from '@jwtgate/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AuditFile, openAuditFile } from '../../src/audit/audit-file.js';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { createUsernameDigest } from '../../src/audit/username-digest.js';
import { problemsOf } from '../support/config-problems.js';
import { PASSWORD } from '../support/listening-server.js';
import { startServerProcess } from '../support/spawn-server.js';
import { makeTempDir } from '../support/temp-dir.js';
import { startTestServer, TEST_ACCESS_SECRET, TEST_REFRESH_SECRET } from '../support/test-server.js';

const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '');

describe('the audit file', () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    dir = makeTempDir('jwtgate-audit-file-');
  });
  afterEach(() => dir.remove());

  it('is created with mode 0600 and appended to, never truncated', () => {
    const path = join(dir.path, 'audit.jsonl');
    const first = openAuditFile(path);
    first.append('{"n":1}\n');
    first.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const second = openAuditFile(path);
    second.append('{"n":2}\n');
    second.close();
    expect(lines(path)).toEqual(['{"n":1}', '{"n":2}']);
  });

  it('refuses an existing file that others can read, and says how to fix it', () => {
    const path = join(dir.path, 'audit.jsonl');
    writeFileSync(path, '');
    chmodSync(path, 0o644);
    expect(problemsOf(() => openAuditFile(path))).toEqual([
      `Audit.File: ${path} has mode 0644; the audit trail must be readable by its owner only (chmod 600 ${path})`,
    ]);
  });

  it('refuses a symbolic link, even to a private file, so that a planted link cannot redirect the trail', () => {
    const target = join(dir.path, 'elsewhere.jsonl');
    writeFileSync(target, '', { mode: 0o600 });
    const path = join(dir.path, 'audit.jsonl');
    symlinkSync(target, path);
    expect(problemsOf(() => openAuditFile(path))).toEqual([
      `Audit.File: cannot open ${path} for appending (it is a symbolic link)`,
    ]);
  });

  it('refuses a folder, and a path whose folder does not exist', () => {
    const folder = join(dir.path, 'a-folder');
    mkdirSync(folder, { mode: 0o700 });
    expect(problemsOf(() => openAuditFile(folder))[0]).toMatch(/^Audit\.File: cannot open .* \(EISDIR\)$/);
    const orphan = join(dir.path, 'missing', 'audit.jsonl');
    expect(problemsOf(() => openAuditFile(orphan))).toEqual([
      `Audit.File: cannot open ${orphan} for appending (its folder does not exist)`,
    ]);
  });

  it('starts a new file at its path when reopened after the old one was moved away', () => {
    const path = join(dir.path, 'audit.jsonl');
    const file = openAuditFile(path);
    file.append('before\n');
    renameSync(path, `${path}.1`);
    file.append('still the old file\n');
    file.reopen();
    file.append('after\n');
    file.close();
    expect(lines(`${path}.1`)).toEqual(['before', 'still the old file']);
    expect(lines(path)).toEqual(['after']);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(() => file.append('closed\n')).toThrow(/closed/);
  });

  it('stops a server from starting when it cannot be used, naming the setting', async () => {
    const path = join(dir.path, 'audit.jsonl');
    writeFileSync(path, '', { mode: 0o640 });
    chmodSync(path, 0o640);
    await expect(startTestServer({ dataDir: dir.path, env: { JWTGATE_AUDIT_FILE: path } })).rejects.toThrow(
      /Audit\.File: .* mode 0640/,
    );
  });
});

describe('the audit log when its file fails', () => {
  it('goes on, keeps writing to the log, and reports the first failure of each run of them', () => {
    const logged: unknown[] = [];
    let failing = true;
    const appended: string[] = [];
    const file: AuditFile = {
      path: '/full/disk/audit.jsonl',
      append(line) {
        if (failing) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        appended.push(line);
      },
      reopen() {},
      close() {},
    };
    const reports: boolean[] = [];
    const audit = createAuditLog({
      clock: createManualClock(Date.parse('2030-01-01T00:00:00Z')),
      log: () => ({ info: (fields) => logged.push(fields), warn: (fields) => logged.push(fields) }),
      file,
      onFileError: (_error, firstInARow) => reports.push(firstInARow),
    });
    const event = { event: 'user.registered', userId: 'u1', username: 'u', ip: null, userAgent: null } as const;
    audit.record(event);
    audit.record(event);
    failing = false;
    audit.record(event);
    failing = true;
    audit.record(event);
    expect(reports).toEqual([true, false, true]);
    expect(logged).toHaveLength(4);
    expect(appended).toHaveLength(1);
    expect(appended[0]).toMatch(
      /^\{"audit":true,"auditVersion":1,"id":"[0-9a-f-]{36}","at":"2030-01-01T00:00:00.000Z","event":"user.registered","userId":"u1","username":"u","ip":null,"userAgent":null\}\n$/,
    );
  });
});

describe('the username digest', () => {
  const digest = createUsernameDigest(TEST_REFRESH_SECRET);

  it('is the same for every spelling of one username, and differs between usernames', () => {
    expect(digest('Alice')).toBe(digest('alice'));
    expect(digest('ALICE')).toBe(digest('ａｌｉｃｅ'));
    expect(digest('alice')).not.toBe(digest('alicia'));
    expect(digest('alice')).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it('depends on the secret, so that a guess cannot be checked without it', () => {
    expect(createUsernameDigest(TEST_ACCESS_SECRET)('alice')).not.toBe(digest('alice'));
  });

  it('digests what was typed when it is no valid username at all', () => {
    expect(digest('two words')).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(digest('two words')).not.toBe(digest('two  words'));
    expect(digest('x'.repeat(10_000))).toBe(digest(`${'x'.repeat(256)}y`));
  });
});

describe('jwtgate start', () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    dir = makeTempDir('jwtgate-audit-process-');
  });
  afterEach(() => dir.remove());

  it('reopens the audit file on SIGHUP, so that logrotate can move it away', async () => {
    const server = await startServerProcess({ cwd: dir.path, env: { JWTGATE_AUDIT_FILE: 'audit.jsonl' } });
    const path = join(dir.path, 'audit.jsonl');
    const register = async (username: string) => {
      const res = await fetch(`${server.url}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: PASSWORD }),
      });
      expect(res.status).toBe(201);
    };
    try {
      await register('before-rotation');
      renameSync(path, `${path}.1`);
      process.kill(server.pid, 'SIGHUP');
      await server.waitForLog((line) => line.msg === 'audit file reopened');
      await register('after-rotation');
      expect(lines(`${path}.1`).map((line) => JSON.parse(line).username)).toEqual(['before-rotation']);
      expect(lines(path).map((line) => JSON.parse(line).username)).toEqual(['after-rotation']);
      expect(statSync(path).mode & 0o777).toBe(0o600);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
