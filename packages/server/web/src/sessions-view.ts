import type { JwtgateClient, SessionInfo } from '@jwtgate/client';
import { describeAgent } from './describe-agent.js';
import { busy, h } from './dom.js';
import { fromNow, timeElement } from './format-time.js';
import { describeError } from './messages.js';

/** Where the sessions panel reports what happened. */
export interface SessionsPanelHooks {
  readonly announce: (message: string) => void;
}

function deviceName(session: SessionInfo): string {
  return session.device ?? 'Unnamed device';
}

/**
 * "My sessions": every device signed in to this account, this one marked,
 * each other one with its own sign-out button, and the three ways of
 * signing out below.
 */
export function createSessionsPanel(
  client: JwtgateClient,
  hooks: SessionsPanelHooks,
): { readonly element: HTMLElement; reload(): Promise<void> } {
  const heading = h('h2', { id: 'sessions-heading', tabindex: '-1' }, 'Your sessions');
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'sessions' },
    h('caption', {}, 'Every device where this account is signed in.'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Device'),
        h('th', { scope: 'col' }, 'Browser'),
        h('th', { scope: 'col' }, 'IP address'),
        h('th', { scope: 'col' }, 'Last seen'),
        h('th', { scope: 'col' }, 'Signed in'),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
      ),
    ),
    body,
  );
  const error = h('p', { class: 'form-error', role: 'alert' });

  const refreshList = h('button', { type: 'button', class: 'secondary' }, 'Refresh list');
  const signOutHere = h('button', { type: 'button', class: 'secondary' }, 'Sign out this device');
  const signOutOthers = h('button', { type: 'button', class: 'secondary' }, 'Sign out everywhere else');
  const signOutAll = h('button', { type: 'button', class: 'danger' }, 'Sign out everywhere');

  async function reload(): Promise<void> {
    error.textContent = '';
    let sessions: readonly SessionInfo[];
    try {
      sessions = await client.sessions();
    } catch (failure) {
      error.textContent = describeError(failure);
      return;
    }
    body.replaceChildren(...sessions.map(row));
    signOutOthers.disabled = sessions.every((session) => session.current);
  }

  function row(session: SessionInfo): HTMLTableRowElement {
    const lastSeen = Date.parse(session.lastUsedAt);
    const name = deviceName(session);
    let action: HTMLElement | null = null;
    if (!session.current) {
      const button = h('button', { type: 'button', class: 'danger', 'aria-label': `Sign out ${name}` }, 'Sign out');
      button.addEventListener('click', () => {
        busy(button, () => client.revokeSession(session.id))
          .then(async () => {
            hooks.announce(`Signed out ${name}.`);
            await reload();
            heading.focus();
          })
          .catch((failure: unknown) => {
            error.textContent = describeError(failure);
          });
      });
      action = button;
    }
    return h(
      'tr',
      { class: session.current ? 'current' : undefined, 'data-session-id': session.id },
      h('td', { 'data-label': 'Device' }, name, session.current ? h('span', { class: 'badge' }, 'This device') : null),
      h('td', { 'data-label': 'Browser' }, describeAgent(session.userAgent)),
      h('td', { 'data-label': 'IP address' }, session.ip ?? 'unknown'),
      h('td', { 'data-label': 'Last seen' }, timeElement(lastSeen, fromNow(lastSeen))),
      h(
        'td',
        { 'data-label': 'Signed in' },
        timeElement(Date.parse(session.createdAt)),
        session.amr?.includes('mfa') === true ? h('span', { class: 'badge', 'data-field': 'amr' }, 'with app') : null,
      ),
      h('td', {}, action),
    );
  }

  refreshList.addEventListener('click', () => {
    void busy(refreshList, reload);
  });
  signOutHere.addEventListener('click', () => {
    busy(signOutHere, () => client.logout('current')).catch((failure: unknown) => {
      error.textContent = describeError(failure);
    });
  });
  signOutOthers.addEventListener('click', () => {
    busy(signOutOthers, () => client.logout('others'))
      .then(async (count) => {
        hooks.announce(count === 1 ? 'Signed out 1 other session.' : `Signed out ${count} other sessions.`);
        await reload();
      })
      .catch((failure: unknown) => {
        error.textContent = describeError(failure);
      });
  });
  signOutAll.addEventListener('click', () => {
    busy(signOutAll, () => client.logout('all')).catch((failure: unknown) => {
      error.textContent = describeError(failure);
    });
  });

  const element = h(
    'section',
    { class: 'panel', id: 'sessions', 'aria-labelledby': 'sessions-heading' },
    heading,
    error,
    table,
    h('div', { class: 'actions' }, refreshList, signOutHere, signOutOthers, signOutAll),
  );
  return { element, reload };
}
