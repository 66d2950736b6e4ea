import type { ClientState, JwtgateClient } from '@jwtgate/client';
import { busy, h } from './dom.js';
import { describeError } from './messages.js';
import { createProfilePanel } from './profile-view.js';
import { createSecurityPanel } from './security-view.js';
import { createSessionsPanel } from './sessions-view.js';
import { renderSignedOut } from './signed-out-view.js';

// The SDK's own compiled modules, served next to this script; no bundler involved.
const sdkUrl = new URL('../client/index.js', import.meta.url).href;
const { createClient } = (await import(sdkUrl)) as typeof import('@jwtgate/client');

const app = document.getElementById('app') as HTMLElement;
const statusLine = document.getElementById('status') as HTMLElement;
const nav = document.getElementById('account-nav') as HTMLElement;

const client: JwtgateClient = createClient({ baseUrl: location.origin });

function announce(message: string): void {
  statusLine.textContent = message;
}

interface SignedInView {
  readonly kind: 'signed-in';
  update(state: ClientState): void;
  stop(): void;
}
type Shown = { readonly kind: 'signed-out' } | SignedInView;
let shown: Shown | null = null;

function showSignedIn(): SignedInView {
  const profile = createProfilePanel(client);
  const sessions = createSessionsPanel(client, { announce });
  const security = createSecurityPanel(client);
  app.replaceChildren(
    h('h1', {}, 'Your account'),
    h('div', { class: 'panels' }, profile.element, security.element, sessions.element),
  );
  const who = h('span', { 'data-field': 'nav-username' });
  const signOut = h('button', { type: 'button', class: 'secondary' }, 'Sign out');
  signOut.addEventListener('click', () => {
    busy(signOut, () => client.logout('current')).catch((error: unknown) => announce(describeError(error)));
  });
  nav.replaceChildren(h('span', {}, 'Signed in as ', who), signOut);
  profile.heading.focus();
  void profile.reload().then((me) => {
    if (me !== null) who.textContent = me.user.username;
  });
  void sessions.reload();
  void security.reload();
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
  if (shown?.kind === 'signed-out') return;
  const wasSignedIn = shown?.kind === 'signed-in';
  if (shown?.kind === 'signed-in') shown.stop();
  shown = { kind: 'signed-out' };
  nav.replaceChildren();
  announce('');
  const heading = renderSignedOut(app, client, wasSignedIn ? 'You are signed out.' : undefined);
  if (wasSignedIn) heading.focus();
}

client.subscribe(show);
try {
  await client.resume();
} catch (error) {
  announce(describeError(error));
}
show(client.state.status === 'unknown' ? { status: 'signed-out' } : client.state);
