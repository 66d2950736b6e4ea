import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeysWithPrefix } from '../support/redis-servers.js';
import { describeWithService, serviceUrl, uniqueName } from '../support/services.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** One command the client sent, in the wave of round trips it went out in. */
interface SentCommand {
  readonly wave: number;
  readonly name: string;
  readonly key: string;
}

/**
 * Records the commands `client` sends under `prefix`, numbering them in
 * waves: a command sent while none of the recorded ones is waiting for its
 * answer starts a new wave, one sent while another still waits goes out with
 * it. The count of waves is the count of round trips a caller waits for.
 */
function recordWaves(client: Redis, prefix: string): { readonly sent: SentCommand[]; reset(): void } {
  const sent: SentCommand[] = [];
  let waiting = 0;
  let wave = 0;
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command, stream) => {
    const key = String(command.name === 'evalsha' || command.name === 'eval' ? command.args[2] : command.args[0]);
    if (key.startsWith(prefix)) {
      if (waiting === 0) wave += 1;
      waiting += 1;
      sent.push({ wave, name: command.name, key: key.slice(prefix.length) });
      command.promise.then(
        () => {
          waiting -= 1;
        },
        () => {
          waiting -= 1;
        },
      );
    }
    return send(command, stream);
  }) as Redis['sendCommand'];
  return {
    sent,
    reset() {
      sent.length = 0;
      wave = 0;
    },
  };
}

describeWithService('redis')('a refresh with sessions in Redis', () => {
  const prefix = `${uniqueName('jwtgate_rt')}:`;
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      env: {
        JWTGATE_REDIS_URL: serviceUrl('redis') as string,
        JWTGATE_REDIS_KEY_PREFIX: prefix,
        // Both refresh limits on, so the throttle asks Redis twice at once.
        JWTGATE_REFRESH_MAX_FAILURES_PER_IP: '100',
        JWTGATE_REFRESH_MAX_PER_SESSION: '30',
        JWTGATE_REFRESH_SESSION_WINDOW: '300',
      },
    });
  });
  afterAll(async () => {
    const client = t?.server.redis?.client as Redis | undefined;
    if (client !== undefined) await deleteKeysWithPrefix(client, prefix);
    await t?.close();
  });

  it("waits for two round trips: the throttle's and the session's read together, then the rotation", async () => {
    const waves = recordWaves(t.server.redis?.client as Redis, prefix);
    const account = await t.signUp();
    // Once first, so that every script is loaded and a NOSCRIPT retry cannot add a round trip.
    const first = await t.request({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: account.refreshToken },
    });
    expect(first.statusCode).toBe(200);
    waves.reset();
    const res = await t.request({
      method: 'POST',
      url: '/auth/refresh',
      body: { refreshToken: first.json().refreshToken },
    });
    expect(res.statusCode).toBe(200);
    const session = waves.sent.find((c) => c.name === 'hgetall')?.key;
    expect(session).toMatch(/:s:/);
    expect(waves.sent).toEqual([
      { wave: 1, name: 'hgetall', key: session },
      { wave: 1, name: 'hmget', key: expect.stringMatching(/^attempts:/) },
      { wave: 1, name: 'evalsha', key: expect.stringMatching(/^attempts:/) },
      { wave: 2, name: 'evalsha', key: session },
    ]);
  });

  it('answers a refresh the throttle refuses without rotating the session, whose token then still works', async () => {
    const account = await t.signUp();
    const from = '198.51.100.77';
    const refresh = (refreshToken: string, address: string) =>
      t.server.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken }, remoteAddress: address });
    // Spend the session's allowance of 30 refreshes, then one more is refused for its rate.
    let token = account.refreshToken;
    for (let i = 0; i < 30; i++) {
      const res = await refresh(token, from);
      expect(res.statusCode).toBe(200);
      token = res.json().refreshToken;
    }
    const refused = await refresh(token, from);
    expect(refused.statusCode).toBe(429);
    // Read ahead, but never judged: the token was neither rotated nor taken for a replay.
    t.clock.advance(300_000);
    const later = await refresh(token, from);
    expect(later.statusCode, later.body).toBe(200);
  });
});

// Keeps vitest from reporting an empty file when no service is configured outside CI.
describe.skip('placeholder', () => {});
