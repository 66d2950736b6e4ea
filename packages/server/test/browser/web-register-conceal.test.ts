import { afterAll, beforeAll, expect, it } from 'vitest';
import { type BrowserServer, describeWithBrowser, problemsOf, startBrowserServer } from '../support/real-browser.js';
import { freePort } from '../support/redis-servers.js';
import { uniqueName } from '../support/services.js';
import { type SmtpInbox, startSmtpInbox } from '../support/smtp-inbox.js';
import { devicesPerTest, fillAndSubmit, pageParts } from '../support/web-page.js';

/**
 * The sign-up form in a real Chromium against a server with
 * `Register.ConcealTakenEmail`: a new address and a taken one read the same
 * "check your mail" line, and neither signs in.
 */

const PASSWORD = 'correct horse battery staple';
const BROWSER_TEST_MS = 120_000;
const { signUpForm, signInHeading } = pageParts;

describeWithBrowser()('sign-up on the web page with Register.ConcealTakenEmail, in Chromium', () => {
  let inbox: SmtpInbox;
  let server: BrowserServer;
  const device = devicesPerTest();

  beforeAll(async () => {
    inbox = await startSmtpInbox();
    const port = await freePort();
    server = await startBrowserServer({
      JWTGATE_PORT: String(port),
      JWTGATE_WEB_PUBLIC_URL: `http://localhost:${port}`,
      JWTGATE_MAIL_SMTP_URL: inbox.url(),
      JWTGATE_AUTH_REQUIRE_VERIFIED_EMAIL: 'true',
      JWTGATE_REGISTER_CONCEAL_TAKEN_EMAIL: 'true',
    });
  });
  afterAll(async () => {
    await server?.close();
    await inbox?.close();
  });

  it(
    'says to check the mail, for a new address and a taken one alike, and signs nobody in',
    async () => {
      const email = `${uniqueName('conceal')}@example.com`;
      const shown: string[] = [];
      for (const attempt of [1, 2]) {
        const page = await (await device()).open(server.url);
        await fillAndSubmit(signUpForm(page), { 'Email address': email, Password: PASSWORD }, 'Create account');
        await expect.poll(() => page.locator('#status').innerText()).toContain('Check your mail');
        shown.push(await page.locator('#status').innerText());
        // Still signed out: the sign-in form is there, no account page.
        await signInHeading(page).waitFor();
        expect(problemsOf(page), `attempt ${attempt}`).toEqual([]);
      }
      expect(shown[1]).toBe(shown[0]);
      await server.server.drainMail();
      await inbox.waitFor((mail) => mail.to.includes(email) && /Confirm your email/.test(mail.subject));
      await inbox.waitFor((mail) => mail.to.includes(email) && /Someone tried to create/.test(mail.subject));
    },
    BROWSER_TEST_MS,
  );
});
