import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/test-server.js';

async function settingsOf(env: Record<string, string>): Promise<unknown> {
  const t = await startTestServer({ env });
  try {
    const res = await t.request({ method: 'GET', url: '/auth/settings' });
    expect(res.statusCode).toBe(200);
    return res.json();
  } finally {
    await t.close();
  }
}

describe('GET /auth/settings', () => {
  it('tells a sign-in page what sign-up needs and which mailed flows work', async () => {
    expect(await settingsOf({})).toEqual({ requireEmail: false, mail: true, emailSignIn: false, passkeys: true });
    expect(await settingsOf({ JWTGATE_AUTH_REQUIRE_EMAIL: 'true', JWTGATE_AUTH_EMAIL_SIGN_IN: 'true' })).toEqual({
      requireEmail: true,
      mail: true,
      emailSignIn: true,
      passkeys: true,
    });
  });

  it('says mail is off in production without SMTP, and with the mail routes switched off', async () => {
    const production = { NODE_ENV: 'production', JWTGATE_COOKIE_SECURE: 'true', JWTGATE_AUTH_EMAIL_SIGN_IN: 'true' };
    expect(await settingsOf(production)).toEqual({
      requireEmail: false,
      mail: false,
      emailSignIn: false,
      passkeys: false,
    });
    expect(await settingsOf({ JWTGATE_MAIL_ENABLED: 'false', JWTGATE_AUTH_EMAIL_SIGN_IN: 'true' })).toEqual({
      requireEmail: false,
      mail: false,
      emailSignIn: false,
      passkeys: true,
    });
  });
});
