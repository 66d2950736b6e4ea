import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackendPlace, backendAvailable, everyBackend, openBackend } from '../support/backends.js';
import { linkSecret, type SmtpInbox, startSmtpInbox } from '../support/smtp-inbox.js';
import { type CliResult, runCli, useProcessSandbox } from '../support/spawn-server.js';
import { startTestServer, TEST_ACCESS_SECRET, TEST_REFRESH_SECRET, type TestServer } from '../support/test-server.js';

const EX_USAGE = 64;
const PASSWORD = 'correct horse battery staple';
const PUBLIC_URL = 'https://auth.example.test';
const INVITATION_KEYS = [
  'createdAt',
  'createdBy',
  'email',
  'expiresAt',
  'id',
  'revokedAt',
  'role',
  'status',
  'usedAt',
  'userId',
];

/** What a command printed as JSON on standard output, after checking it succeeded. */
// biome-ignore lint/suspicious/noExplicitAny: the JSON is asserted field by field.
function jsonOf(result: CliResult): any {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

// Every database: the commands' queries (the list's keyset pages, the revocation's conditional update) are SQL of their own.
const backends = everyBackend.filter((b) => !b.redis);

describe.each(backends.filter(backendAvailable))('jwtgate invite on $name', (backend) => {
  const dir = useProcessSandbox('jwtgate-invite-cli-');
  let place: BackendPlace;
  let inbox: SmtpInbox;
  let t: TestServer;
  /** The configuration the server and the commands share: one database, one refresh secret (link hashes, sealed mails). */
  let env: Record<string, string>;

  beforeAll(async () => {
    place = await openBackend(backend);
    inbox = await startSmtpInbox();
    env = {
      ...place.env,
      ...(place.dataDir === undefined ? {} : { JWTGATE_DATA_DIR: place.dataDir }),
      JWTGATE_AUTH_ACCESS_SECRET: TEST_ACCESS_SECRET,
      JWTGATE_AUTH_REFRESH_SECRET: TEST_REFRESH_SECRET,
      JWTGATE_REGISTER_ENABLED: 'false',
      JWTGATE_WEB_PUBLIC_URL: PUBLIC_URL,
      JWTGATE_MAIL_SMTP_URL: inbox.url(),
      JWTGATE_AUDIT_DATABASE: 'true',
    };
    t = await startTestServer({ ...(place.dataDir === undefined ? {} : { dataDir: place.dataDir }), env });
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
    await place?.remove();
  });

  const cli = (args: readonly string[], extra: Record<string, string> = {}) =>
    runCli(args, { cwd: dir.path, env: { ...env, ...extra }, timeoutMs: 20_000 });
  const register = (body: Record<string, unknown>) =>
    t.request({ method: 'POST', url: '/auth/register', body: { password: PASSWORD, ...body } });

  it('prints the link once without mail; it registers through the server, and the list shows it used', async () => {
    const made = jsonOf(
      await cli(['invite', 'create', 'Dana@Example.test', '--role', 'editor', '--json'], {
        JWTGATE_MAIL_ENABLED: 'false',
      }),
    );
    expect(Object.keys(made).sort()).toEqual(['invitation', 'link', 'mailed']);
    expect(Object.keys(made.invitation).sort()).toEqual(INVITATION_KEYS);
    expect(made).toMatchObject({
      mailed: false,
      invitation: { email: 'Dana@Example.test', role: 'editor', status: 'pending', createdBy: null, usedAt: null },
    });
    expect(made.link).toMatch(new RegExp(`^${PUBLIC_URL}/#invitation=jge1_`));
    const secret = (made.link as string).split('#invitation=')[1] as string;

    const res = await register({ username: 'dana', invitation: secret });
    expect(res.statusCode, res.body).toBe(201);
    const replay = await register({ username: 'dana2', invitation: secret });
    expect(replay.json().error.code).toBe('ERR_INVITATION_INVALID');

    const used = jsonOf(await cli(['invite', 'list', '--status', 'used', '--json']));
    expect(used.nextCursor).toBeNull();
    expect(used.invitations).toEqual([
      expect.objectContaining({ id: made.invitation.id, status: 'used', userId: res.json().id, createdBy: null }),
    ]);
    // The list never carries the link, and the table names the command line as its maker.
    const table = await cli(['invite', 'list']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).not.toContain(secret);
    expect(table.stdout).toMatch(
      /^ID +EMAIL +ROLE +STATUS +BY +CREATED +EXPIRES\n\S+ +Dana@Example\.test +editor +used +cli /,
    );

    // The same rules as the API: an address an account has is refused, and so is a malformed role.
    const taken = await cli(['invite', 'create', 'dana@EXAMPLE.test', '--json'], { JWTGATE_MAIL_ENABLED: 'false' });
    expect(taken.code).toBe(1);
    expect(JSON.parse(taken.stdout).error.code).toBe('ERR_EMAIL_TAKEN');
    const badRole = await cli(['invite', 'create', 'erin@example.test', '--role', 'Not A Role']);
    expect(badRole.code).toBe(EX_USAGE);
  });

  it('queues the mail in the outbox when mail is configured; the running server delivers it', async () => {
    const made = jsonOf(await cli(['invite', 'create', 'frank@example.test', '--json']));
    expect(Object.keys(made).sort()).toEqual(['invitation', 'mailed']);
    expect(made).toMatchObject({ mailed: true, invitation: { role: 'user', status: 'pending', createdBy: null } });
    // The server's sender looks at the outbox on its own; its clock is a manual one, so move it to now.
    t.clock.set(Date.now());
    const mail = await inbox.waitFor((m) => m.to.includes('frank@example.test'), 10_000);
    const res = await register({ invitation: linkSecret(mail, 'invitation') });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ email: 'frank@example.test', role: 'user' });
  });

  it('pages through the invitations newest first with the printed cursor, each one once', async () => {
    const made: string[] = [];
    for (const name of ['hal', 'ida', 'jo']) {
      const answer = jsonOf(
        await cli(['invite', 'create', `${name}@example.test`, '--json'], { JWTGATE_MAIL_ENABLED: 'false' }),
      );
      made.push(answer.invitation.id);
    }
    const whole = jsonOf(await cli(['invite', 'list', '--status', 'pending', '--limit', '100', '--json']));
    const ids: string[] = whole.invitations.map((i: { id: string }) => i.id);
    // Newest first: the three just made lead, the last one made first.
    expect(ids.slice(0, 3)).toEqual([...made].reverse());

    const paged: string[] = [];
    let after: string | null = null;
    do {
      const args = ['invite', 'list', '--status', 'pending', '--limit', '1', '--json'];
      const page = jsonOf(await cli(after === null ? args : [...args, '--after', after]));
      expect(page.invitations.length).toBeLessThanOrEqual(1);
      paged.push(...page.invitations.map((i: { id: string }) => i.id));
      after = page.nextCursor;
    } while (after !== null && paged.length <= ids.length);
    expect(paged).toEqual(ids);

    const badCursor = await cli(['invite', 'list', '--after', 'not-a-cursor', '--json']);
    expect(badCursor.code).toBe(1);
    expect(JSON.parse(badCursor.stdout).error.code).toBe('ERR_INVALID_CURSOR');
  });

  it('revokes only when confirmed, then answers as the API does for one no longer pending', async () => {
    const made = jsonOf(
      await cli(['invite', 'create', 'gus@example.test', '--json'], { JWTGATE_MAIL_ENABLED: 'false' }),
    );
    const id = made.invitation.id as string;

    const unconfirmed = await cli(['invite', 'revoke', id]);
    expect(unconfirmed.code).toBe(EX_USAGE);
    expect(unconfirmed.stderr).toContain('pass --yes');
    const pending = jsonOf(await cli(['invite', 'list', '--status', 'pending', '--limit', '100', '--json']));
    expect(pending.invitations.map((i: { id: string }) => i.id)).toContain(id);

    const revoked = jsonOf(await cli(['invite', 'revoke', id, '--yes', '--json']));
    expect(Object.keys(revoked)).toEqual(['invitation']);
    expect(revoked.invitation).toMatchObject({ id, status: 'revoked' });
    const secret = (made.link as string).split('#invitation=')[1] as string;
    expect((await register({ username: 'gus', invitation: secret })).json().error.code).toBe('ERR_INVITATION_INVALID');

    const again = await cli(['invite', 'revoke', id, '--yes', '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout).error.code).toBe('ERR_INVITATION_NOT_FOUND');

    // Both are in the audit trail as the operator's, not an administrator's.
    const audit = await cli(['audit', 'tail', '--event', 'admin.invitation-revoked', '--json']);
    const lines = audit.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    expect(lines.map((r) => [r.outcome, r.actorId, r.details.actor, typeof r.details.operator])).toEqual([
      ['success', null, 'cli', 'string'],
      ['failure', null, 'cli', 'string'],
    ]);
  });
});
