import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  artifact,
  type BrowserServer,
  type Device,
  describeWithBrowser,
  launchDevice,
  problemsOf,
  startBrowserServer,
} from '../support/real-browser.js';

/**
 * The web page and the client SDK in a real Chromium, against a real server
 * over HTTP on localhost (a secure context, so the refresh cookie keeps its
 * `Secure` attribute and `__Secure-` prefix as in production).
 */

const PASSWORD = 'correct horse battery staple';
const COOKIE = '__Secure-jwtgate_refresh';
const BROWSER_TEST_MS = 120_000;

let counter = 0;
function username(prefix: string): string {
  counter += 1;
  return `${prefix}${counter}-${Date.now().toString(36)}`;
}

const signInForm = (page: Page) => page.locator('form[aria-labelledby="sign-in-heading"]');
const signUpForm = (page: Page) => page.locator('form[aria-labelledby="sign-up-heading"]');
const profileHeading = (page: Page) => page.getByRole('heading', { name: 'Your profile' });
const signInHeading = (page: Page) => page.getByRole('heading', { name: 'Sign in', exact: true });

async function signUp(page: Page, name: string): Promise<void> {
  const form = signUpForm(page);
  await form.getByLabel('Username').fill(name);
  await form.getByLabel('Password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Create account' }).click();
  await profileHeading(page).waitFor();
}

async function signIn(page: Page, name: string, device?: string): Promise<void> {
  const form = signInForm(page);
  await form.getByLabel('Username').fill(name);
  await form.getByLabel('Password').fill(PASSWORD);
  if (device !== undefined) await form.getByLabel('Device name (optional)').fill(device);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await profileHeading(page).waitFor();
}

/** The claims the page shows for its current access token. */
async function shownClaims(page: Page): Promise<{ sub: string; sid: string; jti: string; exp: number; iat: number }> {
  return JSON.parse(await page.locator('[data-field="token-claims"]').innerText());
}

/** When the page says its access token expires (local time, ms). */
async function shownExpiry(page: Page): Promise<number> {
  return Date.parse((await page.locator('[data-field="expires"] time').getAttribute('datetime')) as string);
}

async function storedAnywhere(page: Page): Promise<number> {
  return page.evaluate<number>('localStorage.length + sessionStorage.length');
}

async function refreshCookies(device: Device) {
  return (await device.context.cookies()).filter((cookie) => cookie.name === COOKIE);
}

async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function rowOf(page: Page, device: string): Locator {
  return page.locator('#sessions tbody tr', { hasText: device });
}

