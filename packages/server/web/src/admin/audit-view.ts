import { describeAgent } from '../describe-agent.js';
import { busy, field, h } from '../dom.js';
import { timeElement } from '../format-time.js';
import type { AuditEntry, AuditQuery } from './admin-api.js';
import { describeAdminError } from './admin-messages.js';
import { type ConsoleContext, pageLink } from './console-context.js';
import { describeDetails, describeEvent } from './describe-event.js';
import { selectField } from './select-field.js';

const OUTCOMES: readonly (readonly [string, string])[] = [
  ['', 'Any'],
  ['success', 'Success'],
  ['failure', 'Failure'],
  ['denied', 'Denied'],
  ['alert', 'Alert'],
];

/** `datetime-local` input values (local time) to RFC 3339, which the API takes. */
function toIso(local: string): string | undefined {
  if (local === '') return undefined;
  const at = new Date(local);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/** RFC 3339 back to a `datetime-local` value, for a filter read from the address. */
function toLocalInput(iso: string | null): string {
  if (iso === null) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  return new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function queryOf(params: URLSearchParams): AuditQuery {
  const read = (name: string) => params.get(name) ?? undefined;
  const events = (params.get('event') ?? '')
    .split(',')
    .map((event) => event.trim())
    .filter((event) => event !== '');
  return {
    userId: read('userId'),
    sessionId: read('sessionId'),
    ...(events.length === 0 ? {} : { event: events }),
    outcome: read('outcome'),
    ip: read('ip'),
    since: read('since'),
    until: read('until'),
  };
}

function userLink(id: string | null): Node | string {
  return id === null ? '—' : h('a', { href: pageLink(`users/${encodeURIComponent(id)}`) }, id);
}

function recordRow(record: AuditEntry): HTMLTableRowElement {
  const at = Date.parse(record.at);
  return h(
    'tr',
    { 'data-record-id': record.id, 'data-event': record.event },
    h('td', {}, timeElement(at)),
    h('td', {}, h('strong', {}, describeEvent(record.event)), h('br'), h('code', {}, record.event)),
    h('td', {}, h('span', { class: record.outcome === 'success' ? 'badge' : 'badge warn' }, record.outcome)),
    h(
      'td',
      {},
      userLink(record.userId),
      record.actorId === null ? null : h('span', {}, h('br'), 'by ', userLink(record.actorId)),
    ),
    h(
      'td',
      {},
      record.ip ?? '—',
      record.userAgent === null ? null : h('span', {}, h('br'), describeAgent(record.userAgent)),
    ),
    h(
      'td',
      { class: 'details' },
      describeDetails(record),
      record.requestId === null ? null : h('span', {}, h('br'), `request ${record.requestId}`),
    ),
  );
}

/**
 * The audit trail, newest first, with the API's filters (user, session,
 * events, outcome, address, time range) and "Older records" to page on.
 * The filters live in the page's address, so a user's page links here.
 */
export function renderAudit(root: HTMLElement, context: ConsoleContext, params: URLSearchParams): HTMLElement {
  const query = queryOf(params);
  const heading = h('h1', { tabindex: '-1' }, query.userId === undefined ? 'Audit trail' : 'Audit trail of one user');
  const inputs = {
    userId: field({ label: 'User id', name: 'userId', autocomplete: 'off', maxlength: 64 }),
    sessionId: field({ label: 'Session id', name: 'sessionId', autocomplete: 'off', maxlength: 64 }),
    event: field({ label: 'Events', name: 'event', autocomplete: 'off', hint: 'e.g. login.failed, session.revoked' }),
    ip: field({ label: 'Address', name: 'ip', autocomplete: 'off', maxlength: 64 }),
    since: field({ label: 'From', name: 'since', type: 'datetime-local', autocomplete: 'off' }),
    until: field({ label: 'Until', name: 'until', type: 'datetime-local', autocomplete: 'off' }),
  };
  inputs.userId.input.value = query.userId ?? '';
  inputs.sessionId.input.value = query.sessionId ?? '';
  inputs.event.input.value = (query.event ?? []).join(', ');
  inputs.ip.input.value = query.ip ?? '';
  inputs.since.input.value = toLocalInput(params.get('since'));
  inputs.until.input.value = toLocalInput(params.get('until'));
  const outcome = selectField('Outcome', 'outcome', OUTCOMES, params.get('outcome') ?? '');
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter the audit trail' },
    ...Object.values(inputs).map((input) => input.wrapper),
    outcome.wrapper,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Filter')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = pageLink('audit', {
      userId: inputs.userId.input.value.trim(),
      sessionId: inputs.sessionId.input.value.trim(),
      event: inputs.event.input.value.replace(/\s+/g, ''),
      outcome: outcome.select.value,
      ip: inputs.ip.input.value.trim(),
      since: toIso(inputs.since.input.value),
      until: toIso(inputs.until.input.value),
    });
  });

  const error = h('p', { class: 'form-error', role: 'alert' });
  const body = h('tbody');
  const summary = h('p', { class: 'hint' });
  const older = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Older records');
  let cursor: string | null = null;
  let shown = 0;

  async function load(): Promise<void> {
    error.textContent = '';
    try {
      const page = await context.api.audit({ ...query, ...(cursor === null ? {} : { cursor }) });
      body.append(...page.records.map(recordRow));
      shown += page.records.length;
      cursor = page.nextCursor;
      older.hidden = cursor === null;
      summary.textContent =
        shown === 0 ? 'No record matches.' : `${shown} record${shown === 1 ? '' : 's'} shown, newest first.`;
    } catch (failure) {
      error.textContent = describeAdminError(failure);
    }
  }
  older.addEventListener('click', () => {
    void busy(older, load);
  });

  root.replaceChildren(
    heading,
    form,
    error,
    h(
      'table',
      { class: 'list', id: 'audit' },
      h('caption', {}, 'Audit records, newest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['When', 'Event', 'Outcome', 'Who', 'From', 'Details and request'].map((name) =>
            h('th', { scope: 'col' }, name),
          ),
        ),
      ),
      body,
    ),
    summary,
    h('div', { class: 'actions' }, older),
  );
  void load();
  return heading;
}
