import { createServer } from 'node:net';
import type { CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PASSWORD } from '../support/listening-server.js';
import { type BrowserServer, describeWithBrowser, problemsOf, startBrowserServer } from '../support/real-browser.js';
import { devicesPerTest, fillAndSubmit, pageParts } from '../support/web-page.js';

const BROWSER_TEST_MS = 120_000;
const { profileHeading, signInForm, signUpForm } = pageParts;

/** A port free right now: the relying party's origin must name it before the server starts. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function shownAmr(page: Page): Promise<unknown> {
  await expect.poll(() => page.locator('[data-field="token-claims"]').innerText()).toContain('"amr"');
  return JSON.parse(await page.locator('[data-field="token-claims"]').innerText()).amr;
}

/** The DevTools virtual authenticator: a platform authenticator that holds discoverable credentials and verifies its user. */
async function addVirtualAuthenticator(cdp: CDPSession): Promise<string> {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return authenticatorId;
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).first().click();
  await signInForm(page).waitFor();
}

describeWithBrowser()('passkeys on the web page, in Chromium', () => {
  let server: BrowserServer;
  const newDevice = devicesPerTest();
  beforeAll(async () => {
    const port = await freePort();
    server = await startBrowserServer({
      JWTGATE_PORT: String(port),
      JWTGATE_WEB_PUBLIC_URL: `http://localhost:${port}`,
      JWTGATE_MFA_REQUIRED_FOR_ROLES: 'admin',
    });
  });
  afterAll(() => server.close());

  it(
    'adds a passkey, signs out, signs in with it alone and as the second step, and refuses a clone of it',
    async () => {
      const device = await newDevice();
      const page = await device.open(server.url);
      const cdp = await device.context.newCDPSession(page);
      await cdp.send('WebAuthn.enable', { enableUI: false });
      const authenticatorId = await addVirtualAuthenticator(cdp);

      const name = `pk${Date.now().toString(36)}`;
      await fillAndSubmit(signUpForm(page), { Username: name, Password: PASSWORD }, 'Create account');
      await profileHeading(page).waitFor();

      const passkeys = page.locator('#passkeys');
      await expect.poll(() => passkeys.locator('[data-field="passkey-list"]').innerText()).toContain('No passkeys');
      await passkeys.getByLabel('Name for a new passkey').fill('This laptop');
      // Without the password the server hands out no challenge: the authenticator makes nothing.
      await passkeys.getByRole('button', { name: 'Add a passkey' }).click();
      await expect.poll(() => passkeys.locator('.form-error').first().innerText()).toContain('Enter your password');
      expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toEqual([]);
      await passkeys.locator('input[name="passkey-add-password"]').fill(PASSWORD);
      await passkeys.getByRole('button', { name: 'Add a passkey' }).click();
      await expect.poll(() => passkeys.locator('[data-field="passkey-name"]').allInnerTexts()).toEqual(['This laptop']);
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      expect(credentials).toHaveLength(1);
      expect(credentials[0]?.isResidentCredential).toBe(true);

      // Without a password or a username.
      await signOut(page);
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await profileHeading(page).waitFor();
      expect(await shownAmr(page)).toEqual(['hwk', 'user', 'mfa']);

      // A password sign-in now asks for the passkey as its second step.
      await signOut(page);
      await fillAndSubmit(signInForm(page), { 'Email or username': name, Password: PASSWORD }, 'Sign in');
      await page.getByRole('heading', { name: 'Second step' }).waitFor();
      await page.getByRole('button', { name: 'Use a passkey' }).click();
      await profileHeading(page).waitFor();
      expect(await shownAmr(page)).toEqual(['pwd', 'hwk', 'user', 'mfa']);

      // A copy of the key made before those two uses: its counter is behind, so it is refused.
      await signOut(page);
      const [original] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
      expect(original?.signCount).toBeGreaterThanOrEqual(2);
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
      const cloneId = await addVirtualAuthenticator(cdp);
      await cdp.send('WebAuthn.addCredential', {
        authenticatorId: cloneId,
        credential: { ...(original as NonNullable<typeof original>), signCount: 0 },
      });
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await expect
        .poll(() => page.locator('.passkey-sign-in [role="alert"]').innerText())
        .toContain('could not be used');
      await expect(profileHeading(page).count()).resolves.toBe(0);
      expect(problemsOf(page).filter((problem) => !/status of 40[13]/.test(problem))).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'lets an administrator who must have a second factor add a passkey at sign-in, and lands them signed in',
    async () => {
      const device = await newDevice();
      const page = await device.open(server.url);
      const cdp = await device.context.newCDPSession(page);
      await cdp.send('WebAuthn.enable', { enableUI: false });
      const authenticatorId = await addVirtualAuthenticator(cdp);

      const name = `adm${Date.now().toString(36)}`;
      await fillAndSubmit(signUpForm(page), { Username: name, Password: PASSWORD }, 'Create account');
      await profileHeading(page).waitFor();
      await server.server.database.db
        .updateTable('jwtgate_users')
        .set({ role: 'admin' })
        .where('username', '=', name)
        .execute();
      await signOut(page);

      // The password alone gets no tokens: the second step asks for a factor to be set up first.
      await fillAndSubmit(signInForm(page), { 'Email or username': name, Password: PASSWORD }, 'Sign in');
      await page.getByRole('heading', { name: 'Second step' }).waitFor();
      await expect.poll(() => page.locator('[data-field="totp-secret"]').innerText()).not.toBe('');
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await profileHeading(page).waitFor();
      expect(await shownAmr(page)).toEqual(['pwd', 'hwk', 'user', 'mfa']);
      const claims = JSON.parse(await page.locator('[data-field="token-claims"]').innerText());
      expect(claims.role).toBe('admin');
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      expect(credentials).toHaveLength(1);
      await expect.poll(() => page.locator('#passkeys [data-field="passkey-name"]').allInnerTexts()).toHaveLength(1);

      // From now on the passkey signs this administrator in, as the second step or alone.
      await signOut(page);
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await profileHeading(page).waitFor();
      expect(await shownAmr(page)).toEqual(['hwk', 'user', 'mfa']);
      expect(problemsOf(page)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );
});
