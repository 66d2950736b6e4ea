import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type BrowserMailServer, startBrowserMailServer } from '../support/browser-mail-server.js';
import { codeFor } from '../support/mfa-steps.js';
import { artifact, type BrowserServer, type Device, describeWithBrowser, problemsOf } from '../support/real-browser.js';
import { uniqueName } from '../support/services.js';
import { mailedCode, mailedLink, type ReceivedMail, type SmtpInbox } from '../support/smtp-inbox.js';
import { devicesPerTest, fillAndSubmit, pageParts } from '../support/web-page.js';

/**
 * The page's email forms in a real Chromium, against a real server whose
 * mail goes through a real SMTP server in this process: every link a test
 * follows is read out of a received mail and opened as it was mailed.
 */

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase';
const BROWSER_TEST_MS = 120_000;

/** What went wrong in the pages beyond the refusals a test asked for (a wrong password, a spent code). */
function unexpectedProblems(...pages: Page[]): readonly string[] {
  return pages.flatMap(problemsOf).filter((problem) => !/the server responded with a status of 40[03]/.test(problem));
}

const address = (prefix: string) => `${uniqueName(prefix)}@example.com`;

const { signInForm, signUpForm, profileHeading, signInHeading } = pageParts;

async function signUp(page: Page, email: string): Promise<void> {
  await fillAndSubmit(signUpForm(page), { 'Email address': email, Password: PASSWORD }, 'Create account');
  await profileHeading(page).waitFor();
}

async function signIn(page: Page, login: string, password: string): Promise<void> {
  await fillAndSubmit(signInForm(page), { 'Email or username': login, Password: password }, 'Sign in');
}

