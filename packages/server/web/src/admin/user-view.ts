import { describeAgent } from '../describe-agent.js';
import { busy, h } from '../dom.js';
import { fromNow, timeElement } from '../format-time.js';
import type { AdminSession, UserDetail } from './admin-api.js';
import { countOf, describeAdminError } from './admin-messages.js';
import { type Confirmation, confirmAction } from './confirm-dialog.js';
import { type ConsoleContext, pageLink } from './console-context.js';
import { describeDuration } from './describe-duration.js';
import { describeAmr } from './describe-event.js';

const ADMIN_ROLE = 'admin';

function fact(term: string, name: string, ...value: (Node | string | null)[]): Node[] {
  return [h('dt', {}, term), h('dd', { 'data-field': name }, ...value)];
}

/** "authenticator app since 12/4/2026, 10 recovery codes left; 2 passkeys", or "none". */
function describeFactors(factors: UserDetail['factors']): string {
  const parts: string[] = [];
  if (factors.totp) {
    const since = factors.totpSince === null ? '' : ` since ${new Date(factors.totpSince).toLocaleDateString()}`;
    parts.push(`authenticator app${since}, ${countOf(factors.recoveryCodesLeft, 'recovery code')} left`);
  } else if (factors.recoveryCodesLeft > 0) {
    parts.push(`${countOf(factors.recoveryCodesLeft, 'recovery code')} left, no app`);
  }
  if (factors.passkeys.length > 0) parts.push(countOf(factors.passkeys.length, 'passkey'));
  return parts.length === 0 ? 'none' : parts.join('; ');
}

/** What ending these sessions means, said plainly. */
function endsSessions(count: number, whose: string): string {
  return count === 0
    ? `${whose} has no active session to end.`
    : `Ends ${countOf(count, 'session')} of ${whose} at once.`;
}

/** What deleting an account does, in the order it happens, with the numbers the operator needs. */
function deletionConsequence(name: string, sessions: number, quarantineSeconds: number, self: boolean): string {
  const quarantine =
    quarantineSeconds === 0
      ? `The username ${name} is free again at once.`
      : `The username ${name} stays taken for ${describeDuration(quarantineSeconds)}, then anyone may register it.`;
  return [
    endsSessions(sessions, name),
    'Removes the account for good: its password, second factors, linked identities, metadata and pending emails.',
    quarantine,
    'The audit trail keeps the user id of its records, without the username or addresses. This cannot be undone.',
    self ? 'This is your own account: you are signed out and cannot sign in again.' : '',
  ]
    .filter((part) => part !== '')
    .join(' ');
}

/**
 * One user: their account, second factors and active sessions, with the
 * actions an operator needs (disable or enable, sign out everywhere, end one
 * session, change role, reset second factors, delete), each confirmed first
 * with what it will do, and a link to their audit records.
 */
