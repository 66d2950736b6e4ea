import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createJwtVerifier, importJwk } from '@jwtgate/core';
import { describe, expect, it } from 'vitest';
import type { KeySet } from '../../src/keys/key-set-file.js';
import { call, login, register } from '../support/http-call.js';
import { parseExposition } from '../support/prometheus-text.js';
import {
  type LogLine,
  runCli,
  type ServerProcess,
  startServerProcess,
  useProcessSandbox,
} from '../support/spawn-server.js';
import { decodeJwt } from '../support/test-server.js';

const REFRESH_SECRET = 'key-reload-refresh-secret-0123456789abcdef';

describe('a running server process and `jwtgate keys`', () => {
  const dir = useProcessSandbox('jwtgate-key-reload-');
  const env = (extra: Record<string, string> = {}) => ({
    JWTGATE_AUTH_REFRESH_SECRET: REFRESH_SECRET,
    JWTGATE_AUTH_KEY_FILE: 'keys.json',
    ...extra,
  });
  const keys = async (...args: string[]) => {
    const result = await runCli(['keys', ...args], { cwd: dir.path, env: env(), timeoutMs: 20_000 });
    expect(result.code, result.stderr).toBe(0);
    return result;
  };
  const readSet = () => JSON.parse(readFileSync(join(dir.path, 'keys.json'), 'utf8')) as KeySet;
  const start = (extra: Record<string, string> = {}) =>
    startServerProcess({
      cwd: dir.path,
      env: env({ JWTGATE_METRICS_ENABLED: 'true', JWTGATE_METRICS_PORT: '0', ...extra }),
    });
  const kidsOf = async (server: ServerProcess): Promise<string[]> =>
    (await call(server, 'GET', '/.well-known/jwks.json')).body.keys.map((k: { kid: string }) => k.kid);
  const reloaded = (server: ServerProcess, matches: (line: LogLine) => boolean, timeoutMs = 3_000) =>
    server.waitForLog((line) => line.msg === 'key files reloaded' && matches(line), timeoutMs);
  const kid = (token: string) => decodeJwt(token).header.kid;

  it('publishes, then signs with the keys `keys generate` and `keys rotate` write, within the interval, and removes one at once on SIGHUP', async () => {
    await keys('generate', '--kid', 'first');
    const server = await start({ JWTGATE_AUTH_KEY_RELOAD_INTERVAL: '1' });
    await register(server, 'alice');
    const { accessToken: firstToken } = await login(server, 'alice');
    expect(kid(firstToken)).toBe('first');

    const generated = await keys('generate', '--kid', 'second');
    expect(generated.stderr).toContain('running instances pick it up within Auth.KeyReloadInterval');
    await reloaded(server, (line) => (line.added as string[]).includes('second'));
    expect(await kidsOf(server)).toEqual(['first', 'second']);
    expect(kid((await login(server, 'alice')).accessToken)).toBe('first');

    await keys('rotate');
    await reloaded(server, (line) => line.signingKid === 'second');
    const { accessToken: secondToken } = await login(server, 'alice');
    expect(kid(secondToken)).toBe('second');
    expect((await call(server, 'GET', '/auth/me', { token: firstToken })).status).toBe(200);

    // Emergency removal: the operator does not wait for the interval (which may still come first).
    await keys('remove', '--kid', 'first');
    process.kill(server.pid, 'SIGHUP');
    await reloaded(server, (line) => (line.removed as string[]).includes('first'));
    const refused = await call(server, 'GET', '/auth/me', { token: firstToken });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('ERR_TOKEN_INVALID');
    expect(await kidsOf(server)).toEqual(['second']);
    expect((await call(server, 'GET', '/auth/me', { token: secondToken })).status).toBe(200);
    expect(server.logs().filter((line) => line.audit === true && line.event === 'keys.reloaded')).toHaveLength(3);
    expect(await server.stop()).toBe(0);
  });

  it('on SIGHUP alone, keeps serving the keys in use when the file is corrupted, reports it, and takes the repaired file', async () => {
    await keys('generate', '--kid', 'only');
    const server = await start({ JWTGATE_AUTH_KEY_RELOAD_INTERVAL: '0' });
    const ready = await server.waitForLog((line) => line.msg === 'jwtgate ready');
    const metricsUrl = ready.metrics as string;
    await register(server, 'bob');
    const { accessToken } = await login(server, 'bob');
    const good = readFileSync(join(dir.path, 'keys.json'), 'utf8');

    writeFileSync(join(dir.path, 'keys.json'), good.slice(0, 200));
    process.kill(server.pid, 'SIGHUP');
    const error = await server.waitForLog((line) => line.code === 'ERR_KEY_FILE_INVALID', 3_000);
    expect(error).toMatchObject({ level: 50, trigger: 'signal' });
    expect(JSON.stringify(server.logs())).not.toContain((JSON.parse(good) as KeySet).keys[0]?.jwk.d as string);
    expect((await call(server, 'GET', '/auth/me', { token: accessToken })).status).toBe(200);
    expect(kid((await login(server, 'bob')).accessToken)).toBe('only');
    expect(await kidsOf(server)).toEqual(['only']);
    const scrape = parseExposition(await (await fetch(metricsUrl)).text());
    expect(scrape.value('jwtgate_key_reloads_total', { outcome: 'invalid' })).toBeGreaterThanOrEqual(1);

    writeFileSync(join(dir.path, 'keys.json'), good);
    await keys('generate', '--kid', 'repaired');
    process.kill(server.pid, 'SIGHUP');
    const repaired = await reloaded(server, (line) => (line.added as string[]).includes('repaired'));
    expect(repaired.trigger).toBe('signal');
    expect(await kidsOf(server)).toEqual(['only', 'repaired']);
    expect(await server.stop()).toBe(0);
  });

  it('never answers 5xx, nor hands out a token its own JWKS cannot verify, while keys rotate under load', async () => {
    await keys('generate');
    const server = await start({ JWTGATE_AUTH_KEY_RELOAD_INTERVAL: '1', JWTGATE_REFRESH_MAX_PER_SESSION: '0' });
    const WORKERS = 8;
    const sessions: { refreshToken: string; accessToken: string }[] = [];
    for (let i = 0; i < WORKERS; i += 1) {
      await register(server, `racer${i}`);
      sessions.push(await login(server, `racer${i}`));
    }

    let rotating = true;
    const problems: string[] = [];
    const seenKids = new Set<string>();
    let checked = 0;
    const worker = async (session: { refreshToken: string; accessToken: string }) => {
      let { refreshToken, accessToken: olderToken } = session;
      while (rotating) {
        const refreshed = await call(server, 'POST', '/auth/refresh', { body: { refreshToken } });
        if (refreshed.status !== 200) {
          problems.push(`refresh answered ${refreshed.status} ${JSON.stringify(refreshed.body)}`);
          return;
        }
        const accessToken = refreshed.body.accessToken as string;
        refreshToken = refreshed.body.refreshToken as string;
        const jwks = await call(server, 'GET', '/.well-known/jwks.json');
        if (jwks.status !== 200) problems.push(`JWKS answered ${jwks.status}`);
        const tokenKid = kid(accessToken) as string;
        seenKids.add(tokenKid);
        const jwk = (jwks.body.keys as { kid: string }[]).find((k) => k.kid === tokenKid);
        if (jwk === undefined) {
          problems.push(`a token of ${tokenKid}, which the JWKS served right after it does not list`);
        } else {
          try {
            createJwtVerifier({ keys: [importJwk(jwk)] }).verify(accessToken);
          } catch (error) {
            problems.push(`a token of ${tokenKid} fails against its JWK: ${(error as Error).message}`);
          }
        }
        for (const token of [accessToken, olderToken]) {
          const me = await call(server, 'GET', '/auth/me', { token });
          if (me.status !== 200) problems.push(`/auth/me answered ${me.status} ${JSON.stringify(me.body)}`);
        }
        olderToken = accessToken;
        checked += 1;
      }
    };
    const running = sessions.map(worker);

    // Both ways in at once: the timer of the interval and SIGHUPs right after the writes. Every
    // other rotation has no published key waiting, so the key it makes signs as soon as it is
    // loaded: a JWKS that lagged the signer by a moment would be caught out.
    for (let cycle = 0; cycle < 6; cycle += 1) {
      if (cycle % 2 === 0) {
        await keys('generate');
        process.kill(server.pid, 'SIGHUP');
      }
      await keys('rotate');
      process.kill(server.pid, 'SIGHUP');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const last = readSet().keys[0]?.kid;
    await reloaded(server, (line) => line.signingKid === last);
    await new Promise((resolve) => setTimeout(resolve, 300));
    rotating = false;
    await Promise.all(running);

    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(50);
    // The load really spanned the rotations: tokens of several signing keys came out.
    expect(seenKids.size).toBeGreaterThanOrEqual(4);
    expect(server.logs().filter((line) => line.level >= 50)).toEqual([]);
    expect(await server.stop()).toBe(0);
  }, 90_000);
});
