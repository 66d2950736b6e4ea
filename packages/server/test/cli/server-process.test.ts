import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call, login, PASSWORD, register } from '../support/http-call.js';
import { startServerProcess, useProcessSandbox } from '../support/spawn-server.js';

describe('the server as a process', () => {
  const dir = useProcessSandbox();

  it('runs in a bare folder in development mode, with a banner, a 0600 secrets file, and working auth', async () => {
    const server = await startServerProcess({ cwd: dir.path });
    const secretsPath = join(dir.path, 'data', 'dev-secrets.json');
    expect(server.stderr()).toContain('jwtgate is running in DEVELOPMENT MODE.');
    expect(server.stderr()).toContain(`secrets generated in ${secretsPath}`);
    expect(statSync(secretsPath).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dir.path, 'data', 'jwtgate.db'))).toBe(true);
    // The start-up line names every place the audit trail goes: by default the log and the database.
    const ready = await server.waitForLog((line) => line.msg === 'jwtgate ready');
    expect(ready).toMatchObject({ mode: 'development', database: 'sqlite', audit: ['log', 'database'] });

    await register(server, 'alice');
    const { accessToken } = await login(server, 'alice');
    const me = await call(server, 'GET', '/auth/me', { token: accessToken });
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ username: 'alice', role: 'user' });

    // Neither secret nor password nor token reaches the logs.
    const { accessSecret, refreshSecret } = JSON.parse(readFileSync(secretsPath, 'utf8'));
    const printed = `${JSON.stringify(server.logs())}${server.stderr()}`;
    for (const secret of [accessSecret, refreshSecret, PASSWORD, accessToken]) expect(printed).not.toContain(secret);

    expect(await server.stop()).toBe(0);
  });

  it('keeps users, sessions, rotations and revocations across a restart', async () => {
    let server = await startServerProcess({ cwd: dir.path });
    await register(server, 'carol');
    const first = await login(server, 'carol');
    const rotated = await call(server, 'POST', '/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(rotated.status).toBe(200);
    const { accessToken, refreshToken: r1 } = rotated.body as { accessToken: string; refreshToken: string };

    const other = await login(server, 'carol');
    const logout = await call(server, 'POST', '/auth/logout', { token: other.accessToken });
    expect(logout.body).toEqual({ revoked: 1 });
    expect(await server.stop()).toBe(0);

    server = await startServerProcess({ cwd: dir.path });
    expect(server.stderr()).toContain('secrets read from');
    const me = await call(server, 'GET', '/auth/me', { token: accessToken });
    expect(me.status).toBe(200);
    expect(me.body.user.username).toBe('carol');

    // The logged-out session stays revoked although the new process never saw the logout.
    const revoked = await call(server, 'GET', '/auth/me', { token: other.accessToken });
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.code).toBe('ERR_TOKEN_REVOKED');
    const revokedRefresh = await call(server, 'POST', '/auth/refresh', { body: { refreshToken: other.refreshToken } });
    expect(revokedRefresh.status).toBe(401);
    expect(revokedRefresh.body.error.code).toBe('ERR_SESSION_REVOKED');

    // R1 rotates once: a replay inside the grace window gets the same successor, not a second one.
    const r2 = await call(server, 'POST', '/auth/refresh', { body: { refreshToken: r1 } });
    expect(r2.status).toBe(200);
    const replay = await call(server, 'POST', '/auth/refresh', { body: { refreshToken: r1 } });
    expect(replay.status).toBe(200);
    expect(replay.body.refreshToken).toBe(r2.body.refreshToken);
    // Once the successor has rotated in turn, R1 is two generations old: theft.
    const r3 = await call(server, 'POST', '/auth/refresh', { body: { refreshToken: r2.body.refreshToken } });
    expect(r3.status).toBe(200);
    const reused = await call(server, 'POST', '/auth/refresh', { body: { refreshToken: r1 } });
    expect(reused.status).toBe(401);
    expect(reused.body.error.code).toBe('ERR_REFRESH_TOKEN_REUSED');

    expect(await server.stop()).toBe(0);
  });

  it('refuses the second use of a refresh token after a restart when the grace window is 0', async () => {
    const env = { JWTGATE_AUTH_REFRESH_GRACE: '0' };
    let server = await startServerProcess({ cwd: dir.path, env });
    await register(server, 'dave');
    const { refreshToken: r0 } = await login(server, 'dave');
    const r1 = (await call(server, 'POST', '/auth/refresh', { body: { refreshToken: r0 } })).body.refreshToken;
    expect(await server.stop()).toBe(0);

    server = await startServerProcess({ cwd: dir.path, env });
    const used = await call(server, 'POST', '/auth/refresh', { body: { refreshToken: r1 } });
    expect(used.status).toBe(200);
    const again = await call(server, 'POST', '/auth/refresh', { body: { refreshToken: r1 } });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('ERR_REFRESH_TOKEN_REUSED');
    const me = await call(server, 'GET', '/auth/me', { token: used.body.accessToken });
    expect(me.body.error.code).toBe('ERR_TOKEN_REVOKED');
    expect(await server.stop()).toBe(0);
  });

  it('finishes a request in flight when SIGTERM arrives, then exits 0', async () => {
    let server = await startServerProcess({ cwd: dir.path });
    await register(server, 'erin');

    // The body is sent in two parts so that SIGTERM provably lands while the login is in flight.
    const body = JSON.stringify({ username: 'erin', password: PASSWORD });
    let sendRest: () => void = () => {};
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(body.slice(0, 10)));
        sendRest = () => {
          controller.enqueue(new TextEncoder().encode(body.slice(10)));
          controller.close();
        };
      },
    });
    const pending = fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
      signal: AbortSignal.timeout(5_000),
    } as RequestInit);
    await server.waitForLog(
      (line) => line.msg === 'incoming request' && (line.req as { url?: string }).url === '/auth/login',
    );
    const stopped = server.stop();
    await server.waitForLog((line) => line.msg === 'shutting down: finishing in-flight requests');
    sendRest();

    const res = await pending;
    expect(res.status).toBe(200);
    // Without this the kept-alive connection would hold the process up after the answer.
    expect(res.headers.get('connection')).toBe('close');
    const { accessToken } = (await res.json()) as { accessToken: string };
    expect(await stopped).toBe(0);

    // The session written during shutdown was committed before the database closed.
    server = await startServerProcess({ cwd: dir.path });
    expect((await call(server, 'GET', '/auth/me', { token: accessToken })).status).toBe(200);
    expect(await server.stop()).toBe(0);
  });
});
