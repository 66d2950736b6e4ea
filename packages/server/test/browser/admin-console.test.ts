import { normaliseUsername, type UserRecord } from '@jwtgate/core';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { codeFor } from '../support/mfa-steps.js';
import {
  type BrowserServer,
  describeWithBrowser,
  problemsOf,
  screenshot,
  startBrowserServer,
} from '../support/real-browser.js';
import { freePort } from '../support/redis-servers.js';
import { linkSecret, type SmtpInbox, startSmtpInbox } from '../support/smtp-inbox.js';
import { devicesPerTest, pageParts } from '../support/web-page.js';

/**
 * The admin console at /admin in a real Chromium against a real server:
 * every page and action, the confirmations, and the refusals the server
 * makes (a user who is not an administrator, an administrator demoted while
 * the console is open).
 */

const PASSWORD = 'correct horse battery staple';
const BROWSER_TEST_MS = 180_000;
const PHONE_AGENT =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile/15E148 Safari/604.1';

/** Problems other than the refusals a test provoked on purpose. */
function unexpectedProblems(page: Page): readonly string[] {
  return problemsOf(page).filter((problem) => !/status of 403/.test(problem));
}

describeWithBrowser()('the admin console, in Chromium', () => {
  let server: BrowserServer;
  const tag = `c${Date.now().toString(36)}-`;
  let created = 0;
  const device = devicesPerTest();

  let inbox: SmtpInbox;
  beforeAll(async () => {
    inbox = await startSmtpInbox();
    const port = await freePort();
    server = await startBrowserServer({
      JWTGATE_PORT: String(port),
      JWTGATE_WEB_PUBLIC_URL: `http://localhost:${port}`,
      JWTGATE_MAIL_SMTP_URL: inbox.url(),
    });
  });
  afterAll(async () => {
    await server?.close();
    await inbox?.close();
  });

  const users = () => server.server.users;

  /** The audit records of one event about one user, once the queued ones are written. */
  async function auditRecords(event: string, userId: string) {
    await server.server.flushAudit();
    return server.server.database.db
      .selectFrom('jwtgate_audit')
      .selectAll()
      .where('event', '=', event)
      .where('user_id', '=', userId)
      .execute();
  }

  /** Registers an account over HTTP (a real password hash), then gives it a role or state. */
  async function account(
    name: string,
    changes: { role?: string; disabled?: boolean; email?: string; verified?: boolean } = {},
  ): Promise<{ id: string; username: string }> {
    created += 1;
    const username = `${tag}${created}-${name}`;
    const res = await fetch(`${server.url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const now = Date.now();
    await users().update(id, {
      ...(changes.role === undefined ? {} : { role: changes.role }),
      ...(changes.disabled === undefined ? {} : { disabled: changes.disabled }),
      ...(changes.email === undefined
        ? {}
        : {
            email: { email: changes.email, emailKey: changes.email.toLowerCase() },
            emailVerifiedAt: changes.verified ? now : null,
          }),
      updatedAt: now,
    });
    return { id, username };
  }

  /** Many accounts at once, straight into the store with a copy of a real hash: enough to page through. */
  async function manyAccounts(prefix: string, count: number): Promise<void> {
    const model = (await users().findById((await account(`${prefix}-model`)).id)) as UserRecord;
    for (let index = 0; index < count; index++) {
      const username = `${prefix}-${String(index).padStart(3, '0')}`;
      await users().create({
        ...model,
        id: `${prefix}-${index}-${Math.random().toString(36).slice(2, 10)}`,
        username,
        usernameKey: normaliseUsername(username).key,
        email: null,
        emailKey: null,
      });
    }
  }

  /** Signs an account in from another device over HTTP, with a browser and device name of its own. */
  async function signInElsewhere(username: string, deviceName: string, agent = PHONE_AGENT): Promise<string> {
    const res = await fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': agent },
      body: JSON.stringify({ username, password: PASSWORD, device: deviceName }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return ((await res.json()) as { accessToken: string }).accessToken;
  }

  async function openConsole(username: string, path = ''): Promise<Page> {
    const page = await (await device()).open(`${server.url}/admin${path}`);
    const form = pageParts.signInForm(page);
    await form.getByLabel('Email or username').fill(username);
    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Sign in' }).click();
    return page;
  }

  const heading = (page: Page, name: string) => page.getByRole('heading', { name, exact: true, level: 1 });
  const dialog = (page: Page) => page.getByRole('dialog');

  it(
    'refuses an account that is not an administrator after sign-in, and shows it nothing',
    async () => {
      const plain = await account('plain');
      const page = await openConsole(plain.username);
      await heading(page, 'This account is not an administrator').waitFor();
      expect(await page.locator('#refused').innerText()).toContain(plain.username);
      expect(await page.locator('#console-nav a').count()).toBe(0);
      expect(await page.locator('table').count()).toBe(0);
      // The server decided, and recorded the attempt.
      const denied = await auditRecords('admin.access-denied', plain.id);
      expect(denied.length).toBeGreaterThanOrEqual(1);
      await screenshot(page, 'admin-refused.png');
      // Typing a page's address changes nothing: there is no console to show.
      await page.goto(`${server.url}/admin#/users`);
      await heading(page, 'This account is not an administrator').waitFor();
      expect(await page.locator('table').count()).toBe(0);
      expect(unexpectedProblems(page)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'shows the overview: counts of accounts and sessions, and the last 24 hours with a chart',
    async () => {
      const admin = await account('overseer', { role: 'admin' });
      const someone = await account('someone');
      await signInElsewhere(someone.username, 'Phone');
      await fetch(`${server.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: someone.username, password: 'wrong password here' }),
      });
      await server.server.flushAudit();
      const page = await openConsole(admin.username);
      await heading(page, 'Overview').waitFor();
      const figure = (name: string) => page.locator(`[data-figure="${name}"] .figure`);
      await expect.poll(() => figure('users').innerText()).toMatch(/^\d+$/);
      const userCount = Number(await figure('users').innerText());
      expect(userCount).toBeGreaterThanOrEqual(3);
      expect(Number(await figure('sessions').innerText())).toBeGreaterThanOrEqual(2);
      expect(Number(await figure('logins').innerText())).toBeGreaterThanOrEqual(2);
      expect(Number(await figure('failures').innerText())).toBeGreaterThanOrEqual(1);
      // The chart: 24 hours, two bars each, drawn inline.
      const chart = page.getByRole('img', { name: /Logins per hour over the last 24 hours/ });
      await chart.waitFor();
      expect(await chart.locator('rect').count()).toBe(48);
      expect(Number(await chart.locator('rect.bar-logins').last().getAttribute('height'))).toBeGreaterThan(0);
      await screenshot(page, 'admin-overview.png');
      // A figure leads to the records behind it.
      await page.locator('[data-figure="failures"] a').click();
      await heading(page, 'Audit trail').waitFor();
      await expect.poll(() => page.locator('#audit tbody tr').count()).toBeGreaterThanOrEqual(1);
      expect(await page.locator('#audit tbody tr').first().getAttribute('data-event')).toBe('login.failed');
      expect(unexpectedProblems(page)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'finds users by the start of a name or address, filters them, and pages on',
    async () => {
      const admin = await account('finder', { role: 'admin' });
      const prefix = `${tag}bulk`;
      await manyAccounts(prefix, 30);
      const mailed = await account('mailed', { email: `Mailed.${tag}@example.org`, verified: true });
      await account('off', { disabled: true });
      const page = await openConsole(admin.username, '#/users');
      await heading(page, 'Users').waitFor();

      await page.getByLabel('Search', { exact: true }).fill(prefix);
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await expect.poll(() => page.locator('#users tbody tr').count()).toBe(25);
      expect(await page.locator('[data-field="users-summary"]').innerText()).toContain('there may be more');
      await page.getByRole('button', { name: 'Show more' }).click();
      // The 30, each once, in username order.
      await expect.poll(() => page.locator('#users tbody tr').count()).toBe(30);
      const names = await page.locator('#users tbody tr td:first-child a').allInnerTexts();
      expect(new Set(names).size).toBe(30);
      expect([...names].sort()).toEqual(names);
      expect(await page.getByRole('button', { name: 'Show more' }).isHidden()).toBe(true);
      await screenshot(page, 'admin-users.png');

      await page.getByLabel('Search', { exact: true }).fill(`MAILED.${tag}`);
      await page.getByLabel('Search in').selectOption('email');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await expect
        .poll(() => page.locator('#users tbody tr').allInnerTexts())
        .toEqual([expect.stringContaining(mailed.username)]);
      expect(await page.locator('#users tbody tr').innerText()).toContain('verified');

      await page.getByLabel('Search', { exact: true }).fill(tag);
      await page.getByLabel('Search in').selectOption('username');
      await page.getByLabel('State').selectOption('true');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await expect
        .poll(() => page.locator('#users tbody tr td:first-child').allInnerTexts())
        .toEqual([expect.stringMatching(/-off$/)]);
      // The filters are in the address: Back brings the previous search.
      await page.goBack();
      await expect.poll(() => page.locator('#users tbody tr').count()).toBe(1);
      expect(await page.getByLabel('Search in').inputValue()).toBe('email');
      expect(unexpectedProblems(page)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    "shows a user's page, asks before every destructive action, and does nothing on Cancel",
    async () => {
      const admin = await account('chief', { role: 'admin' });
      const target = await account('target', { email: `target.${tag}@example.org` });
      await signInElsewhere(target.username, 'Work phone');
      await signInElsewhere(
        target.username,
        'Home laptop',
        'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
      );
      await signInElsewhere(target.username, 'Tablet');
      const page = await openConsole(admin.username, `#/users/${target.id}`);
      await heading(page, target.username).waitFor();
      const sessions = page.locator('#user-sessions tbody tr');
      await expect.poll(() => sessions.count()).toBe(3);
      const phone = sessions.filter({ hasText: 'Work phone' });
      expect(await phone.innerText()).toContain('Safari 17 on iOS');
      expect(await phone.innerText()).toContain('127.0.0.1');
      expect(await phone.locator('[data-field="amr"]').innerText()).toBe('password');
      expect(await sessions.filter({ hasText: 'Home laptop' }).innerText()).toContain('Firefox 128 on Linux');
      expect(await page.locator('[data-field="email"]').innerText()).toContain('not verified');
      expect(await page.locator('[data-field="second-factor"]').innerText()).toBe('none');
      await screenshot(page, 'admin-user.png');

      // Cancel: nothing happens.
      await page.getByRole('button', { name: 'Sign out everywhere' }).click();
      await expect.poll(() => dialog(page).innerText()).toContain(`Ends 3 sessions of ${target.username} at once.`);
      await screenshot(page, 'admin-confirm.png');
      await dialog(page).getByRole('button', { name: 'Cancel' }).click();
      await dialog(page).waitFor({ state: 'detached' });
      expect((await server.server.sessions.list(target.id)).length).toBe(3);
      // Escape cancels too.
      await page.getByRole('button', { name: 'Disable account' }).click();
      await dialog(page).waitFor();
      await page.keyboard.press('Escape');
      await dialog(page).waitFor({ state: 'detached' });
      expect((await users().findById(target.id))?.disabled).toBe(false);

      // End one session: only that one ends.
      await phone.getByRole('button', { name: 'End the session on Work phone' }).click();
      expect(await dialog(page).innerText()).toContain('other sessions stay');
      await dialog(page).getByRole('button', { name: 'End session' }).click();
      await expect.poll(() => sessions.count()).toBe(2);
      expect((await server.server.sessions.list(target.id)).map((s) => s.device).sort()).toEqual([
        'Home laptop',
        'Tablet',
      ]);
      await expect.poll(() => page.locator('#status').innerText()).toBe('Ended the session on Work phone.');

      // Disable: says how many sessions end, and ends them.
      await page.getByRole('button', { name: 'Disable account' }).click();
      expect(await dialog(page).innerText()).toContain('Ends 2 sessions');
      await dialog(page)
        .getByRole('button', { name: `Disable ${target.username}` })
        .click();
      await expect.poll(() => page.locator('[data-field="state"]').innerText()).toBe('disabled');
      expect((await users().findById(target.id))?.disabled).toBe(true);
      expect(await server.server.sessions.list(target.id)).toEqual([]);
      await expect.poll(() => page.locator('#user-sessions').innerText()).toContain('not signed in anywhere');

      // Enable again.
      await page.getByRole('button', { name: 'Enable account' }).click();
      await dialog(page)
        .getByRole('button', { name: `Enable ${target.username}` })
        .click();
      await expect.poll(() => page.locator('[data-field="state"]').innerText()).toBe('enabled');

      // Force logout of every session.
      await signInElsewhere(target.username, 'Phone again');
      await page.reload();
      await expect.poll(() => sessions.count()).toBe(1);
      await page.getByRole('button', { name: 'Sign out everywhere' }).click();
      expect(await dialog(page).innerText()).toContain('Ends 1 session of');
      await dialog(page).getByRole('button', { name: 'End 1 session' }).click();
      await expect.poll(() => page.locator('#status').innerText()).toContain('Ended 1 session');
      expect(await server.server.sessions.list(target.id)).toEqual([]);

      // Change role: confirmed, and the role is stored.
      await page.getByLabel('Role', { exact: true }).fill('support');
      await page.getByRole('button', { name: 'Change role' }).click();
      expect(await dialog(page).innerText()).toContain('from user to support');
      await dialog(page).getByRole('button', { name: 'Cancel' }).click();
      expect((await users().findById(target.id))?.role).toBe('user');
      await page.getByRole('button', { name: 'Change role' }).click();
      await dialog(page)
        .getByRole('button', { name: `Make ${target.username} support` })
        .click();
      await expect.poll(() => page.locator('[data-field="role"]').innerText()).toBe('support');
      expect((await users().findById(target.id))?.role).toBe('support');

      // The user's records, linked from their page, newest first and readable.
      await page.locator('[data-field="audit-link"]').click();
      await heading(page, 'Audit trail of one user').waitFor();
      await server.server.flushAudit();
      await page.reload();
      const rows = page.locator('#audit tbody tr');
      await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(8);
      // The role change was the last thing done (it ended no session: there was none left).
      expect(await rows.first().getAttribute('data-event')).toBe('admin.user-changed');
      const events = await rows.evaluateAll((all) => all.map((row) => row.getAttribute('data-event')));
      expect(events).toContain('admin.user-changed');
      expect(events).toContain('admin.user-disabled');
      expect(events).toContain('login.succeeded');
      const changed = rows.filter({ has: page.locator('code', { hasText: 'admin.user-changed' }) }).first();
      expect(await changed.innerText()).toContain('Role changed by an administrator');
      expect(await changed.innerText()).toContain('role → support');
      expect(await changed.innerText()).toContain(admin.id);
      const times = await rows
        .locator('td:first-child time')
        .evaluateAll((all) => all.map((t) => t.getAttribute('datetime') ?? ''));
      expect([...times].sort().reverse()).toEqual(times);
      await screenshot(page, 'admin-audit.png');
      expect(unexpectedProblems(page)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    "resets a user's second factors after saying what it removes and how many sessions end",
    async () => {
      const admin = await account('helpdesk', { role: 'admin' });
      const locked = await account('lostphone');
      const token = await signInElsewhere(locked.username, 'Old phone');
      const post = (path: string, body: unknown) =>
        fetch(`${server.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        });
      const { secret } = (await (await post('/auth/mfa/totp/enroll', { password: PASSWORD })).json()) as {
        secret: string;
      };
      expect((await post('/auth/mfa/totp/confirm', { code: codeFor(secret, Date.now()) })).status).toBe(200);

      const page = await openConsole(admin.username, `#/users/${locked.id}`);
      await heading(page, locked.username).waitFor();
      await expect
        .poll(() => page.locator('[data-field="second-factor"]').innerText())
        .toMatch(/^authenticator app since .+, 10 recovery codes left$/);
      const sessionsBefore = (await server.server.sessions.list(locked.id)).length;
      expect(sessionsBefore).toBeGreaterThanOrEqual(1);
      await page.getByRole('button', { name: 'Reset second factors' }).click();
      const said = await dialog(page).innerText();
      expect(said).toContain('Removes the authenticator app and 10 unused recovery codes.');
      expect(said).toContain(`Ends ${sessionsBefore === 1 ? '1 session' : `${sessionsBefore} sessions`} of`);
      await dialog(page).getByRole('button', { name: 'Cancel' }).click();
      expect((await server.server.sessions.list(locked.id)).length).toBe(sessionsBefore);
      await page.getByRole('button', { name: 'Reset second factors' }).click();
      await dialog(page).getByRole('button', { name: 'Reset second factors' }).click();
      await expect.poll(() => page.locator('[data-field="second-factor"]').innerText()).toBe('none');
      expect(await page.getByRole('button', { name: 'Reset second factors' }).isDisabled()).toBe(true);
      expect(await server.server.sessions.list(locked.id)).toEqual([]);
      // The password alone signs in again.
      await signInElsewhere(locked.username, 'New phone');
      expect(unexpectedProblems(page)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'deletes an account after saying what goes and for how long the name stays taken, then returns to the users',
    async () => {
      const admin = await account('remover', { role: 'admin' });
      const leaving = await account('leaving', { email: `leaving.${tag}@example.org`, verified: true });
      await signInElsewhere(leaving.username, 'Leaving phone');
      await signInElsewhere(leaving.username, 'Leaving laptop');
      const page = await openConsole(admin.username, `#/users/${leaving.id}`);
      await heading(page, leaving.username).waitFor();
      await expect.poll(() => page.locator('#user-sessions tbody tr').count()).toBe(2);

      // Cancel keeps everything.
      await page.getByRole('button', { name: 'Delete account' }).click();
      const said = await dialog(page).innerText();
      expect(said).toContain(`Delete ${leaving.username}?`);
      expect(said).toContain(`Ends 2 sessions of ${leaving.username} at once.`);
      expect(said).toContain('Removes the account for good');
      // The server's Accounts.UsernameQuarantine: 30 days unless configured.
      expect(said).toContain(`The username ${leaving.username} stays taken for 30 days`);
      expect(said).toContain('keeps the user id');
      await screenshot(page, 'admin-delete.png');
      await dialog(page).getByRole('button', { name: 'Cancel' }).click();
      await dialog(page).waitFor({ state: 'detached' });
      expect(await users().findById(leaving.id)).not.toBeNull();
      expect((await server.server.sessions.list(leaving.id)).length).toBe(2);

      await page.getByRole('button', { name: 'Delete account' }).click();
      await dialog(page)
        .getByRole('button', { name: `Delete ${leaving.username}` })
        .click();
      await heading(page, 'Users').waitFor();
      await expect
        .poll(() => page.locator('#status').innerText())
        .toBe(`Deleted ${leaving.username}; 2 sessions ended.`);
      expect(new URL(page.url()).hash).toBe('#/users');
      expect(await users().findById(leaving.id)).toBeNull();
      expect(await server.server.sessions.list(leaving.id)).toEqual([]);
      // Gone from the list, and the name is quarantined: registering it again is refused.
      await page.getByLabel('Search', { exact: true }).fill(leaving.username);
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await expect.poll(() => page.locator('[data-field="users-summary"]').innerText()).toBe('No user matches.');
      const again = await fetch(`${server.url}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: leaving.username, password: PASSWORD }),
      });
      expect(again.status).toBe(409);
      // The audit trail has the deletion under the user's id, by this administrator.
      const deleted = await auditRecords('user.deleted', leaving.id);
      expect(deleted.map((record) => [record.actor_id, record.outcome])).toEqual([[admin.id, 'success']]);
      // The old page of the account now says there is no such user.
      await page.goto(`${server.url}/admin#/users/${leaving.id}`);
      await expect
        .poll(() => page.getByRole('alert').allInnerTexts())
        .toContain('No user has this id: the account may have been deleted.');
      expect(unexpectedProblems(page).filter((problem) => !/status of 404/.test(problem))).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'mails a password reset link after confirming, and offers none to an account without an address',
    async () => {
      const admin = await account('mailer', { role: 'admin' });
      const address = `forgetful.${tag}@example.org`;
      const forgetful = await account('forgetful', { email: address });
      const noMail = await account('nomail');
      await signInElsewhere(forgetful.username, 'Desk');
      const page = await openConsole(admin.username, `#/users/${noMail.id}`);
      await heading(page, noMail.username).waitFor();
      await expect.poll(() => page.getByRole('button', { name: 'Send password reset' }).isDisabled()).toBe(true);
      expect(await page.getByText('the account has no email address').count()).toBe(1);

      await page.goto(`${server.url}/admin#/users/${forgetful.id}`);
      await heading(page, forgetful.username).waitFor();
      await page.getByRole('button', { name: 'Send password reset' }).click();
      expect(await dialog(page).innerText()).toContain(`Sends a single-use link to ${address}`);
      await dialog(page).getByRole('button', { name: 'Cancel' }).click();
      await page.getByRole('button', { name: 'Send password reset' }).click();
      await dialog(page).getByRole('button', { name: 'Send the link' }).click();
      await expect
        .poll(() => page.locator('#status').innerText())
        .toBe(`A password reset link is on its way to ${address}.`);
      await server.server.drainMail();
      const mail = await inbox.waitFor((received) => received.to.includes(address));
      expect(inbox.received.filter((received) => received.to.includes(address))).toHaveLength(1);
      expect(linkSecret(mail, 'reset-password').length).toBeGreaterThan(20);
      // Nothing else changed: the session stays until the link is used.
      expect((await server.server.sessions.list(forgetful.id)).length).toBe(1);
      const sent = await auditRecords('admin.password-reset-sent', forgetful.id);
      expect(sent.map((record) => record.actor_id)).toEqual([admin.id]);
      expect(unexpectedProblems(page)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'shows the last-admin rule, and the server refuses to demote the last administrator',
    async () => {
      // Only one enabled administrator: demote every other one this file made.
      const others = await users().list({ limit: 100 });
      const only = await account('sole', { role: 'admin' });
      for (const user of others.users) {
        if (user.role === 'admin') await users().update(user.id, { role: 'user', updatedAt: Date.now() });
      }
      const page = await openConsole(only.username, `#/users/${only.id}`);
      await heading(page, only.username).waitFor();
      await expect
        .poll(() => page.locator('[data-field="last-admin-rule"]').innerText())
        .toContain('is the only enabled administrator');
      expect(await page.getByRole('button', { name: 'Disable account' }).isDisabled()).toBe(true);
      expect(await page.getByRole('button', { name: 'Delete account' }).isDisabled()).toBe(true);
      // Changing the role is still offered, and the server says no.
      await page.getByLabel('Role', { exact: true }).fill('user');
      await page.getByRole('button', { name: 'Change role' }).click();
      expect(await dialog(page).innerText()).toContain('This is your own account');
      await dialog(page)
        .getByRole('button', { name: `Make ${only.username} user` })
        .click();
      await expect
        .poll(() => page.getByRole('alert').allInnerTexts())
        .toContain(
          'Refused: this is the last enabled administrator. Make another account administrator first, then try again.',
        );
      expect((await users().findById(only.id))?.role).toBe('admin');
      expect(unexpectedProblems(page).filter((problem) => !/status of 409/.test(problem))).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'closes the console when its administrator is demoted mid-session: the next action is refused and the console says so',
    async () => {
      const demoted = await account('demoted', { role: 'admin' });
      const other = await account('keeper', { role: 'admin' });
      const bystander = await account('bystander');
      await signInElsewhere(bystander.username, 'Bystander phone');

      // Demoted without their sessions ending (as a direct change in the database does): the token still verifies.
      const page = await openConsole(demoted.username, `#/users/${bystander.id}`);
      await heading(page, bystander.username).waitFor();
      await users().update(demoted.id, { role: 'user', updatedAt: Date.now() });
      await page.getByRole('button', { name: 'Sign out everywhere' }).click();
      await dialog(page).getByRole('button', { name: 'End 1 session' }).click();
      await heading(page, 'Your account is no longer an administrator').waitFor();
      expect(await page.locator('#refused').innerText()).toContain('nothing was done');
      expect(await page.locator('#console-nav a').count()).toBe(0);
      expect((await server.server.sessions.list(bystander.id)).length).toBe(1);
      await screenshot(page, 'admin-demoted.png');

      // Demoted by another administrator through the API: the change ends the sessions too.
      await users().update(demoted.id, { role: 'admin', updatedAt: Date.now() });
      const again = await openConsole(demoted.username, `#/users/${bystander.id}`);
      await heading(again, bystander.username).waitFor();
      const otherToken = await signInElsewhere(other.username, 'Keeper laptop');
      const res = await fetch(`${server.url}/admin/users/${demoted.id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${otherToken}` },
        body: JSON.stringify({ role: 'user' }),
      });
      expect(res.status).toBe(200);
      await again.getByRole('button', { name: 'Sign out everywhere' }).click();
      await dialog(again).getByRole('button', { name: 'End 1 session' }).click();
      await again.locator('#signed-out-notice').waitFor();
      expect(await again.locator('#signed-out-notice').innerText()).toContain('the session was ended');
      expect((await server.server.sessions.list(bystander.id)).length).toBe(1);
      // Signing in again: the server no longer lets this account in.
      const form = pageParts.signInForm(again);
      await form.getByLabel('Email or username').fill(demoted.username);
      await form.getByLabel('Password').fill(PASSWORD);
      await form.getByRole('button', { name: 'Sign in' }).click();
      await heading(again, 'This account is not an administrator').waitFor();
    },
    BROWSER_TEST_MS,
  );
});
