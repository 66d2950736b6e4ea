import { busy, field, h } from '../dom.js';
import { timeElement } from '../format-time.js';
import { actionForm } from '../forms.js';
import type { Invitation, InvitationMade } from './admin-api.js';
import { describeAdminError } from './admin-messages.js';
import { confirmAction } from './confirm-dialog.js';
import { type ConsoleContext, pageLink } from './console-context.js';
import { selectField } from './select-field.js';

const STATUSES: readonly (readonly [string, string])[] = [
  ['', 'Any'],
  ['pending', 'Pending'],
  ['used', 'Used'],
  ['expired', 'Expired'],
  ['revoked', 'Revoked'],
];

const date = (iso: string) => timeElement(Date.parse(iso), new Date(iso).toLocaleString());

/** On a server that sends no mail: the link to pass on, shown this once. */
function linkNotice(made: InvitationMade & { readonly link: string }): HTMLElement {
  const { email } = made.invitation;
  const link = h('input', { type: 'text', readonly: true, id: 'invitation-link', 'aria-label': 'Invitation link' });
  link.value = made.link;
  return h(
    'div',
    { role: 'status', id: 'invitation-made' },
    h(
      'p',
      {},
      `This server sends no mail: give ${email} this link yourself. It is shown only now, and works once, until `,
      date(made.invitation.expiresAt),
      '.',
    ),
    link,
  );
}

/**
 * Invitations: make one (an address and a role), list them newest first,
 * filtered by status, page by page, and revoke a pending one after a
 * confirmation. The link is never listed: it goes by mail, or, on a server
 * that sends none, is shown once right after it is made.
 */
export function renderInvitations(root: HTMLElement, context: ConsoleContext, params: URLSearchParams): HTMLElement {
  const heading = h('h1', { tabindex: '-1' }, 'Invitations');
  const status = params.get('status') ?? '';

  const email = field({
    label: 'Email address',
    name: 'invite-email',
    type: 'email',
    autocomplete: 'off',
    required: true,
    maxlength: 254,
  });
  const role = field({
    label: 'Role',
    name: 'invite-role',
    autocomplete: 'off',
    required: true,
    maxlength: 32,
    hint: 'The new account gets it: user, admin, or another role of yours.',
  });
  role.input.value = 'user';
  const made = h('div', { 'data-field': 'invitation-made' });
  const { form } = actionForm({
    label: 'invite-heading',
    submit: 'Invite',
    children: [email.wrapper, role.wrapper],
    action: async () => {
      const answer = await context.api.invite(email.input.value.trim(), role.input.value.trim());
      made.replaceChildren(answer.link === undefined ? '' : linkNotice({ ...answer, link: answer.link }));
      context.announce(answer.mailed ? `Invitation mailed to ${answer.invitation.email}.` : 'Invitation made.');
      email.input.value = '';
      await reload();
    },
    failed: () => email.input.focus(),
  });

  const filter = selectField('Status', 'status', STATUSES, status);
  filter.select.addEventListener('change', () => {
    location.hash = pageLink('invitations', { status: filter.select.value });
  });

  const error = h('p', { class: 'form-error', role: 'alert' });
  const body = h('tbody');
  const summary = h('p', { class: 'hint', 'data-field': 'invitations-summary' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more');
  let cursor: string | null = null;
  let shown = 0;

  function row(invitation: Invitation): HTMLTableRowElement {
    const actions = h('td', {});
    if (invitation.status === 'pending') {
      const revoke = h('button', { type: 'button', class: 'danger' }, 'Revoke');
      revoke.addEventListener('click', () => {
        void busy(revoke, async () => {
          const confirmed = await confirmAction({
            title: `Revoke the invitation for ${invitation.email}?`,
            consequence:
              'Its link stops working at once: nobody can register with it. The address can be invited again.',
            confirm: 'Revoke invitation',
          });
          if (!confirmed) return;
          try {
            await context.api.revokeInvitation(invitation.id);
            context.announce(`The invitation for ${invitation.email} is revoked.`);
            await reload();
          } catch (failure) {
            error.textContent = describeAdminError(failure);
          }
        });
      });
      actions.append(revoke);
    }
    return h(
      'tr',
      { 'data-invitation-id': invitation.id },
      h('td', {}, invitation.email),
      h('td', {}, invitation.role),
      h(
        'td',
        {},
        h('span', { class: 'badge' }, invitation.status),
        invitation.userId === null
          ? null
          : h('a', { href: pageLink(`users/${encodeURIComponent(invitation.userId)}`) }, ' the account'),
      ),
      h('td', {}, date(invitation.createdAt)),
      // No administrator made it when `createdBy` is null: an operator ran `jwtgate invite create`.
      h(
        'td',
        {},
        invitation.createdBy === null
          ? 'command line'
          : h('a', { href: pageLink(`users/${encodeURIComponent(invitation.createdBy)}`) }, 'an administrator'),
      ),
      h('td', {}, date(invitation.expiresAt)),
      actions,
    );
  }

  async function load(): Promise<void> {
    error.textContent = '';
    try {
      const page = await context.api.invitations({
        ...(status === '' ? {} : { status }),
        ...(cursor === null ? {} : { cursor }),
      });
      body.append(...page.invitations.map(row));
      shown += page.invitations.length;
      cursor = page.nextCursor;
      more.hidden = cursor === null;
      summary.textContent =
        shown === 0 && cursor === null
          ? 'No invitation.'
          : `${shown} invitation${shown === 1 ? '' : 's'} shown${cursor === null ? '.' : '; there are more.'}`;
    } catch (failure) {
      error.textContent = describeAdminError(failure);
    }
  }
  async function reload(): Promise<void> {
    body.replaceChildren();
    cursor = null;
    shown = 0;
    await load();
  }
  more.addEventListener('click', () => {
    void busy(more, load);
  });

  root.replaceChildren(
    heading,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'invite-heading' },
      h('h2', { id: 'invite-heading' }, 'Invite someone'),
      h(
        'p',
        { class: 'hint' },
        'The invitation lets one person register with this address and role, even while registration is closed. Its link works once.',
      ),
      form,
      made,
    ),
    h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter invitations' }, filter.wrapper),
    error,
    h(
      'table',
      { class: 'list', id: 'invitations' },
      h('caption', {}, 'Invitations, newest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Email', 'Role', 'Status', 'Made', 'By', 'Expires', ''].map((name) => h('th', { scope: 'col' }, name)),
        ),
      ),
      body,
    ),
    summary,
    h('div', { class: 'actions' }, more),
  );
  void load();
  return heading;
}
