import type { AuthSettings, ClientState, JwtgateClient } from '@jwtgate/client';
import { busy, h } from './dom.js';
import { createEmailPanel } from './email-view.js';
import {
  createIdentitiesPanel,
  describeProviderError,
  loadProviders,
  providerButtons,
  takeProviderLogoutReturn,
  takeProviderReturn,
} from './identities-view.js';
import { renderLanding } from './landing-view.js';
import { takeMailedLink } from './link-fragment.js';
import { describeError } from './messages.js';
import { createPasskeysPanel } from './passkeys-view.js';
import { showPasswordRemoved, takePasswordRemoved } from './password-removed-view.js';
import { createPasswordPanel } from './password-view.js';
import { createProfilePanel } from './profile-view.js';
import { renderSecondStep } from './second-step-view.js';
import { createSecurityPanel } from './security-view.js';
import { createSessionsPanel } from './sessions-view.js';
import { renderSignedOut } from './signed-out-view.js';

// First of all, before any request: a mailed link's secret, or what a provider's sign-in came back
// with, leaves the address bar and history.
const providerReturn = takeProviderReturn();
const mailedLink = takeMailedLink();
const backFromProviderLogout = takeProviderLogoutReturn();

// The SDK's own compiled modules, served next to this script; no bundler involved.
const sdkUrl = new URL('../client/index.js', import.meta.url).href;
const { createClient } = (await import(sdkUrl)) as typeof import('@jwtgate/client');

const app = document.getElementById('app') as HTMLElement;
const statusLine = document.getElementById('status') as HTMLElement;
const nav = document.getElementById('account-nav') as HTMLElement;

// A session that began at an identity provider ends there too; the provider sends the browser back here.
const client: JwtgateClient = createClient({
  baseUrl: location.origin,
  onProviderLogout: (url) => location.assign(url),
});

function announce(message: string): void {
  statusLine.textContent = message;
}

/** Without the server's answer, the forms every server has: no mailed flows. */
const FALLBACK_SETTINGS: AuthSettings = {
  requireEmail: false,
  mail: false,
  emailSignIn: false,
  passkeys: false,
  registrationOpen: true,
};
const settings = await client.settings().catch(() => FALLBACK_SETTINGS);
const providers = await loadProviders();

interface SignedInView {
  readonly kind: 'signed-in';
  update(state: ClientState): void;
  stop(): void;
}
type Shown = { readonly kind: 'signed-out' } | { readonly kind: 'landing' } | SignedInView;
let shown: Shown | null = mailedLink === null ? null : { kind: 'landing' };

function showSignedIn(): SignedInView {
  const profile = createProfilePanel(client);
  const sessions = createSessionsPanel(client, { announce });
  const security = createSecurityPanel(client);
  const passkeys = settings.passkeys ? createPasskeysPanel(client) : null;
  const email = createEmailPanel(client, settings);
  const password = createPasswordPanel(client, { changed: () => void sessions.reload() });
  const identities = createIdentitiesPanel(client, { providers, announce });
  app.replaceChildren(
    h('h1', {}, 'Your account'),
    h(
      'div',
      { class: 'panels' },
      profile.element,
      email.element,
      password.element,
      security.element,
      passkeys?.element,
      identities.element,
      sessions.element,
    ),
  );
  const who = h('span', { 'data-field': 'nav-username' });
  const signOut = h('button', { type: 'button', class: 'secondary' }, 'Sign out');
  signOut.addEventListener('click', () => {
    busy(signOut, () => client.logout('current')).catch((error: unknown) => announce(describeError(error)));
  });
  nav.replaceChildren(h('span', {}, 'Signed in as ', who), signOut);
  profile.heading.focus();
  // An emailed sign-in that removed the password and paused for a second factor ends here.
  if (takePasswordRemoved()) showPasswordRemoved(client);
  void profile.reload().then((me) => {
    if (me === null) return;
    who.textContent = me.user.email ?? me.user.username;
    email.show(me.user);
  });
  void sessions.reload();
  void security.reload();
  void passkeys?.reload();
  void identities.reload();
  return {
    kind: 'signed-in',
    update(state) {
      if (state.status === 'signed-in') profile.showToken(state.token);
    },
    stop: profile.stop,
  };
}

function show(state: ClientState): void {
  if (state.status === 'unknown') return;
  app.setAttribute('aria-busy', 'false');
  if (state.status === 'signed-in') {
    const view = shown?.kind === 'signed-in' ? shown : showSignedIn();
    if (view !== shown) announce('');
    shown = view;
    view.update(state);
    return;
  }
  // A mailed link's page stays until it is done with; signing in from it ends it (above).
  if (shown?.kind === 'signed-out' || shown?.kind === 'landing') return;
  const wasSignedIn = shown?.kind === 'signed-in';
  if (shown?.kind === 'signed-in') shown.stop();
  shown = { kind: 'signed-out' };
  nav.replaceChildren();
  announce('');
  const heading = renderSignedOut(app, client, {
    settings,
    notice: wasSignedIn ? 'You are signed out.' : undefined,
    announce,
  });
  const buttons = providerButtons(providers);
  if (buttons !== null) app.querySelector('#other-sign-in')?.prepend(buttons);
  if (wasSignedIn) heading.focus();
}

/** Starts the usual page: signed in again from the refresh cookie when there is a live one. */
async function start(notice?: string): Promise<void> {
  try {
    await client.resume();
  } catch (error) {
    announce(describeError(error));
  }
  show(client.state.status === 'unknown' ? { status: 'signed-out' } : client.state);
  if (notice !== undefined) announce(notice);
}

client.subscribe(show);
if (providerReturn?.kind === 'second-step') {
  await start();
  const panel = app.querySelector<HTMLElement>('section[aria-labelledby="sign-in-heading"]');
  if (panel !== null) renderSecondStep(panel, client, providerReturn.challenge).focus();
} else if (providerReturn !== null) {
  await start(
    providerReturn.kind === 'error'
      ? describeProviderError(providerReturn.code)
      : `Linked: you can now sign in with ${providers.find((p) => p.name === providerReturn.provider)?.displayName ?? providerReturn.provider}.`,
  );
} else if (mailedLink === null) {
  await start(backFromProviderLogout ? 'You are signed out, at the identity provider too.' : undefined);
} else {
  app.setAttribute('aria-busy', 'false');
  renderLanding(app, client, mailedLink, (notice) => {
    if (shown?.kind === 'landing') shown = null;
    void start(notice);
  });
}