export function renderUser(root: HTMLElement, context: ConsoleContext, userId: string): HTMLElement {
  const heading = h('h1', { tabindex: '-1' }, 'User');
  const error = h('p', { class: 'form-error', role: 'alert' });
  const content = h('div', {});
  root.replaceChildren(h('p', {}, h('a', { href: pageLink('users') }, '← All users')), heading, error, content);

  async function reload(): Promise<void> {
    let detail: UserDetail;
    let lastAdmin = false;
    try {
      detail = await context.api.user(userId);
      if (detail.user.role === ADMIN_ROLE && !detail.user.disabled) {
        const admins = await context.api.listUsers({ role: ADMIN_ROLE, disabled: false, limit: 2 });
        lastAdmin = admins.users.length === 1 && admins.nextCursor === null;
      }
    } catch (failure) {
      error.textContent = describeAdminError(failure);
      return;
    }
    show(detail, lastAdmin);
  }

  /** Asks, then runs `action` with its button held, reports its result and shows the user afresh. */
  function act(button: HTMLButtonElement, confirmation: Confirmation, action: () => Promise<string>): void {
    void confirmAction(confirmation).then(async (confirmed) => {
      if (!confirmed) return;
      error.textContent = '';
      try {
        context.announce(await busy(button, action));
      } catch (failure) {
        error.textContent = describeAdminError(failure);
      }
      await reload();
    });
  }

  function show(detail: UserDetail, lastAdmin: boolean): void {
    const { user, sessions, factors, identities, usernameQuarantineSeconds } = detail;
    const name = user.username;
    const self = user.id === context.selfId;
    const selfNote = self ? ' This is your own account: you are signed out too.' : '';
    heading.textContent = name;
    document.title = `${name} · Admin console · jwtgate`;

    const toggle = h(
      'button',
      { type: 'button', class: user.disabled ? 'secondary' : 'danger', disabled: lastAdmin && !user.disabled },
      user.disabled ? 'Enable account' : 'Disable account',
    );
    toggle.addEventListener('click', () =>
      act(
        toggle,
        user.disabled
          ? {
              title: `Enable ${name}?`,
              consequence: `${name} can sign in again (no session is restored).`,
              confirm: `Enable ${name}`,
            }
          : {
              title: `Disable ${name}?`,
              consequence: `${endsSessions(sessions.length, name)} Sign-ins are refused until the account is enabled again.${selfNote}`,
              confirm: `Disable ${name}`,
            },
        async () => {
          const changed = await context.api.setDisabled(user.id, !user.disabled);
          return user.disabled
            ? `Enabled ${name}.`
            : `Disabled ${name}; ${countOf(changed.revokedSessions, 'session')} ended.`;
        },
      ),
    );

    const logout = h(
      'button',
      { type: 'button', class: 'danger', disabled: sessions.length === 0 },
      'Sign out everywhere',
    );
    logout.addEventListener('click', () =>
      act(
        logout,
        {
          title: `Sign ${name} out everywhere?`,
          consequence: `${endsSessions(sessions.length, name)}${selfNote}`,
          confirm: `End ${countOf(sessions.length, 'session')}`,
        },
        async () => `Ended ${countOf((await context.api.logout(user.id)).revoked, 'session')} of ${name}.`,
      ),
    );

    const hasFactors = factors.totp || factors.recoveryCodesLeft > 0 || factors.passkeys.length > 0;
    const removed = [
      factors.totp ? 'the authenticator app' : null,
      factors.recoveryCodesLeft > 0 ? countOf(factors.recoveryCodesLeft, 'unused recovery code') : null,
      factors.passkeys.length > 0 ? countOf(factors.passkeys.length, 'passkey') : null,
    ].filter((part) => part !== null);
    const resetFactors = h(
      'button',
      { type: 'button', class: 'danger', disabled: !factors.available || !hasFactors },
      'Reset second factors',
    );
    resetFactors.addEventListener('click', () =>
      act(
        resetFactors,
        {
          title: `Reset ${name}'s second factors?`,
          consequence: `Removes ${removed.join(' and ')}. ${endsSessions(sessions.length, name)} The next sign-in needs only the password (or sets a new factor up, where the role requires one).${selfNote}`,
          confirm: 'Reset second factors',
        },
        async () => {
          const result = await context.api.resetSecondFactors(user.id);
          return `Reset ${name}'s second factors; ${countOf(result.revokedSessions, 'session')} ended.`;
        },
      ),
    );

    const reset = h(
      'button',
      { type: 'button', class: 'secondary', disabled: user.email === undefined || user.disabled },
      'Send password reset',
    );
    reset.addEventListener('click', () =>
      act(
        reset,
        {
          title: `Mail ${name} a password reset link?`,
          consequence: `Sends a single-use link to ${user.email ?? ''}. The password and the ${countOf(sessions.length, 'session')} stay as they are until ${name} sets a new password from the link.`,
          confirm: 'Send the link',
        },
        async () => `A password reset link is on its way to ${(await context.api.sendPasswordReset(user.id)).email}.`,
      ),
    );
    const resetHint =
      user.email === undefined
        ? h('p', { class: 'hint' }, 'No password reset by mail: the account has no email address.')
        : user.disabled
          ? h('p', { class: 'hint' }, 'No password reset by mail while the account is disabled.')
          : null;

    const remove = h('button', { type: 'button', class: 'danger', disabled: lastAdmin }, 'Delete account');
    remove.addEventListener('click', () => {
      void confirmAction({
        title: `Delete ${name}?`,
        consequence: deletionConsequence(name, sessions.length, usernameQuarantineSeconds, self),
        confirm: `Delete ${name}`,
      }).then(async (confirmed) => {
        if (!confirmed) return;
        error.textContent = '';
        let ended: number;
        try {
          ended = (await busy(remove, () => context.api.deleteUser(user.id))).revokedSessions;
        } catch (failure) {
          error.textContent = describeAdminError(failure);
          await reload();
          return;
        }
        // The account is gone: back to the list, and say so there (after the list's page has cleared the status line).
        const said = `Deleted ${name}; ${countOf(ended, 'session')} ended.`;
        window.addEventListener('hashchange', () => context.announce(said), { once: true });
        location.hash = pageLink('users');
      });
    });

    const roleInput = h('input', {
      id: 'role-input',
      name: 'role',
      value: user.role,
      autocomplete: 'off',
      maxlength: '64',
      required: true,
      'aria-describedby': 'role-rule',
    });
    const changeRole = h('button', { type: 'submit', class: 'secondary' }, 'Change role');
    const roleForm = h(
      'form',
      { 'aria-label': 'Change role', class: 'filters' },
      h('div', { class: 'field' }, h('label', { for: 'role-input' }, 'Role'), roleInput),
      h('div', { class: 'actions' }, changeRole),
    );
    roleForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const role = roleInput.value.trim();
      if (role === user.role) {
        error.textContent = `${name} already has the role ${role}.`;
        return;
      }
      act(
        changeRole,
        {
          title: `Change ${name}'s role from ${user.role} to ${role}?`,
          consequence: `${endsSessions(sessions.length, name)} Their tokens carry the old role, so ${name} signs in again to get the new one.${selfNote}`,
          confirm: `Make ${name} ${role}`,
        },
        async () => {
          const changed = await context.api.setRole(user.id, role);
          return `${name} is now ${changed.user.role}; ${countOf(changed.revokedSessions, 'session')} ended.`;
        },
      );
    });
    const rule = h(
      'p',
      { id: 'role-rule', class: lastAdmin ? 'rule' : 'hint', 'data-field': 'last-admin-rule' },
      lastAdmin
        ? `${name} is the only enabled administrator: the server refuses to disable or delete ${name} or change this role. Make another account administrator first.`
        : 'The last enabled administrator can be neither disabled, deleted nor given another role.',
    );

    content.replaceChildren(
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'account-heading' },
        h('h2', { id: 'account-heading' }, 'Account'),
        h(
          'dl',
          { class: 'facts' },
          ...fact('Username', 'username', name, self ? h('span', { class: 'badge' }, 'you') : null),
          ...fact('User id', 'user-id', user.id),
          ...fact(
            'Email',
            'email',
            user.email ?? 'none',
            user.email === undefined
              ? null
              : h('span', { class: 'badge' }, user.emailVerified === true ? 'verified' : 'not verified'),
          ),
          ...fact('Role', 'role', user.role),
          ...fact('State', 'state', user.disabled ? h('span', { class: 'badge warn' }, 'disabled') : 'enabled'),
          ...fact('Created', 'created', timeElement(Date.parse(user.createdAt))),
          ...fact('Last changed', 'updated', timeElement(Date.parse(user.updatedAt))),
          ...fact(
            'Second factor',
            'second-factor',
            !factors.available ? 'off on this server' : describeFactors(factors),
          ),
        ),
        factors.passkeys.length === 0
          ? null
          : h(
              'ul',
              { 'data-field': 'passkeys', 'aria-label': 'Passkeys' },
              ...factors.passkeys.map((passkey) =>
                h(
                  'li',
                  {},
                  `Passkey "${passkey.name}", added ${new Date(passkey.createdAt).toLocaleDateString()}, `,
                  passkey.lastUsedAt === null
                    ? 'never used'
                    : `last used ${new Date(passkey.lastUsedAt).toLocaleString()}`,
                  passkey.backedUp ? ' (synced)' : '',
                ),
              ),
            ),
        h('h3', {}, 'Linked identities'),
        identities.length === 0
          ? h('p', { 'data-field': 'identities' }, 'None: this account signs in with jwtgate only.')
          : h(
              'ul',
              { 'data-field': 'identities' },
              ...identities.map((identity) =>
                h(
                  'li',
                  { 'data-provider': identity.provider },
                  `${identity.provider}: ${identity.displayName ?? identity.email ?? 'no name given'}`,
                  identity.email === null ? '' : ` <${identity.email}>${identity.emailVerified ? ' (verified)' : ''}`,
                  ', subject ',
                  h('code', { 'data-field': 'subject' }, identity.subject),
                  ', linked ',
                  timeElement(Date.parse(identity.linkedAt)),
                  ', last sign-in ',
                  timeElement(Date.parse(identity.lastSignInAt)),
                ),
              ),
            ),
        h(
          'p',
          {},
          h(
            'a',
            { href: pageLink('audit', { userId: user.id }), 'data-field': 'audit-link' },
            `Audit records of ${name}`,
          ),
        ),
      ),
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'actions-heading' },
        h('h2', { id: 'actions-heading' }, 'Actions'),
        h('div', { class: 'actions' }, toggle, logout, resetFactors, reset, remove),
        resetHint,
        roleForm,
        rule,
      ),
      sessionsPanel(sessions, name),
    );
  }

  function sessionsPanel(sessions: readonly AdminSession[], name: string): HTMLElement {
    const rows = sessions.map((session) => {
      const device = session.device ?? 'Unnamed device';
      const browser = describeAgent(session.userAgent);
      const end = h('button', { type: 'button', class: 'danger', 'aria-label': `End the session on ${device}` }, 'End');
      end.addEventListener('click', () =>
        act(
          end,
          {
            title: `End ${name}'s session on ${device}?`,
            consequence: `Signs out ${device} (${browser}, ${session.ip ?? 'unknown address'}) at its next request; ${name}'s other sessions stay.${session.current ? ' This is your own session: you are signed out.' : ''}`,
            confirm: 'End session',
          },
          async () => {
            await context.api.endSession(session.id);
            return `Ended the session on ${device}.`;
          },
        ),
      );
      const lastSeen = Date.parse(session.lastUsedAt);
      return h(
        'tr',
        { 'data-session-id': session.id },
        h('td', {}, device, session.current ? h('span', { class: 'badge' }, 'this console') : null),
        h('td', {}, browser),
        h('td', {}, session.ip ?? 'unknown'),
        h('td', {}, timeElement(lastSeen, fromNow(lastSeen))),
        h(
          'td',
          {},
          timeElement(Date.parse(session.createdAt)),
          h('br'),
          h('span', { 'data-field': 'amr' }, describeAmr(session.amr)),
        ),
        h('td', {}, end),
      );
    });
    return h(
      'section',
      { class: 'panel', id: 'user-sessions', 'aria-labelledby': 'user-sessions-heading' },
      h('h2', { id: 'user-sessions-heading' }, `Sessions (${sessions.length})`),
      sessions.length === 0
        ? h('p', {}, `${name} is not signed in anywhere.`)
        : h(
            'table',
            { class: 'list' },
            h('caption', {}, `Where ${name} is signed in`),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['Device', 'Browser', 'Address', 'Last seen', 'Signed in (how)'].map((column) =>
                  h('th', { scope: 'col' }, column),
                ),
                h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
              ),
            ),
            h('tbody', {}, ...rows),
          ),
    );
  }

  void reload();
  return heading;
}
