import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { codeFor } from '../support/mfa-steps.js';
import {
  type BrowserServer,
  type Device,
  describeWithBrowser,
  launchDevice,
  problemsOf,
  shownAmr,
  startBrowserServer,
} from '../support/real-browser.js';

const PASSWORD = 'correct horse battery staple';
const BROWSER_TEST_MS = 120_000;

const profileHeading = (page: Page) => page.getByRole('heading', { name: 'Your profile' });
const signInForm = (page: Page) => page.locator('form[aria-labelledby="sign-in-heading"]');

async function signIn(page: Page, name: string): Promise<void> {
  const form = signInForm(page);
  await form.getByLabel('Username').fill(name);
  await form.getByLabel('Password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Sign in' }).click();
}

describeWithBrowser()('second factors on the web page, in Chromium', () => {
  let server: BrowserServer;
  const devices: Device[] = [];
  beforeAll(async () => {
    server = await startBrowserServer();
  });
  afterAll(() => server.close());
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((device) => device.close()));
  });

  it(
    'sets up an app with its QR code, shows the recovery codes once, and asks for a code at the next sign-in',
    async () => {
      const device = await launchDevice();
      devices.push(device);
      const page = await device.open(server.url);
      const name = `mfa${Date.now().toString(36)}`;
      const signUp = page.locator('form[aria-labelledby="sign-up-heading"]');
      await signUp.getByLabel('Username').fill(name);
      await signUp.getByLabel('Password').fill(PASSWORD);
      await signUp.getByRole('button', { name: 'Create account' }).click();
      await profileHeading(page).waitFor();
      expect(await shownAmr(page)).toEqual(['pwd']);

      const security = page.locator('#security');
      await expect.poll(() => security.locator('[data-field="mfa-status"]').innerText()).toContain('off');
      await security.getByLabel('Your password').fill(PASSWORD);
      await security.getByRole('button', { name: 'Set up an authenticator app' }).click();
      await security.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
      expect(await security.locator('svg.qr path').count()).toBeGreaterThan(0);
      const secret = await security.locator('[data-field="totp-secret"]').innerText();
      await security.getByLabel('Code the app shows').fill(codeFor(secret, Date.now()));
      await security.getByRole('button', { name: 'Turn on' }).click();
      await expect.poll(() => security.locator('[data-field="recovery-codes"] li').count()).toBe(10);
      await expect.poll(() => security.locator('[data-field="mfa-status"]').innerText()).toContain('on');

      await page.getByRole('button', { name: 'Sign out' }).first().click();
      await signInForm(page).waitFor();
      await signIn(page, name);
      await page.getByRole('heading', { name: 'Second step' }).waitFor();
      // Nothing is signed in yet: no refresh cookie was set by the password alone.
      expect((await device.context.cookies()).filter((cookie) => cookie.name.includes('jwtgate_refresh'))).toEqual([]);
      const second = page.locator('form[aria-labelledby="second-step-heading"]');
      await second.getByLabel('Code from your authenticator app').fill(codeFor(secret, Date.now(), 7));
      await second.getByRole('button', { name: 'Verify' }).click();
      await expect.poll(() => second.getByRole('alert').innerText()).toContain('not right');
      // The step after the one the set-up spent.
      await second.getByLabel('Code from your authenticator app').fill(codeFor(secret, Date.now(), 1));
      await second.getByRole('button', { name: 'Verify' }).click();
      await profileHeading(page).waitFor();
      expect(await shownAmr(page)).toEqual(['pwd', 'otp', 'mfa']);
      // The codes were shown once: the signed-in page does not show them again.
      expect(await page.locator('[data-field="recovery-codes"]').count()).toBe(0);
      expect(problemsOf(page)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );
});
