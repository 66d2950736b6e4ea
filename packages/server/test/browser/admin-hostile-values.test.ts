import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type BrowserServer, describeWithBrowser, problemsOf, startBrowserServer } from '../support/real-browser.js';
import { devicesPerTest, pageParts } from '../support/web-page.js';

/**
 * Stored cross-site scripting against an administrator: every value an
 * outsider can choose and the console shows (a username, a device name, a
 * browser's User-Agent, an address from a trusted proxy's X-Forwarded-For,
 * the name typed into a failed sign-in, an invited address) is planted with
 * markup that would run script if it ever became HTML. The console must show
 * each as text, make no element of it, and run none of it.
 */

const PASSWORD = 'correct horse battery staple';
const BROWSER_TEST_MS = 180_000;

/** Markup that sets `window.__pwned` if parsed as HTML, whatever the context it lands in. */
const hostile = (where: string) => `"'><img/src=x/onerror=window.__pwned='${where}'>`;

describeWithBrowser()('the admin console shown hostile values, in Chromium', () => {
  let server: BrowserServer;
  const device = devicesPerTest();
  const tag = `x${Date.now().toString(36)}`;

  beforeAll(async () => {
    // The test's requests come from 127.0.0.1, listed as a proxy: their X-Forwarded-For is believed.
    server = await startBrowserServer({ JWTGATE_SERVER_TRUST_PROXY: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
  });

  async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
    return fetch(`${server.url}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  }

  /** Nothing of the planted markup became an element, nothing ran, and the page had no error. */
  async function expectNothingRan(page: Page, where: string) {
    expect(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned), where).toBeUndefined();
    expect(await page.locator('img[src="x"], [onerror]').count(), where).toBe(0);
    expect(problemsOf(page), where).toEqual([]);
  }

  it(
    'shows usernames, device names, browsers, addresses, failed sign-ins and invited addresses as text, running nothing',
    async () => {
      const adminName = `${tag}-admin`;
      const adminAnswer = await post('/auth/register', { username: adminName, password: PASSWORD });
      expect(adminAnswer.status).toBe(201);
      const adminId = ((await adminAnswer.json()) as { id: string }).id;
      await server.server.users.update(adminId, { role: 'admin', updatedAt: Date.now() });

      // The outsider's account, named with markup, signs in from a device, browser and address of their choosing.
      const victimName = `${tag}${hostile('username').replaceAll(' ', '')}`;
      const registered = await post('/auth/register', { username: victimName, password: PASSWORD });
      expect(registered.status, await registered.clone().text()).toBe(201);
      const victimId = ((await registered.json()) as { id: string }).id;
      const login = await post(
        '/auth/login',
        { username: victimName, password: PASSWORD, device: hostile('device') },
        { 'user-agent': hostile('agent'), 'x-forwarded-for': hostile('address') },
      );
      expect(login.status, await login.clone().text()).toBe(200);
      // A failed sign-in under a name of markup, for the audit trail.
      await post(
        '/auth/login',
        { username: hostile('attempt'), password: 'not the password at all' },
        { 'user-agent': hostile('failed-agent'), 'x-forwarded-for': hostile('failed-address') },
      );
      await server.server.flushAudit();

      const page = await (await device()).open(`${server.url}/admin`);
      const form = pageParts.signInForm(page);
      await form.getByLabel('Email or username').fill(adminName);
      await form.getByLabel('Password').fill(PASSWORD);
      await form.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Overview', exact: true, level: 1 }).waitFor();
      await expectNothingRan(page, 'overview');

      // An invitation to an address with markup in its local part, if the server takes one at all.
      const quoted = `"<svg/onload=window.__pwned='invitation'>"@example.com`;
      const tokenAnswer = await post('/auth/login', { username: adminName, password: PASSWORD });
      const { accessToken } = (await tokenAnswer.json()) as { accessToken: string };
      const invited = await fetch(`${server.url}/admin/invitations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({ email: quoted }),
      });
      // Refused as no plain address, or stored: either way the console must not run it.
      expect([201, 400]).toContain(invited.status);

      await page.goto(`${server.url}/admin#/users?search=${encodeURIComponent(tag)}`);
      await page.getByRole('heading', { name: 'Users', exact: true, level: 1 }).waitFor();
      await expect.poll(() => page.locator('#users tbody tr').count()).toBeGreaterThanOrEqual(2);
      expect(await page.locator('#users').innerText()).toContain(victimName);
      await expectNothingRan(page, 'users');

      await page.goto(`${server.url}/admin#/users/${encodeURIComponent(victimId)}`);
      await page.getByRole('heading', { name: victimName, exact: true, level: 1 }).waitFor();
      const detail = await page.locator('main').innerText();
      expect(detail).toContain(hostile('device'));
      expect(detail).toContain(hostile('address'));
      await expectNothingRan(page, 'user');
      // The confirmation of ending the session repeats the device, browser and address.
      await page.getByRole('button', { name: `End the session on ${hostile('device')}` }).click();
      await page.getByRole('dialog').waitFor();
      expect(await page.getByRole('dialog').innerText()).toContain(hostile('device'));
      await expectNothingRan(page, 'dialog');
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

      await page.goto(`${server.url}/admin#/audit`);
      await page.getByRole('heading', { name: 'Audit trail', exact: true, level: 1 }).waitFor();
      await expect.poll(() => page.locator('#audit tbody tr').count()).toBeGreaterThanOrEqual(3);
      const trail = await page.locator('#audit').innerText();
      expect(trail).toContain(hostile('address'));
      expect(trail).toContain(hostile('failed-address'));
      await expectNothingRan(page, 'audit');

      await page.goto(`${server.url}/admin#/invitations`);
      await page.getByRole('heading', { name: 'Invitations', exact: true, level: 1 }).waitFor();
      if (invited.status === 201) {
        await expect.poll(() => page.locator('#invitations').innerText()).toContain('svg/onload');
      }
      await expectNothingRan(page, 'invitations');
    },
    BROWSER_TEST_MS,
  );
});
