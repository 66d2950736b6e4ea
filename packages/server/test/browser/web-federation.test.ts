import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type OidcProvider, startOidcProvider } from '../support/identity-providers.js';
import {
  type BrowserServer,
  type Device,
  describeWithBrowser,
  launchDevice,
  problemsOf,
  screenshot,
  shownAmr,
  startBrowserServer,
} from '../support/real-browser.js';
import { makeTempDir } from '../support/temp-dir.js';
import { fillAndSubmit, pageParts } from '../support/web-page.js';

const BROWSER_TEST_MS = 120_000;

/** A port nothing listens on now, so the server's public URL can name it before it starts. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * A real OpenID provider with a consent page, and a jwtgate server on a port
 * known in advance whose page offers it under each of `providers`.
 */
async function startWithProviders(
  dir: string,
  providers: ReadonlyArray<readonly [name: string, displayName: string, logout?: boolean, frontChannel?: boolean]>,
  env: Record<string, string> = {},
): Promise<{ idp: OidcProvider; server: BrowserServer }> {
  const idp = await startOidcProvider({ consentPage: true });
  const port = await freePort();
  const yaml = providers
    .map(
      ([name, displayName, logout = false, frontChannel = false]) =>
        `    ${name}:\n      DisplayName: ${displayName}\n      Issuer: ${idp.issuer}\n      ClientId: jwtgatetest\n      Logout: ${logout}\n      FrontChannelLogout: ${frontChannel}\n`,
    )
    .join('');
  const path = join(dir, 'jwtgate.yaml');
  writeFileSync(path, `OAuth:\n  Providers:\n${yaml}`);
  const secrets = Object.fromEntries(
    providers.map(([name]) => [
      `JWTGATE_OAUTH_PROVIDERS_${name.toUpperCase()}_CLIENT_SECRET`,
      `${name}-client-secret-value`,
    ]),
  );
  const server = await startBrowserServer({
    JWTGATE_CONFIG: path,
    JWTGATE_PORT: String(port),
    JWTGATE_WEB_PUBLIC_URL: `http://localhost:${port}`,
    ...secrets,
    ...env,
  });
  return { idp, server };
}