/** On a signed-out page: `refused` is turned away in plain words, then `accepted` gets in. */
async function onlySecondSignsIn(
  page: Page,
  refused: readonly [login: string, password: string],
  accepted: readonly [login: string, password: string],
): Promise<void> {
  await signIn(page, ...refused);
  await expect.poll(() => signInForm(page).getByRole('alert').innerText()).toContain('do not match');
  await signIn(page, ...accepted);
  await profileHeading(page).waitFor();
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

  /** A new device whose page has just signed up with `email`. */
  async function signedUp(email: string): Promise<{ readonly opened: Device; readonly page: Page }> {
    const opened = await device();
    const page = await opened.open(server.url);
    await signUp(page, email);
    return { opened, page };
  }

  let started: BrowserMailServer | undefined;

  beforeAll(async () => {
    // The links point at this very server, so each one is opened exactly as mailed.
    started = await startBrowserMailServer({
      JWTGATE_AUTH_EMAIL_SIGN_IN: 'true',
      JWTGATE_MFA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      JWTGATE_MFA_REQUIRED_FOR_ROLES: 'admin',
    });
    ({ inbox, server } = started);
  });
  afterAll(() => started?.close());

  it(
    'resets a forgotten password from the mailed link: signed in, the old password refused, other sessions ended',
    async () => {
      const email = address('reset');
      const { page: phone } = await signedUp(email);

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
      await landing.locator('#mailed-link').screenshot({ path: artifact('reset-password.png') });
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
      await onlySecondSignsIn(phone, [email, PASSWORD], [email, NEW_PASSWORD]);

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
      expect(unexpectedProblems(phone, laptop, landing)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );
  it(
    'confirms an address from the mailed link, then by the code of a mail sent again, and says a spent link cannot be used',
    async () => {
      const first = address('verify');
      const before = inbox.received.length;
      const { opened, page } = await signedUp(first);
      await expect.poll(() => page.locator('#status').innerText()).toContain(`We sent a link to ${first}`);
      await expect.poll(() => page.locator('[data-field="email-state"]').innerText()).toBe('Not confirmed yet');
      const link = mailedLink(await mailTo(first, /Confirm your email/, before), 'verify-email');
      const landing = await opened.open(link);
      await expect.poll(() => landing.locator('#status').innerText()).toBe(`Your address ${first} is confirmed.`);
      expect(landing.url()).toBe(`${server.url}/`);
      // Still signed in through the cookie; the account page shows the new state.
      await profileHeading(landing).waitFor();
      await expect.poll(() => landing.locator('[data-field="email-state"]').innerText()).toBe('Confirmed');

      const spent = await opened.open(link);
      await spent.getByRole('heading', { name: 'This link cannot be used' }).waitFor();
      expect(await spent.locator('[data-field="email-landing"]').innerText()).toContain('expired, was used already');
      await spent.getByRole('button', { name: 'Go to your account' }).click();
      await profileHeading(spent).waitFor();
      // A link that never was a link reads the same, and nothing breaks.
      const forged = await opened.open(`${server.url}/#verify-email=jge1_${'A'.repeat(43)}`);
      await forged.getByRole('heading', { name: 'This link cannot be used' }).waitFor();

      // A second account: the first mail is lost, so the page sends it again and the code is typed in.
      const second = address('resend');
      const { page: other } = await signedUp(second);
      const panel = other.locator('#email');
      await mailTo(second, /Confirm your email/);
      // A code is checked against the newest mail only.
      const mark = inbox.received.length;
      await panel.getByRole('button', { name: 'Send the confirmation again' }).click();
      await expect.poll(() => panel.locator('[data-field="email-result"]').innerText()).toContain('on their way');
      const resent = await mailTo(second, /Confirm your email/, mark);
      await panel.screenshot({ path: artifact('email.png') });
      await fillAndSubmit(panel, { 'Code from the mail': '000000' }, 'Confirm');
      await expect.poll(() => panel.getByRole('alert').first().innerText()).toContain('cannot be used');
      await fillAndSubmit(panel, { 'Code from the mail': mailedCode(resent) }, 'Confirm');
      await expect.poll(() => panel.locator('[data-field="email-state"]').innerText()).toBe('Confirmed');
      expect(await panel.getByRole('button', { name: 'Send the confirmation again' }).count()).toBe(0);
      expect(unexpectedProblems(page, landing, other)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'changes the password from the page: this session stays, the other ends, and only the new password signs in',
    async () => {
      const email = address('change');
      const { page: laptop } = await signedUp(email);
      const phone = await (await device()).open(server.url);
      await signIn(phone, email, PASSWORD);
      await profileHeading(phone).waitFor();

      const panel = laptop.locator('#password');
      await panel.getByText('Change your password').click();
      await fillAndSubmit(
        panel,
        { 'Current password': 'not my password', 'New password': NEW_PASSWORD },
        'Change password',
      );
      await expect.poll(() => panel.getByRole('alert').innerText()).toBe('That is not your current password.');
      await fillAndSubmit(panel, { 'Current password': PASSWORD, 'New password': NEW_PASSWORD }, 'Change password');
      await expect
        .poll(() => panel.locator('[data-field="password-result"]').innerText())
        .toBe('Your password is changed, and 1 other session was signed out.');
      await expect.poll(() => laptop.locator('#sessions tbody tr').count()).toBe(1);

      await phone.getByRole('button', { name: 'Check again' }).click();
      await signInHeading(phone).waitFor();
      await onlySecondSignsIn(phone, [email, PASSWORD], [email, NEW_PASSWORD]);
      expect(unexpectedProblems(laptop, phone)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'changes the address only once the link mailed to the new one is opened, telling the old one',
    async () => {
      const [old, next] = [address('old'), address('new')];
      const { opened, page } = await signedUp(old);
      const panel = page.locator('#email');
      await panel.getByText('Change your address').click();
      const mark = inbox.received.length;
      await fillAndSubmit(panel, { 'New email address': next, 'Your password': 'wrong password' }, 'Change address');
      await expect.poll(() => panel.getByRole('alert').first().innerText()).toBe('That is not your current password.');
      await fillAndSubmit(panel, { 'New email address': next, 'Your password': PASSWORD }, 'Change address');
      await expect
        .poll(() => panel.locator('[data-field="email-result"]').innerText())
        .toContain(`We sent a link to ${next}`);
      const notice = await mailTo(old, /being changed/, mark);
      expect(notice.text).toContain(next);
      const link = mailedLink(await mailTo(next, /new email address/, mark), 'change-email');
      // Until the link is opened, the old address is the account's.
      await page.reload();
      await expect.poll(() => page.locator('[data-field="email"]').innerText()).toBe(old);

      const landing = await opened.open(link);
      await expect.poll(() => landing.locator('#status').innerText()).toContain(`Your address is now ${next}`);
      // The address is a credential: every session ended with its change.
      await signInHeading(landing).waitFor();
      await onlySecondSignsIn(landing, [old, PASSWORD], [next, PASSWORD]);
      await expect.poll(() => landing.locator('[data-field="email"]').innerText()).toBe(next);
      await expect.poll(() => landing.locator('[data-field="email-state"]').innerText()).toBe('Confirmed');
      expect(unexpectedProblems(page, landing)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'signs in from a mailed sign-in link only when the button is pressed, and by the mailed code',
    async () => {
      const email = address('link');
      const { opened, page } = await signedUp(email);
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await signInHeading(page).waitFor();

      await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
      const request = page.locator('form[aria-labelledby="email-sign-in-heading"]');
      let mark = inbox.received.length;
      await fillAndSubmit(request, { 'Email address': email }, 'Email me a link');
      await expect.poll(() => page.locator('[data-field="sign-in-sent"]').innerText()).toContain(email);
      const link = mailedLink(await mailTo(email, /Sign in/, mark), 'sign-in');
      const landing = await opened.open(link);
      expect(landing.url()).toBe(`${server.url}/`);
      const form = landing.locator('form[aria-labelledby="link-sign-in-heading"]');
      await fillAndSubmit(form, { 'Device name (optional)': 'From the mail' }, 'Sign in');
      await profileHeading(landing).waitFor();
      await expect.poll(() => landing.locator('#sessions').innerText()).toContain('From the mail');
      // That sign-in was the address's first proof: the password chosen at sign-up went, and the page says so.
      const removed = landing.locator('#password-removed');
      await expect.poll(() => removed.locator('[data-field="password-removed"]').innerText()).toContain('removed');
      mark = inbox.received.length;
      await removed.getByRole('button', { name: 'Email me a link to set a password' }).click();
      await expect.poll(() => removed.locator('[data-field="password-removed-result"]').innerText()).toContain(email);
      mailedLink(await mailTo(email, /Reset your/, mark), 'reset-password');
      await landing.getByRole('button', { name: 'Sign out', exact: true }).click();
      await signInHeading(landing).waitFor();

      // The code from a second mail, typed on the page that asked for it.
      await landing.getByRole('button', { name: 'Email me a sign-in link' }).click();
      const again = landing.locator('form[aria-labelledby="email-sign-in-heading"]');
      mark = inbox.received.length;
      await fillAndSubmit(again, { 'Email address': email }, 'Email me a link');
      const code = mailedCode(await mailTo(email, /Sign in/, mark));
      await fillAndSubmit(again, { 'Code from the mail': code }, 'Sign in');
      await profileHeading(landing).waitFor();
      await expect.poll(() => landing.locator('[data-field="email"]').innerText()).toBe(email);
      // The address was proven already: nothing removed, nothing said.
      expect(await landing.locator('#password-removed').count()).toBe(0);
      expect(unexpectedProblems(page, landing)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'says the password was removed once an emailed sign-in paused for a second factor to set up is finished',
    async () => {
      const email = address('paused');
      const { page } = await signedUp(email);
      // An administrator (a role that must sign in with a second factor) who has none yet.
      const user = await server.server.users.findByEmailKey(email.toLowerCase());
      await server.server.users.update(user?.id ?? '', { role: 'admin', updatedAt: Date.now() });
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await signInHeading(page).waitFor();

      // The address's first proof removes the password, and the sign-in pauses to set up a factor.
      await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
      const request = page.locator('form[aria-labelledby="email-sign-in-heading"]');
      const mark = inbox.received.length;
      await fillAndSubmit(request, { 'Email address': email }, 'Email me a link');
      const code = mailedCode(await mailTo(email, /Sign in/, mark));
      await fillAndSubmit(request, { 'Code from the mail': code }, 'Sign in');
      const second = page.locator('form[aria-labelledby="second-step-heading"]');
      const secret = second.locator('[data-field="totp-secret"]');
      await expect.poll(() => secret.innerText()).toMatch(/^[A-Z2-7]+$/);
      expect(await page.locator('#password-removed').count()).toBe(0);
      await second.getByLabel('Code from your authenticator app').fill(codeFor(await secret.innerText(), Date.now()));
      await second.getByRole('button', { name: 'Turn on and sign in' }).click();
      await profileHeading(page).waitFor();
      // The codes the set-up made, shown on the page the sign-in drew before they came back.
      await expect.poll(() => page.locator('#security [data-field="recovery-codes"] li').count()).toBe(10);
      const removed = page.locator('#password-removed');
      await expect.poll(() => removed.locator('[data-field="password-removed"]').innerText()).toContain('removed');
      await expect
        .poll(() => page.evaluate<string>('document.activeElement.textContent'))
        .toBe('Your password was removed');
      expect(unexpectedProblems(page)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );
});
