import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkSecret, type SmtpInbox, startSmtpInbox } from '../support/smtp-inbox.js';
import { makeTempDir } from '../support/temp-dir.js';
import { loadTestConfig, startTestServer, type TestServer } from '../support/test-server.js';

const GOOD = 'correct horse battery staple';
const CONTEXT = { code: 'ERR_PASSWORD_CONTAINS_CONTEXT', message: expect.stringMatching(/username/) };

describe('passwords made of the account or the service (ASVS 5.0 §6.2.11), on SQLite', () => {
  let inbox: SmtpInbox;
  let t: TestServer;

  beforeAll(async () => {
    inbox = await startSmtpInbox();
    t = await startTestServer({
      env: {
        JWTGATE_LOGIN_MAX_FAILURES: '3',
        JWTGATE_PASSWORDS_CONTEXT_WORDS: 'Acme Widgets,Springfield',
        JWTGATE_MAIL_SMTP_URL: inbox.url(),
        JWTGATE_MAIL_FROM: 'Example <no-reply@example.test>',
        JWTGATE_WEB_PUBLIC_URL: 'https://auth.example.test',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await inbox.close();
  });

  const register = (body: { username?: string; email?: string; password: string }) =>
    t.request({ method: 'POST', url: '/auth/register', body });

  it('refuses at registration a password made of the name, the address or the service words, and creates nobody', async () => {
    const refused: Array<[{ username?: string; email?: string }, string]> = [
      [{ username: 'alice' }, 'alice2024!'],
      [{ username: 'alice' }, 'ECILA-1999'],
      [{ email: 'alice@example.com' }, 'Alice@example'],
      [{ username: 'alice', email: 'alice@example.com' }, 'ａｌｉｃｅ＿２０２４'],
      [{ username: 'bob' }, 'jwtgate123'],
      [{ username: 'bob' }, 'springfield!!'],
      [{ username: 'bob' }, 'ACME 2024 widgets'],
      // Leetspeak, forwards and reversed; a 1 is an i or an l wherever the word has one.
      [{ username: 'alice' }, '4l1c3-2024!'],
      [{ username: 'alice' }, '3C1L4-2024'],
      [{ username: 'bob' }, '5pr1n9f13ld!!'],
    ];
    for (const [who, password] of refused) {
      const res = await register({ ...who, password });
      expect(res.statusCode, password).toBe(400);
      expect(res.json().error).toEqual(CONTEXT);
      expect(res.body).not.toContain(password);
    }
    // Nothing was written: the name and the address are free, and the refused password never logs in.
    const made = await register({
      username: 'alice',
      email: 'alice@example.com',
      password: 'alice likes green tea 4ever',
    });
    expect(made.statusCode, made.body).toBe(201);
    const login = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { username: 'alice', password: 'alice2024!' },
    });
    expect(login.statusCode).toBe(401);
  });

  it('judges the password before the name is looked up: a taken name gets the same answer as a free one', async () => {
    const taken = await t.signUp();
    const forTaken = await register({ username: taken.username, password: `${taken.username}!!` });
    const forFree = await register({ username: `${taken.username}x`, password: `${taken.username}x!!` });
    expect(forTaken.json()).toEqual(forFree.json());
    expect(forTaken.json().error.code).toBe('ERR_PASSWORD_CONTAINS_CONTEXT');
  });

  it('refuses such a new password at a change before the current one is checked: no guess is counted, nothing changes', async () => {
    const user = await t.signUp();
    const change = (currentPassword: string, newPassword: string) =>
      t.request({
        method: 'POST',
        url: '/auth/password',
        token: user.accessToken,
        body: { currentPassword, newPassword },
      });
    // More tries than Login.MaxFailures, with a wrong current password: none is counted.
    for (let i = 0; i < 5; i++) {
      const res = await change('a wrong current password', `${user.username.toUpperCase()}#${i}`);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('ERR_PASSWORD_CONTAINS_CONTEXT');
    }
    const right = await change(user.password, `${user.username}2024`);
    expect(right.json().error.code).toBe('ERR_PASSWORD_CONTAINS_CONTEXT');
    // The old password still logs in and the session still works: nothing was half-written.
    expect((await t.request({ method: 'GET', url: '/auth/me', token: user.accessToken })).statusCode).toBe(200);
    await expect(t.login(user.username, user.password)).resolves.toHaveProperty('accessToken');
    const changed = await change(user.password, 'a rarer passphrase than most');
    expect(changed.statusCode, changed.body).toBe(200);
  });

  it('refuses such a password at a reset before the link is spent; the link and the old password stay usable', async () => {
    const email = `carol.jones-${Math.random().toString(36).slice(2, 7)}@example.com`;
    const created = await register({ username: 'carol-reset', email, password: GOOD });
    expect(created.statusCode, created.body).toBe(201);
    await t.request({ method: 'POST', url: '/auth/password/forgot', body: { email } });
    await t.server.drainMail();
    const mail = await inbox.waitFor((m) => m.to.includes(email) && /Reset your/.test(m.subject));
    const token = linkSecret(mail, 'reset-password');
    for (const newPassword of ['Carol-Reset-2024', 'jones.example!', 'CAROL1234567']) {
      const res = await t.request({ method: 'POST', url: '/auth/password/reset', body: { token, newPassword } });
      expect(res.statusCode, newPassword).toBe(400);
      expect(res.json().error.code).toBe('ERR_PASSWORD_CONTAINS_CONTEXT');
    }
    await expect(t.login('carol-reset', GOOD)).resolves.toHaveProperty('accessToken');
    const reset = await t.request({
      method: 'POST',
      url: '/auth/password/reset',
      body: { token, newPassword: 'carol chose a better one' },
    });
    expect(reset.statusCode, reset.body).toBe(200);
    const now = await t.request({
      method: 'POST',
      url: '/auth/login',
      body: { username: 'carol-reset', password: 'carol chose a better one' },
    });
    expect(now.statusCode).toBe(200);
  });

  it('answers a reset with a spent or unknown link as before, whatever the password', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/auth/password/reset',
      body: { token: `jge1_${'A'.repeat(43)}`, newPassword: 'jwtgate2024' },
    });
    expect(res.statusCode).toBe(400);
    // The service word is refused first, whoever would hold the link: it says nothing about any account.
    expect(res.json().error.code).toBe('ERR_PASSWORD_CONTAINS_CONTEXT');
    const unknown = await t.request({
      method: 'POST',
      url: '/auth/password/reset',
      body: { token: `jge1_${'A'.repeat(43)}`, newPassword: 'unrelated words here' },
    });
    expect(unknown.json().error.code).toBe('ERR_EMAIL_TOKEN_INVALID');
  });
});

describe('the context-word settings', () => {
  it('gather the service names, Passwords.ContextWords and the lines of Passwords.ContextWordsFile', () => {
    const dir = makeTempDir();
    try {
      const file = join(dir.path, 'words.txt');
      writeFileSync(file, '# our words\nGlobex\r\n\n  Metropolis  \n');
      const config = loadTestConfig({
        JWTGATE_NAME: 'portal',
        JWTGATE_PASSWORDS_CONTEXT_WORDS: 'Acme,Widgets',
        JWTGATE_PASSWORDS_CONTEXT_WORDS_FILE: file,
      });
      expect(config.passwords.contextWords).toEqual(
        expect.arrayContaining(['portal', 'Acme', 'Widgets', 'Globex', 'Metropolis']),
      );
      expect(config.passwords.contextWords).not.toContain('# our words');
    } finally {
      dir.remove();
    }
  });

  it('stop the start when the word file cannot be read, naming the setting', () => {
    expect(() => loadTestConfig({ JWTGATE_PASSWORDS_CONTEXT_WORDS_FILE: '/nonexistent/words.txt' })).toThrow(
      /Passwords\.ContextWordsFile: cannot read \/nonexistent\/words\.txt \(ENOENT\)/,
    );
  });
});
