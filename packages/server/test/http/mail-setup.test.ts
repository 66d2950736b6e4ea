import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSmtpInbox } from '../support/smtp-inbox.js';
import { makeTempDir } from '../support/temp-dir.js';
import { loadTestConfig, startTestServer } from '../support/test-server.js';

describe('mail configuration', () => {
  it('refuses production with SMTP but no Web.PublicUrl, naming the setting, and never echoes the SMTP URL', () => {
    expect(() =>
      loadTestConfig({ NODE_ENV: 'production', JWTGATE_MAIL_SMTP_URL: 'smtps://u:hunter2-smtp@smtp.example.com:465' }),
    ).toThrow(/Web\.PublicUrl: required in production when Mail\.SmtpUrl is set/);
    try {
      loadTestConfig({ NODE_ENV: 'production', JWTGATE_MAIL_SMTP_URL: 'ftp://u:hunter2-smtp@x' });
    } catch (error) {
      expect(String(error)).toMatch(/Mail\.SmtpUrl/);
      expect(String(error)).not.toContain('hunter2-smtp');
    }
  });

  it('warns at start-up when production has no SMTP, and says nothing when mail is off', () => {
    const warned = loadTestConfig({ NODE_ENV: 'production' });
    expect(warned.warnings.join('\n')).toMatch(/Mail\.SmtpUrl is not set: .* 503 ERR_MAIL_UNAVAILABLE/);
    expect(warned.mail.transport).toBe('none');
    const off = loadTestConfig({ NODE_ENV: 'production', JWTGATE_MAIL_ENABLED: 'false' });
    expect(off.warnings.join('\n')).not.toMatch(/Mail/);
  });
});

describe('production without SMTP', () => {
  let close: (() => Promise<void>) | undefined;
  afterAll(async () => close?.());

  it('answers the sending routes 503 ERR_MAIL_UNAVAILABLE and still registers accounts with an address', async () => {
    const t = await startTestServer({
      env: { NODE_ENV: 'production', JWTGATE_COOKIE_SECURE: 'true', JWTGATE_AUTH_EMAIL_SIGN_IN: 'true' },
    });
    close = () => t.close();
    const reg = await t.request({
      method: 'POST',
      url: '/auth/register',
      body: { email: 'prod@example.com', password: 'correct horse battery' },
    });
    expect(reg.statusCode).toBe(201);
    for (const url of ['/auth/password/forgot', '/auth/email/sign-in']) {
      const res = await t.request({ method: 'POST', url, body: { email: 'prod@example.com' } });
      expect(res.statusCode, url).toBe(503);
      expect(res.json().error.code).toBe('ERR_MAIL_UNAVAILABLE');
    }
    expect((await t.request({ method: 'GET', url: '/dev/mail' })).statusCode).toBe(404);
  });
});

describe('development without SMTP', () => {
  it('writes mails to the log and lists them, links included, at /dev/mail', async () => {
    const lines: string[] = [];
    const t = await startTestServer({
      env: { JWTGATE_LOG_LEVEL: 'info', JWTGATE_WEB_PUBLIC_URL: 'http://localhost:8888' },
      logStream: { write: (line) => lines.push(line) },
    });
    try {
      await t.request({
        method: 'POST',
        url: '/auth/register',
        body: { email: 'dev@example.com', password: 'correct horse battery' },
      });
      await t.request({ method: 'POST', url: '/auth/password/forgot', body: { email: 'dev@example.com' } });
      await t.server.drainMail();
      expect(lines.join('')).toContain('development mail (not sent)');
      expect(lines.join('')).toMatch(/http:\/\/localhost:8888\/#reset-password=jge1_/);
      const page = await t.request({ method: 'GET', url: '/dev/mail' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
      expect(page.body).toMatch(/<a href="http:\/\/localhost:8888\/#reset-password=jge1_[A-Za-z0-9_-]+">/);
      expect(page.body).toContain('Confirm your email address');
    } finally {
      await t.close();
    }
  });
});

describe('templates from files and STARTTLS', () => {
  it('sends the operator’s own template over STARTTLS, escaping values in HTML', async () => {
    const inbox = await startSmtpInbox({ starttls: true });
    const dir = makeTempDir();
    const templates = join(dir.path, 'mail');
    mkdirSync(templates);
    writeFileSync(
      join(templates, 'reset-password.txt'),
      'Subject: {{product}} reset\n\nGo to {{link}} within {{minutes}} min.\n',
    );
    writeFileSync(join(templates, 'reset-password.html'), '<p>For {{email}}: <a href="{{link}}">reset</a></p>');
    const t = await startTestServer({
      env: {
        JWTGATE_NAME: 'Acme<b>',
        JWTGATE_MAIL_SMTP_URL: inbox.url('?requireTLS=true&tls.rejectUnauthorized=false'),
        JWTGATE_MAIL_TEMPLATE_DIR: templates,
        JWTGATE_WEB_PUBLIC_URL: 'https://id.acme.test/',
      },
    });
    try {
      const email = "o'brien@example.com";
      await t.request({ method: 'POST', url: '/auth/register', body: { email, password: 'correct horse battery' } });
      await t.request({ method: 'POST', url: '/auth/password/forgot', body: { email } });
      await t.server.drainMail();
      const mail = await inbox.waitFor((m) => /reset$/.test(m.subject));
      expect(mail.secure).toBe(true);
      expect(mail.user).toBe('mailer');
      expect(mail.subject).toBe('Acme<b> reset');
      expect(mail.text).toMatch(/^Go to https:\/\/id\.acme\.test\/#reset-password=jge1_\S+ within 30 min\.\n/);
      expect(mail.html).toContain('For o&#39;brien@example.com:');
    } finally {
      await t.close();
      await inbox.close();
      dir.remove();
    }
  });
});
