import type { AuthSettings, ClientState, JwtgateClient } from '@jwtgate/client';
import { busy, h } from '../dom.js';
import { describeError } from '../messages.js';
import { renderSignInForm } from '../signed-out-view.js';
import { type AdminApi, createAdminApi } from './admin-api.js';
import { describeAdminError } from './admin-messages.js';
import { renderAudit } from './audit-view.js';
import type { ConsoleContext } from './console-context.js';
import { renderInvitations } from './invitations-view.js';
import { renderOverview } from './overview-view.js';
import { renderUser } from './user-view.js';
import { renderUsers } from './users-view.js';

// The SDK's own compiled modules, served under /assets/client/; no bundler involved.
const sdkUrl = new URL('../../client/index.js', import.meta.url).href;
const { createClient, errorFromResponse } = (await import(sdkUrl)) as typeof import('@jwtgate/client');

const app = document.getElementById('app') as HTMLElement;
const statusLine = document.getElementById('status') as HTMLElement;
const consoleNav = document.getElementById('console-nav') as HTMLElement;
const accountNav = document.getElementById('account-nav') as HTMLElement;

// An administrator who signed in at an identity provider is signed out there too, as on the
// sign-in page; the provider sends the browser back to that page (`<Web.PublicUrl>/`, the one
// post-logout address registered), which says so.
const client: JwtgateClient = createClient({
  baseUrl: location.origin,
  onProviderLogout: (url) => location.assign(url),
});

function announce(message: string): void {
  statusLine.textContent = message;
}

const FALLBACK_SETTINGS: AuthSettings = {
  requireEmail: false,
  mail: false,
  emailSignIn: false,
  passkeys: false,
  registrationOpen: true,
};
const settings = await client.settings().catch(() => FALLBACK_SETTINGS);

/** What the console shows: nothing yet, the sign-in, a refusal, or the console itself. */
let shown: 'none' | 'signed-out' | 'checking' | 'refused' | 'console' = 'none';
let context: ConsoleContext | null = null;

const PAGES = [
  ['overview', 'Overview'],
  ['users', 'Users'],
  ['invitations', 'Invitations'],
  ['audit', 'Audit trail'],
] as const;

/** The page the address names: `#/users/<id>`, `#/audit?…`; the overview by default. */
function route(): void {
  if (shown !== 'console' || context === null) return;
  const [path = '', search = ''] = location.hash.replace(/^#\/?/, '').split('?', 2);
  const params = new URLSearchParams(search);
  const [section = 'overview', id] = path.split('/');
  for (const link of consoleNav.querySelectorAll('a')) {
    if (link.dataset.page === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  announce('');
  document.title = 'Admin console · jwtgate';
  let heading: HTMLElement;
  if (section === 'users' && id !== undefined && id !== '') heading = renderUser(app, context, decodeURIComponent(id));
  else if (section === 'users') heading = renderUsers(app, context, params);
  else if (section === 'invitations') heading = renderInvitations(app, context, params);
  else if (section === 'audit') heading = renderAudit(app, context, params);
  else heading = renderOverview(app, context);
  heading.focus();
}

function accountMenu(username: string): void {
  const signOut = h('button', { type: 'button', class: 'secondary' }, 'Sign out');
  signOut.addEventListener('click', () => {
    busy(signOut, () => client.logout('current')).catch((error: unknown) => announce(describeError(error)));
  });
  accountNav.replaceChildren(
    h('span', {}, 'Signed in as ', h('span', { 'data-field': 'nav-username' }, username)),
    h('a', { href: '/' }, 'Your account'),
    signOut,
  );
}

/** The account is not (or no longer) an administrator: the console closes and says so. */
function showRefused(username: string, midSession: boolean): void {
  shown = 'refused';
  context = null;
  consoleNav.replaceChildren();
  accountMenu(username);
  const heading = h(
    'h1',
    { tabindex: '-1' },
    midSession ? 'Your account is no longer an administrator' : 'This account is not an administrator',
  );
  app.replaceChildren(
    h(
      'div',
      { class: 'refused', id: 'refused' },
      heading,
      h(
        'p',
        {},
        midSession
          ? `The server refused the last request: ${username}'s role was changed or the account was disabled, so the console is closed and nothing was done.`
          : `${username} is signed in, but the server's database does not list this account as an enabled administrator, so the console shows nothing. It checks again on every request.`,
      ),
      h(
        'p',
        {},
        'Sign out and sign in with an administrator account, or go to ',
        h('a', { href: '/' }, 'your account page'),
        '.',
      ),
    ),
  );
  heading.focus();
}

function showConsole(api: AdminApi, selfId: string, username: string): void {
  shown = 'console';
  context = { api, announce, selfId };
  consoleNav.replaceChildren(
    h('ul', {}, ...PAGES.map(([page, label]) => h('li', {}, h('a', { href: `#/${page}`, 'data-page': page }, label)))),
  );
  accountMenu(username);
  route();
}

/** Signed in: asks the server whether this account may administer; the console itself has no say. */
async function admit(): Promise<void> {
  shown = 'checking';
  app.replaceChildren(h('p', {}, 'Checking your account…'));
  let username = '';
  let admitted = false;
  const api = createAdminApi(client, errorFromResponse, () => {
    if (shown === 'console' || (shown === 'checking' && !admitted)) showRefused(username, shown === 'console');
  });
  try {
    const me = await client.me();
    username = me.user.username;
    await api.listUsers({ limit: 1 });
    admitted = true;
    showConsole(api, me.user.id, username);
  } catch (failure) {
    if (shown !== 'checking') return;
    const retry = h('button', { type: 'button' }, 'Try again');
    retry.addEventListener('click', () => void admit());
    app.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, describeAdminError(failure)), retry);
  }
}

function showSignedOut(notice?: string): void {
  shown = 'signed-out';
  context = null;
  consoleNav.replaceChildren();
  accountNav.replaceChildren();
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'sign-in-heading' });
  renderSignInForm(panel, client, settings);
  const heading = h('h1', { tabindex: '-1' }, 'Admin console');
  app.replaceChildren(
    heading,
    notice === undefined ? '' : h('p', { class: 'form-error', role: 'alert', id: 'signed-out-notice' }, notice),
    h('p', {}, 'Sign in with an administrator account. Other accounts are refused by the server.'),
    h('div', { class: 'panels two' }, panel),
  );
  heading.focus();
}

function show(state: ClientState): void {
  if (state.status === 'unknown') return;
  app.setAttribute('aria-busy', 'false');
  if (state.status === 'signed-in') {
    if (shown === 'none' || shown === 'signed-out') void admit();
    return;
  }
  if (shown === 'signed-out') return;
  const wasInConsole = shown === 'console' || shown === 'refused';
  showSignedOut(
    wasInConsole
      ? 'You are signed out: you signed out, the session was ended (by an administrator, or on another device), or it expired. Sign in again.'
      : undefined,
  );
}

window.addEventListener('hashchange', route);
client.subscribe(show);
try {
  await client.resume();
} catch (error) {
  announce(describeError(error));
}
show(client.state.status === 'unknown' ? { status: 'signed-out' } : client.state);
