import { registerUser, systemClock } from '@jwtgate/core';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createArgon2Hasher } from '../../src/passwords/argon2-hasher.js';
import {
  type BrowserServer,
  describeWithBrowser,
  problemsOf,
  screenshot,
  startBrowserServer,
} from '../support/real-browser.js';
import { freePort } from '../support/redis-servers.js';
import { mailedLink, type SmtpInbox, startSmtpInbox } from '../support/smtp-inbox.js';
import { devicesPerTest, pageParts } from '../support/web-page.js';

/**
 * Invitations end to end in a real Chromium, while registration is closed:
 * an administrator invites someone from the console, the invitee opens the
 * mailed link, registers on the page and is signed in; a revoked
 * invitation's link says it cannot be used.
 */

const PASSWORD = 'correct horse battery staple';
const BROWSER_TEST_MS = 180_000;

describeWithBrowser()('invitations in the admin console and on the page, in Chromium', () => {
  let server: BrowserServer;
  let inbox: SmtpInbox;
  const device = devicesPerTest();
  const admin = 'inviting-admin';

  beforeAll(async () => {
    inbox = await startSmtpInbox();
    const port = await freePort();
    server = await startBrowserServer({
      JWTGATE_PORT: String(port),
      JWTGATE_WEB_PUBLIC_URL: `http://localhost:${port}`,
      JWTGATE_MAIL_SMTP_URL: inbox.url(),
      JWTGATE_REGISTER_ENABLED: 'false',
    });
    // As an operator makes the first administrator: `jwtgate user add --role admin`.
    await registerUser(
      { users: server.server.users, hasher: await createArgon2Hasher(), clock: systemClock },
      { username: admin, password: PASSWORD, role: 'admin' },
    );
  });
  afterAll(async () => {
    await server?.close();
    await inbox?.close();
  });

  async function openInvitations(): Promise<Page> {
    const page = await (await device()).open(`${server.url}/admin`);
    const form = pageParts.signInForm(page);
    await form.getByLabel('Email or username').fill(admin);
    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#console-nav').getByRole('link', { name: 'Invitations' }).click();
    await page.getByRole('heading', { name: 'Invitations', level: 1 }).waitFor();
    return page;
  }

  async function invite(page: Page, email: string, role = 'user'): Promise<string> {
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Role').fill(role);
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    await expect.poll(() => page.locator('#status').innerText()).toContain(`Invitation mailed to ${email}`);
    await server.server.drainMail();
    return mailedLink(await inbox.waitFor((mail) => mail.to.includes(email)), 'invitation');
  }

  const rowOf = (page: Page, email: string) => page.locator('#invitations tbody tr', { hasText: email });

  it(
    'lets an invited person register from the mailed link and be signed in, while sign-up is closed',
    async () => {
      const console = await openInvitations();
      const email = 'invitee@example.com';
      const link = await invite(console, email);
      expect(link).toMatch(/\/#invitation=jge1_/);
      await expect.poll(() => rowOf(console, email).innerText()).toContain('pending');
      await screenshot(console, 'admin-invitations.png');

      const page = await (await device()).open(link);
      await page.getByRole('heading', { name: 'Create your account' }).waitFor();
      // The secret left the address bar before anything else happened.
      expect(page.url()).not.toContain('invitation=');
      const form = page.locator('form[aria-labelledby="invitation-heading"]');
      const address = form.getByLabel('Email address');
      await expect.poll(() => address.inputValue()).toBe(email);
      expect(await address.getAttribute('readonly')).not.toBeNull();
      await form.getByLabel('Username').fill('invited-person');
      await form.getByLabel('Password').fill(PASSWORD);
      await screenshot(page, 'invitation.png');
      await form.getByRole('button', { name: 'Create account' }).click();
      await pageParts.profileHeading(page).waitFor();
      await expect.poll(() => page.locator('[data-field="nav-username"]').innerText()).toBe(email);
      const user = await server.server.users.findByUsernameKey('invited-person');
      expect(user).toMatchObject({ email, role: 'user' });
      expect(user?.emailVerifiedAt).not.toBeNull();
      expect(problemsOf(page)).toEqual([]);

      // The console lists it as used, with a link to the account.
      await console.reload();
      await console.getByRole('heading', { name: 'Invitations', level: 1 }).waitFor();
      await expect.poll(() => rowOf(console, email).innerText()).toContain('used');
      const row = rowOf(console, email);
      expect(await row.getByRole('link', { name: 'the account' }).getAttribute('href')).toBe(`#/users/${user?.id}`);
      // Made in the console: by an administrator, whose account it links to (one made by `jwtgate invite create` says "command line").
      const maker = await server.server.users.findByUsernameKey(admin);
      expect(await row.getByRole('link', { name: 'an administrator' }).getAttribute('href')).toBe(
        `#/users/${maker?.id}`,
      );
      expect(problemsOf(console)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'revokes an invitation after a confirmation, and its link then says it cannot be used',
    async () => {
      const console = await openInvitations();
      const email = 'withdrawn@example.com';
      const link = await invite(console, email);
      const row = rowOf(console, email);
      await row.getByRole('button', { name: 'Revoke' }).click();
      const dialog = console.getByRole('dialog');
      expect(await dialog.innerText()).toContain('stops working at once');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await expect.poll(() => rowOf(console, email).innerText()).toContain('pending');
      await rowOf(console, email).getByRole('button', { name: 'Revoke' }).click();
      await console.getByRole('dialog').getByRole('button', { name: 'Revoke invitation' }).click();
      await expect.poll(() => rowOf(console, email).innerText()).toContain('revoked');
      expect(await rowOf(console, email).getByRole('button', { name: 'Revoke' }).count()).toBe(0);

      const page = await (await device()).open(link);
      await page.getByRole('heading', { name: 'Create your account' }).waitFor();
      await expect.poll(() => page.getByRole('alert').first().innerText()).toContain('cannot be used');
      expect(await page.locator('form[aria-labelledby="invitation-heading"]').count()).toBe(0);
      await page.getByRole('button', { name: 'Go to sign in' }).click();
      await pageParts.signInHeading(page).waitFor();
      // Registration stays closed: the usual page offers no sign-up.
      expect(await pageParts.signUpForm(page).count()).toBe(0);
    },
    BROWSER_TEST_MS,
  );
});
