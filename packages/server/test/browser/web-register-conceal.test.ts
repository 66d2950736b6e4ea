import { afterAll, beforeAll, expect, it } from 'vitest';
import { type BrowserMailServer, startBrowserMailServer } from '../support/browser-mail-server.js';
import { describeWithBrowser, problemsOf } from '../support/real-browser.js';
import { uniqueName } from '../support/services.js';
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
  let started: BrowserMailServer;
  const device = devicesPerTest();

  beforeAll(async () => {
    started = await startBrowserMailServer({
      JWTGATE_AUTH_REQUIRE_VERIFIED_EMAIL: 'true',
      JWTGATE_REGISTER_CONCEAL_TAKEN_EMAIL: 'true',
    });
  });
  afterAll(() => started?.close());

  it(
    'says to check the mail, for a new address and a taken one alike, and signs nobody in',
    async () => {
      const { server, inbox } = started;
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
