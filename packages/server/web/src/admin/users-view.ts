import { busy, field, h } from '../dom.js';
import { timeElement } from '../format-time.js';
import { describeError } from '../messages.js';
import type { ListedUser, UserQuery } from './admin-api.js';
import { type ConsoleContext, pageLink } from './console-context.js';
import { selectField } from './select-field.js';

const YES_NO = (yes: string, no: string): readonly (readonly [string, string])[] => [
  ['', 'Any'],
  ['true', yes],
  ['false', no],
];

function flag(value: string | null): boolean | undefined {
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

/** The listing's query as the page's address holds it, so that a search can be linked and survives Back. */
function queryOf(params: URLSearchParams): UserQuery {
  const searchIn = params.get('searchIn') === 'email' ? 'email' : 'username';
  const read = (name: string) => params.get(name) ?? undefined;
  return {
    search: read('search'),
    searchIn,
    role: read('role'),
    disabled: flag(params.get('disabled')),
    verified: flag(params.get('verified')),
    secondFactor: flag(params.get('secondFactor')),
  };
}

function userRow(user: ListedUser, selfId: string): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-user-id': user.id },
    h(
      'td',
      {},
      h('a', { href: pageLink(`users/${encodeURIComponent(user.id)}`) }, user.username),
      user.id === selfId ? h('span', { class: 'badge' }, 'you') : null,
    ),
    h(
      'td',
      {},
      user.email ?? '—',
      user.email === undefined
        ? null
        : h('span', { class: 'badge' }, user.emailVerified === true ? 'verified' : 'not verified'),
    ),
    h('td', {}, user.role),
    h('td', {}, user.disabled ? h('span', { class: 'badge warn' }, 'disabled') : 'enabled'),
    h('td', {}, user.secondFactor ? 'authenticator app' : 'none'),
    h('td', {}, timeElement(Date.parse(user.createdAt), new Date(user.createdAt).toLocaleDateString())),
  );
}

/**
 * Users: a search by the start of a username or an email address, filters
 * (role, disabled, verified address, second factor), and the matching users
 * page by page ("Show more" follows the server's keyset cursor).
 */
export function renderUsers(root: HTMLElement, context: ConsoleContext, params: URLSearchParams): HTMLElement {
  const query = queryOf(params);
  const heading = h('h1', { tabindex: '-1' }, 'Users');
  const search = field({
    label: 'Search',
    name: 'search',
    autocomplete: 'off',
    hint: 'The start of a name or address.',
  });
  search.input.value = query.search ?? '';
  const searchIn = selectField(
    'Search in',
    'searchIn',
    [
      ['username', 'Usernames'],
      ['email', 'Email addresses'],
    ],
    query.searchIn ?? 'username',
  );
  const role = field({ label: 'Role', name: 'role', autocomplete: 'off', maxlength: 64 });
  role.input.value = query.role ?? '';
  const disabled = selectField('State', 'disabled', YES_NO('Disabled', 'Enabled'), params.get('disabled') ?? '');
  const verified = selectField('Email', 'verified', YES_NO('Verified', 'Not verified'), params.get('verified') ?? '');
  const secondFactor = selectField(
    'Second factor',
    'secondFactor',
    YES_NO('Set up', 'None'),
    params.get('secondFactor') ?? '',
  );
  const submit = h('button', { type: 'submit' }, 'Search');
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Find users' },
    search.wrapper,
    searchIn.wrapper,
    role.wrapper,
    disabled.wrapper,
    verified.wrapper,
    secondFactor.wrapper,
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = pageLink('users', {
      search: search.input.value.trim(),
      searchIn: searchIn.select.value === 'email' ? 'email' : undefined,
      role: role.input.value.trim(),
      disabled: disabled.select.value,
      verified: verified.select.value,
      secondFactor: secondFactor.select.value,
    });
  });

  const error = h('p', { class: 'form-error', role: 'alert' });
  const body = h('tbody');
  const summary = h('p', { class: 'hint', 'data-field': 'users-summary' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more');
  let cursor: string | null = null;
  let shown = 0;

  async function load(): Promise<void> {
    error.textContent = '';
    try {
      const page = await context.api.listUsers({ ...query, ...(cursor === null ? {} : { cursor }) });
      body.append(...page.users.map((user) => userRow(user, context.selfId)));
      shown += page.users.length;
      cursor = page.nextCursor;
      more.hidden = cursor === null;
      summary.textContent =
        shown === 0 && cursor === null
          ? 'No user matches.'
          : `${shown} user${shown === 1 ? '' : 's'} shown${cursor === null ? '.' : '; there may be more.'}`;
    } catch (failure) {
      error.textContent = describeError(failure);
    }
  }
  more.addEventListener('click', () => {
    void busy(more, load);
  });

  root.replaceChildren(
    heading,
    form,
    error,
    h(
      'table',
      { class: 'list', id: 'users' },
      h('caption', {}, 'Users in username order'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Username', 'Email', 'Role', 'State', 'Second factor', 'Created'].map((name) =>
            h('th', { scope: 'col' }, name),
          ),
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