describeWithBrowser()('the web page in Chromium', () => {
  const devices: Device[] = [];
  const launch = async (options?: { width?: number; height?: number }) => {
    const device = await launchDevice(options);
    devices.push(device);
    return device;
  };
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((device) => device.close()));
  });

  describe('with the usual lifetimes', () => {
    let server: BrowserServer;
    beforeAll(async () => {
      server = await startBrowserServer();
    });
    afterAll(() => server.close());

    it(
      'signs up, signs out, signs in from the keyboard, and stays signed in across a reload through the cookie',
      async () => {
        const laptop = await launch();
        const page = await laptop.open(server.url);
        const name = username('ada');
        await signUp(page, name);
        await expect.poll(() => page.locator('[data-field="username"]').innerText()).toBe(name);
        expect(await page.locator('[data-field="role"]').innerText()).toBe('user');
        // Focus follows the sign-in to the new content.
        expect(await page.evaluate<string>('document.activeElement.id')).toBe('profile-heading');

        const [cookie, ...more] = await refreshCookies(laptop);
        expect(more).toEqual([]);
        expect(cookie).toMatchObject({ path: '/auth', httpOnly: true, secure: true, sameSite: 'Strict' });
        expect(await page.evaluate<string>('document.cookie')).toBe('');
        expect(await storedAnywhere(page)).toBe(0);

        await page.getByRole('button', { name: 'Sign out this device' }).click();
        await signInHeading(page).waitFor();
        expect(await page.getByRole('alert').filter({ hasText: 'You are signed out.' }).count()).toBe(1);
        expect(await refreshCookies(laptop)).toEqual([]);

        // Keyboard only: the fields are reachable in order and Enter submits.
        await signInForm(page).getByLabel('Username').focus();
        await page.keyboard.type(name);
        await page.keyboard.press('Tab');
        await page.keyboard.type(PASSWORD);
        await page.keyboard.press('Tab');
        await page.keyboard.type('Work laptop');
        await page.keyboard.press('Enter');
        await profileHeading(page).waitFor();
        const signedIn = await shownClaims(page);

        await page.reload();
        await profileHeading(page).waitFor();
        await expect.poll(() => page.locator('[data-field="username"]').innerText()).toBe(name);
        expect((await shownClaims(page)).sid).toBe(signedIn.sid);
        await expect.poll(() => rowOf(page, 'Work laptop').innerText()).toContain('This device');
        expect(await storedAnywhere(page)).toBe(0);
        expect(problemsOf(page)).toEqual([]);

        await page.screenshot({ path: artifact('signed-in.png'), fullPage: true });
        await page.setViewportSize({ width: 390, height: 844 });
        const wide = await page.evaluate<string[]>(
          // Visually hidden parts (the table head at phone width) are clipped, not laid out wide.
          "[...document.querySelectorAll('body *')].filter((e) => !e.closest('thead, .visually-hidden') && e.getBoundingClientRect().right > window.innerWidth + 1).map((e) => e.tagName + '.' + e.className)",
        );
        expect(wide).toEqual([]);
        expect(await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
        await page.screenshot({ path: artifact('signed-in-phone.png'), fullPage: true });
      },
      BROWSER_TEST_MS,
    );

    it(
      'shows two devices to each other, and the one signed out from the other is signed out on its next request',
      async () => {
        const laptop = await launch();
        const phone = await launch({ width: 390, height: 844 });
        const name = username('grace');
        const onLaptop = await laptop.open(server.url);
        await signUp(onLaptop, name);
        const onPhone = await phone.open(server.url);
        await signIn(onPhone, name, 'Phone');
        const phoneSession = (await shownClaims(onPhone)).sid;

        await onLaptop.getByRole('button', { name: 'Refresh list' }).click();
        await expect.poll(() => onLaptop.locator('#sessions tbody tr').count()).toBe(2);
        expect(await rowOf(onLaptop, 'Phone').innerText()).not.toContain('This device');
        expect(await rowOf(onLaptop, 'Unnamed device').innerText()).toContain('This device');
        expect(await rowOf(onLaptop, 'Phone').innerText()).toMatch(/Chrome/);
        await onLaptop.locator('#sessions').screenshot({ path: artifact('sessions.png') });

        await onLaptop.getByRole('button', { name: 'Sign out Phone' }).click();
        await expect.poll(() => onLaptop.locator('#sessions tbody tr').count()).toBe(1);
        expect(await onLaptop.locator('#status').innerText()).toBe('Signed out Phone.');
        expect((await server.server.sessions.list((await shownClaims(onLaptop)).sub)).length).toBe(1);

        // The phone still shows its profile; its next request finds the session ended.
        expect(await profileHeading(onPhone).count()).toBe(1);
        await onPhone.getByRole('button', { name: 'Check again' }).click();
        await signInHeading(onPhone).waitFor();
        expect(await onPhone.getByRole('alert').filter({ hasText: 'You are signed out.' }).count()).toBe(1);
        await waitUntil(async () => (await refreshCookies(phone)).length === 0, 'the phone lost its cookie');
        expect(server.events('session.revoked').some((event) => event.sessionId === phoneSession)).toBe(true);

        // "Sign out everywhere else", then "everywhere".
        await signIn(onPhone, name, 'Phone again');
        await onLaptop.getByRole('button', { name: 'Refresh list' }).click();
        await expect.poll(() => onLaptop.locator('#sessions tbody tr').count()).toBe(2);
        await onLaptop.getByRole('button', { name: 'Sign out everywhere else' }).click();
        await expect.poll(() => onLaptop.locator('#status').innerText()).toBe('Signed out 1 other session.');
        await onPhone.getByRole('button', { name: 'Refresh list' }).click();
        await signInHeading(onPhone).waitFor();
        await onLaptop.getByRole('button', { name: 'Sign out everywhere', exact: true }).click();
        await signInHeading(onLaptop).waitFor();
        expect(await refreshCookies(laptop)).toEqual([]);
        expect(problemsOf(onLaptop)).toEqual([]);
        expect(problemsOf(onPhone)).toEqual([]);
      },
      BROWSER_TEST_MS,
    );
  });

  describe('when the access token expires', () => {
    let server: BrowserServer;
    beforeAll(async () => {
      server = await startBrowserServer({ JWTGATE_AUTH_ACCESS_EXPIRE: '4' });
    });
    afterAll(() => server.close());

    it(
      'renews it on the fly for a call that still carries it, and the page takes the new token',
      async () => {
        const device = await launch();
        await device.context.clock.install();
        const page = await device.open(server.url);
        await signUp(page, username('linus'));
        const before = await shownClaims(page);
        // The page's clock stops, as on a laptop put to sleep: it never notices its token expire.
        await page.clock.pauseAt(Date.now() + 200);
        const rotations = server.events('session.refreshed').length;
        await new Promise((resolve) => setTimeout(resolve, (before.exp + 1) * 1000 - Date.now()));

        await page.getByRole('button', { name: 'Check again' }).click();
        await expect.poll(async () => (await shownClaims(page)).jti).not.toBe(before.jti);
        const after = await shownClaims(page);
        expect(after.sid).toBe(before.sid);
        expect(after.exp).toBeGreaterThan(before.exp);
        expect(server.events('session.refreshed').length).toBe(rotations + 1);
        // The call itself succeeded: no error, still signed in, and nothing went through /auth/refresh.
        expect(await page.locator('#profile [role="alert"]').innerText()).toBe('');
        expect(await profileHeading(page).count()).toBe(1);

        // The same from raw fetch: an expired token and the HttpOnly cookie the browser sends by itself.
        const expired = await page.evaluate(async () => {
          const response = await fetch('/auth/refresh', { method: 'POST', headers: { 'x-jwtgate-csrf': '1' } });
          return ((await response.json()) as { accessToken: string }).accessToken;
        });
        await new Promise((resolve) => setTimeout(resolve, 4_500));
        const call = await page.evaluate(async (token: string) => {
          const response = await fetch('/auth/me', { headers: { authorization: `Bearer ${token}` } });
          return {
            status: response.status,
            renewed: response.headers.get('x-access-token'),
            sid: ((await response.json()) as { sessionId: string }).sessionId,
          };
        }, expired);
        expect(call.status).toBe(200);
        expect(call.renewed).toMatch(/^eyJ/);
        expect(call.sid).toBe(before.sid);
        expect(await storedAnywhere(page)).toBe(0);
      },
      BROWSER_TEST_MS,
    );
  });

  describe('with three tabs open', () => {
    let server: BrowserServer;
    beforeAll(async () => {
      // Refresh is due when the token expires, less the client's 2 s margin: 10 s after issuance.
      server = await startBrowserServer({ JWTGATE_AUTH_ACCESS_EXPIRE: '12', JWTGATE_AUTH_REFRESH_AFTER: '12' });
    });
    afterAll(() => server.close());

    it(
      'rotates exactly once when all three fire requests at the moment of expiry',
      async () => {
        const device = await launch();
        const tabs = [await device.open(server.url)];
        await signUp(tabs[0] as Page, username('edsger'));
        tabs.push(await device.open(server.url), await device.open(server.url));
        for (const tab of tabs) await profileHeading(tab).waitFor();
        const sharedToken = async () => {
          const claims = await Promise.all(tabs.map((tab) => shownClaims(tab)));
          return new Set(claims.map((c) => c.jti)).size === 1 ? (claims[0] ?? null) : null;
        };
        // Opening tabs refreshed; wait until every tab holds the same, latest token, with time
        // left before it is due (on a slow machine that may take one more refresh cycle).
        let shared: Awaited<ReturnType<typeof shownClaims>> | null = null;
        let due = 0;
        await waitUntil(
          async () => {
            shared = await sharedToken();
            due = (await shownExpiry(tabs[0] as Page)) - 2_000;
            return shared !== null && due - Date.now() > 1_500;
          },
          'the three tabs share one token that is not due yet',
          40_000,
        );
        if (shared === null) throw new Error('unreachable');
        const { jti: sharedJti, sid: sharedSid } = shared;

        const rotationsBefore = server.events('session.refreshed').length;
        const replaysBefore = server.events('session.refresh-replayed').length;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
        // The moment the client treats as expiry (2 s early, so no request ever leaves with a
        // dead token): all three tabs fire a request at once, as their refresh timers fire too.
        await Promise.all(
          tabs.map((tab) =>
            tab.evaluate(
              "document.querySelectorAll('#profile button').forEach((b) => b.textContent === 'Check again' && b.click())",
            ),
          ),
        );
        await waitUntil(async () => {
          const jtis = await Promise.all(tabs.map(async (tab) => (await shownClaims(tab)).jti));
          return new Set(jtis).size === 1 && jtis[0] !== sharedJti;
        }, 'the three tabs share the renewed token');
        // Let any straggling refresh land before counting.
        await new Promise((resolve) => setTimeout(resolve, 1_500));

        const rotations = server.events('session.refreshed').slice(rotationsBefore);
        expect(rotations.map((event) => event.sessionId)).toEqual([sharedSid]);
        expect(server.events('session.refresh-replayed').length).toBe(replaysBefore);
        for (const tab of tabs) {
          expect(await tab.locator('#profile [role="alert"]').innerText()).toBe('');
          expect(await storedAnywhere(tab)).toBe(0);
          expect(problemsOf(tab)).toEqual([]);
        }
      },
      BROWSER_TEST_MS,
    );
  });
});