describeWithBrowser()('sign-in with an identity provider on the web page, in Chromium', () => {
  let idp: OidcProvider;
  let server: BrowserServer;
  const config = makeTempDir('jwtgate-federation-');
  const devices: Device[] = [];
  beforeAll(async () => {
    ({ idp, server } = await startWithProviders(config.path, [
      ['idp', 'Test IdP', true, true],
      ['backup', 'Backup IdP'],
    ]));
  });
  afterAll(async () => {
    await server?.close();
    await idp?.stop();
    config.remove();
  });
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((device) => device.close()));
  });

  it(
    'signs in at the provider after consent, lands signed in on /, shows the identity, links another and unlinks',
    async () => {
      const device = await launchDevice();
      devices.push(device);
      const page = await device.open(server.url);
      const subject = `browser-${Date.now().toString(36)}`;
      idp.claims = { sub: subject, email: `${subject}@example.com`, email_verified: true, name: 'Browser Person' };

      await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
      await page.getByRole('heading', { name: 'Test IdP' }).waitFor();
      expect(new URL(page.url()).origin).toBe(idp.issuer);
      await page.getByRole('button', { name: 'Allow' }).click();

      await page.getByRole('heading', { name: 'Your profile' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/');
      expect(new URL(page.url()).hash).toBe('');
      expect(await shownAmr(page)).toEqual(['fed']);
      const identities = page.locator('#identities');
      await expect.poll(() => identities.locator('li[data-provider="idp"]').innerText()).toContain('Browser Person');
      // The flow cookie is gone; the refresh cookie is HttpOnly.
      const cookies = await device.context.cookies();
      expect(cookies.filter((cookie) => cookie.name.includes('jwtgate_oauth'))).toEqual([]);
      expect(cookies.find((cookie) => cookie.name.includes('jwtgate_refresh'))?.httpOnly).toBe(true);

      // The only way in cannot be unlinked.
      await identities.getByRole('button', { name: 'Unlink Test IdP' }).click();
      await expect.poll(() => identities.getByRole('alert').innerText()).toContain('only way to sign in');

      // Linking a second identity goes to the provider and back.
      idp.claims = { sub: `${subject}-backup`, name: 'Backup Person' };
      await identities.getByRole('button', { name: 'Link Backup IdP' }).click();
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.getByRole('heading', { name: 'Your profile' }).waitFor();
      await expect.poll(() => page.locator('#status').innerText()).toContain('Linked');
      await expect.poll(() => identities.locator('li').count()).toBe(2);

      await identities.getByRole('button', { name: 'Unlink Test IdP' }).click();
      await expect.poll(() => identities.locator('li[data-provider="idp"]').count()).toBe(0);
      await expect.poll(() => identities.locator('li[data-provider="backup"]').count()).toBe(1);
      await identities.getByRole('button', { name: 'Link Test IdP' }).waitFor();
      // The refused unlink above is the one failed request Chromium reports; nothing else may fail.
      expect(problemsOf(page).filter((problem) => !/status of 409/.test(problem))).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'says plainly that the sign-in was cancelled when consent is refused',
    async () => {
      const device = await launchDevice();
      devices.push(device);
      const page = await device.open(server.url);
      await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
      await page.getByRole('button', { name: 'Deny' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await expect.poll(() => page.locator('#status').innerText()).toContain('cancelled');
      expect(new URL(page.url()).hash).toBe('');
      expect((await device.context.cookies()).filter((cookie) => cookie.name.includes('jwtgate_refresh'))).toEqual([]);
      expect(problemsOf(page)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );
  it(
    "lists an identity linked at the provider on the user's page of the admin console",
    async () => {
      const tag = Date.now().toString(36);
      const password = 'correct horse battery staple';
      const register = async (username: string): Promise<{ id: string; username: string }> => {
        const res = await fetch(`${server.url}/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password }),
        });
        expect(res.status, await res.clone().text()).toBe(201);
        return { id: ((await res.json()) as { id: string }).id, username };
      };
      const member = await register(`linker-${tag}`);
      const admin = await register(`console-${tag}`);
      await server.server.users.update(admin.id, { role: 'admin', updatedAt: Date.now() });

      // The member signs in with the password and links their account at the provider, through its consent page.
      const own = await launchDevice();
      devices.push(own);
      const page = await own.open(server.url);
      await fillAndSubmit(
        pageParts.signInForm(page),
        { 'Email or username': member.username, Password: password },
        'Sign in',
      );
      await page.getByRole('heading', { name: 'Your profile' }).waitFor();
      const subject = `linked-${tag}`;
      idp.claims = { sub: subject, email: `${subject}@example.com`, email_verified: true, name: 'Linked Person' };
      await page.locator('#identities').getByRole('button', { name: 'Link Test IdP' }).click();
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.getByRole('heading', { name: 'Your profile' }).waitFor();
      await expect.poll(() => page.locator('#identities li[data-provider="idp"]').count()).toBe(1);
      const [stored] = await server.server.database.db
        .selectFrom('jwtgate_identities')
        .selectAll()
        .where('user_id', '=', member.id)
        .execute();
      expect(stored).toMatchObject({ provider: 'idp', subject });

      // An administrator finds it on the member's page: provider, name and address, subject, when linked.
      const operator = await launchDevice();
      devices.push(operator);
      const consolePage = await operator.open(`${server.url}/admin#/users/${member.id}`);
      await fillAndSubmit(
        pageParts.signInForm(consolePage),
        { 'Email or username': admin.username, Password: password },
        'Sign in',
      );
      await consolePage.getByRole('heading', { name: member.username, level: 1 }).waitFor();
      const identity = consolePage.locator('[data-field="identities"] li[data-provider="idp"]');
      await identity.waitFor();
      const said = await identity.innerText();
      expect(said).toMatch(/^idp: Linked Person /);
      expect(said).toContain(`<${subject}@example.com> (verified)`);
      expect(await identity.locator('[data-field="subject"]').innerText()).toBe(subject);
      const linkedAt = new Date(Number((stored as { created_at: number | string }).created_at)).toISOString();
      expect(await identity.locator('time').first().getAttribute('datetime')).toBe(linkedAt);
      expect(await consolePage.locator('[data-field="identities"] li').count()).toBe(1);
      await screenshot(consolePage, 'admin-user-identity.png');
      expect(problemsOf(consolePage)).toEqual([]);
      expect(problemsOf(page)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  /** A fresh device signed in on `/` through the provider's consent page as a new user `subject`. */
  async function signedInThroughProvider(subject: string, claims: Record<string, unknown> = {}) {
    const device = await launchDevice();
    devices.push(device);
    const page = await device.open(server.url);
    idp.claims = { sub: subject, email: `${subject}@example.com`, email_verified: true, ...claims };
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('heading', { name: 'Your profile' }).waitFor();
    return { device, page };
  }

  /** Clicks "Sign out" and follows the browser to the provider's logout and back to the page, signed out. */
  async function signOutThroughProvider({ device, page }: Awaited<ReturnType<typeof signedInThroughProvider>>) {
    const atProvider = page.waitForRequest((request) => request.url().startsWith(`${idp.issuer}/endsession`));
    await page.locator('#account-nav').getByRole('button', { name: 'Sign out' }).click();
    const logoutAtProvider = new URL((await atProvider).url());
    expect(logoutAtProvider.searchParams.get('post_logout_redirect_uri')).toBe(`${server.url}/`);
    expect(logoutAtProvider.searchParams.get('id_token_hint')).toMatch(/^eyJ/);

    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expect.poll(() => page.locator('#status').innerText()).toContain('signed out, at the identity provider too');
    expect(new URL(page.url()).origin).toBe(server.url);
    expect(new URL(page.url()).pathname).toBe('/');
    expect(new URL(page.url()).search).toBe('');
    const cookies = await device.context.cookies();
    expect(cookies.filter((cookie) => cookie.name.includes('jwtgate_refresh'))).toEqual([]);
    expect(problemsOf(page)).toEqual([]);
  }

  it(
    'signs out at the provider too after a logout, and lands back on the page signed out',
    async () => {
      await signOutThroughProvider(await signedInThroughProvider(`leaving-${Date.now().toString(36)}`));
    },
    BROWSER_TEST_MS,
  );

  it(
    'signs an administrator who came through the provider out there too from the admin console',
    async () => {
      const subject = `chief-${Date.now().toString(36)}`;
      const signedIn = await signedInThroughProvider(subject);
      const [identity] = await server.server.database.db
        .selectFrom('jwtgate_identities')
        .select('user_id')
        .where('provider', '=', 'idp')
        .where('subject', '=', subject)
        .execute();
      await server.server.users.update(identity?.user_id as string, { role: 'admin', updatedAt: Date.now() });

      // The console takes the session up from the refresh cookie.
      await signedIn.page.goto(`${server.url}/admin`);
      await signedIn.page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
      await signOutThroughProvider(signedIn);
    },
    BROWSER_TEST_MS,
  );

  it(
    "is signed out when the provider's logout page frames the front-channel logout URL, which only that origin may frame",
    async () => {
      const subject = `framed-${Date.now().toString(36)}`;
      const sid = `psid-${subject}`;
      const { device, page } = await signedInThroughProvider(subject, { sid });
      const uri = `${server.url}/auth/oauth/idp/frontchannel-logout`;
      const logoutPage = (at: string, ended: string) =>
        `${at}/frontchannel-logout-page?${new URLSearchParams({ uri, sid: ended })}`;

      const atProvider = await device.open(logoutPage(idp.issuer, sid));
      await atProvider.getByRole('heading', { name: 'Signed out of Test IdP' }).waitFor();
      const framed = atProvider.frames().find((frame) => frame.url().startsWith(uri));
      expect(framed, 'the framed logout page').toBeDefined();
      await expect.poll(async () => (await framed?.title()) ?? '').toBe('Signed out');
      expect(new URL(framed?.url() ?? '').searchParams.get('iss')).toBe(idp.issuer);

      // The session is over: the page, reloaded, finds its refresh cookie refused.
      await page.reload();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();

      // Another origin framing the URL: Chromium refuses to show it (CSP frame-ancestors). The
      // request is made all the same, as any page can make a GET: only iss and sid decide.
      const stranger = await startOidcProvider();
      try {
        const elsewhere = await device.open(logoutPage(stranger.issuer, `psid-nobody-${subject}`));
        await elsewhere.getByRole('heading', { name: 'Signed out of Test IdP' }).waitFor();
        await expect
          .poll(() =>
            elsewhere
              .frames()
              .find((frame) => frame !== elsewhere.mainFrame())
              ?.url(),
          )
          .toMatch(/^chrome-error:/);
      } finally {
        await stranger.stop();
      }
      expect(problemsOf(atProvider)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'makes no account without an address while Auth.RequireEmail is on, and says in plain words that one is needed',
    async () => {
      const dir = makeTempDir('jwtgate-federation-email-');
      const strict = await startWithProviders(dir.path, [['idp', 'Test IdP']], { JWTGATE_AUTH_REQUIRE_EMAIL: 'true' });
      const device = await launchDevice();
      try {
        const page = await device.open(strict.server.url);
        strict.idp.claims = { sub: `no-address-${Date.now().toString(36)}`, name: 'No Address' };
        await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
        await page.getByRole('button', { name: 'Allow' }).click();
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        await expect.poll(() => page.locator('#status').innerText()).toContain('need a confirmed email address');
        expect(new URL(page.url()).hash).toBe('');
        const cookies = await device.context.cookies();
        expect(cookies.filter((cookie) => cookie.name.includes('jwtgate_refresh'))).toEqual([]);
        expect(problemsOf(page)).toEqual([]);
      } finally {
        // The browser first: its open connections would hold the server's close.
        await device.close();
        await strict.server.close();
        await strict.idp.stop();
        dir.remove();
      }
    },
    BROWSER_TEST_MS,
  );
});
