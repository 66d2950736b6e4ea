import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type BrowserServer, describeWithBrowser, problemsOf, startBrowserServer } from '../support/real-browser.js';
import { freePort } from '../support/redis-servers.js';
import { uniqueName } from '../support/services.js';
import { mailedLink, type ReceivedMail, type SmtpInbox, startSmtpInbox } from '../support/smtp-inbox.js';
import { devicesPerTest, fillAndSubmit, pageParts } from '../support/web-page.js';

/**
 * The page's email forms in a real Chromium, against a real server whose
 * mail goes through a real SMTP server in this process: every link a test
 * follows is read out of a received mail and opened as it was mailed.
 */

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase';
const BROWSER_TEST_MS = 120_000;

const address = (prefix: string) => `${uniqueName(prefix)}@example.com`;

const { signInForm, signUpForm, profileHeading, signInHeading } = pageParts;

async function signUp(page: Page, email: string): Promise<void> {
  await fillAndSubmit(signUpForm(page), { 'Email address': email, Password: PASSWORD }, 'Create account');
  await profileHeading(page).waitFor();
}

async function signIn(page: Page, login: string, password: string): Promise<void> {
  await fillAndSubmit(signInForm(page), { 'Email or username': login, Password: password }, 'Sign in');
}

describeWithBrowser()('email and recovery on the web page, in Chromium', () => {
  let inbox: SmtpInbox;
  let server: BrowserServer;
  const device = devicesPerTest();

  /** The next mail to `to` whose subject matches, once the outbox has been sent. */
  async function mailTo(to: string, subject: RegExp, after = 0): Promise<ReceivedMail> {
    await server.server.drainMail();
    return inbox.waitFor(
      (mail) => mail.to.includes(to) && subject.test(mail.subject) && inbox.received.indexOf(mail) >= after,
    );
  }

  beforeAll(async () => {
    inbox = await startSmtpInbox();
    // The links point at this very server, so each one is opened exactly as mailed.
    const port = await freePort();
    server = await startBrowserServer({
      JWTGATE_PORT: String(port),
      JWTGATE_WEB_PUBLIC_URL: `http://localhost:${port}`,
      JWTGATE_MAIL_SMTP_URL: inbox.url(),
      JWTGATE_AUTH_EMAIL_SIGN_IN: 'true',
    });
  });
  afterAll(async () => {
    await server?.close();
    await inbox?.close();
  });

  it(
    'resets a forgotten password from the mailed link: signed in, the old password refused, other sessions ended',
    async () => {
      const email = address('reset');
      const phone = await (await device()).open(server.url);
      await signUp(phone, email);

      const laptopDevice = await device();
      const laptop = await laptopDevice.open(server.url);
      await signInForm(laptop).getByRole('button', { name: 'Forgot your password?' }).click();
      const forgot = laptop.locator('form[aria-labelledby="forgot-heading"]');
      await forgot.getByLabel('Email address').fill(email);
      await forgot.getByRole('button', { name: 'Send me a link' }).click();
      await expect.poll(() => laptop.locator('[data-field="forgot-sent"]').innerText()).toContain(email);

      const link = mailedLink(await mailTo(email, /Reset/), 'reset-password');
      expect(link.startsWith(`${server.url}/#reset-password=`)).toBe(true);
      const landing = await laptopDevice.open(link);
      const reset = landing.locator('form[aria-labelledby="reset-heading"]');
      await reset.waitFor();
      // The secret left the address bar and this history entry before any request.
      expect(landing.url()).toBe(`${server.url}/`);
      expect(await landing.evaluate('location.hash')).toBe('');
      await reset.getByLabel('Email or username').fill(email);
      await reset.getByLabel('New password').fill('short');
      await reset.getByRole('button', { name: 'Set the new password' }).click();
      // The browser's own check stops a too-short password; the link is untouched.
      expect(
        await reset
          .getByLabel('New password')
          .evaluate((input) => (input as unknown as { validity: { valid: boolean } }).validity.valid),
      ).toBe(false);
      await reset.getByLabel('New password').fill(NEW_PASSWORD);
      await reset.getByRole('button', { name: 'Set the new password' }).click();
      await profileHeading(landing).waitFor();
      await expect.poll(() => landing.locator('[data-field="email"]').innerText()).toBe(email);
      // Opening the link proved the address.
      await expect.poll(() => landing.locator('[data-field="email-state"]').innerText()).toBe('Confirmed');

      // The phone's session ended with the reset: its next request finds it so.
      await phone.getByRole('button', { name: 'Check again' }).click();
      await signInHeading(phone).waitFor();
      await signIn(phone, email, PASSWORD);
      await expect.poll(() => signInForm(phone).getByRole('alert').innerText()).toContain('do not match');
      await signIn(phone, email, NEW_PASSWORD);
      await profileHeading(phone).waitFor();

      // The link worked once: opened again, it says so in plain words.
      const again = await laptopDevice.open(link);
      const form = again.locator('form[aria-labelledby="reset-heading"]');
      await form.getByLabel('Email or username').fill(email);
      await form.getByLabel('New password').fill('yet another passphrase');
      await form.getByRole('button', { name: 'Set the new password' }).click();
      await again.getByRole('heading', { name: 'This link cannot be used' }).waitFor();
      expect(await again.locator('[data-field="reset-result"]').innerText()).toContain('expired, was used already');
      await again.getByRole('button', { name: 'Ask for a new link' }).click();
      await again.locator('form[aria-labelledby="forgot-heading"]').waitFor();
      expect([...problemsOf(phone), ...problemsOf(laptop), ...problemsOf(landing)]).toEqual([]);
    },
    BROWSER_TEST_MS,
  );
});
