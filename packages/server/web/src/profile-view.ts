import type { AccessTokenView, JwtgateClient, Me } from '@jwtgate/client';
import { busy, h } from './dom.js';
import { fromNow, timeElement } from './format-time.js';
import { describeError } from './messages.js';

/**
 * "Who am I": the user and role from `GET /auth/me`, when the access token
 * expires, and its decoded header and claims. The token itself is not shown.
 */
export function createProfilePanel(client: JwtgateClient): {
  readonly element: HTMLElement;
  readonly heading: HTMLElement;
  reload(): Promise<Me | null>;
  showToken(token: AccessTokenView): void;
  stop(): void;
} {
  const heading = h('h2', { id: 'profile-heading', tabindex: '-1' }, 'Your profile');
  const username = h('dd', { 'data-field': 'username' });
  const role = h('dd', { 'data-field': 'role' });
  const userId = h('dd', { 'data-field': 'user-id' });
  const sessionId = h('dd', { 'data-field': 'session-id' });
  const expires = h('dd', { 'data-field': 'expires' });
  const headerJson = h('pre', {
    'data-field': 'token-header',
    tabindex: '0',
    'aria-labelledby': 'token-header-heading',
  });
  const claimsJson = h('pre', {
    'data-field': 'token-claims',
    tabindex: '0',
    'aria-labelledby': 'token-claims-heading',
  });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Check again');

  let expiresAt = 0;
  const renderExpiry = () => {
    expires.replaceChildren(timeElement(expiresAt), ` (${fromNow(expiresAt)})`);
  };
  // The countdown is not a live region: a screen reader would read it every second.
  const ticker = setInterval(() => expiresAt > 0 && renderExpiry(), 1000);

  async function reload(): Promise<Me | null> {
    error.textContent = '';
    try {
      const me = await client.me();
      username.textContent = me.user.username;
      role.textContent = me.user.role;
      userId.textContent = me.user.id;
      sessionId.textContent = me.sessionId;
      return me;
    } catch (failure) {
      error.textContent = describeError(failure);
      return null;
    }
  }

  function showToken(token: AccessTokenView): void {
    expiresAt = token.expiresAt;
    renderExpiry();
    headerJson.textContent = JSON.stringify(token.header, null, 2);
    claimsJson.textContent = JSON.stringify(token.claims, null, 2);
  }

  refresh.addEventListener('click', () => {
    void busy(refresh, reload);
  });

  const element = h(
    'section',
    { class: 'panel', id: 'profile', 'aria-labelledby': 'profile-heading' },
    heading,
    error,
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Signed in as'),
      username,
      h('dt', {}, 'Role'),
      role,
      h('dt', {}, 'User id'),
      userId,
      h('dt', {}, 'Session'),
      sessionId,
      h('dt', {}, 'Access token expires'),
      expires,
    ),
    h(
      'div',
      { class: 'token-parts' },
      h('div', {}, h('h3', { id: 'token-header-heading' }, 'Token header'), headerJson),
      h('div', {}, h('h3', { id: 'token-claims-heading' }, 'Token claims'), claimsJson),
    ),
    h('div', { class: 'actions' }, refresh),
  );
  return { element, heading, reload, showToken, stop: () => clearInterval(ticker) };
}
