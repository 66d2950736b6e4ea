import { h } from '../dom.js';
import type { Count, Overview } from './admin-api.js';
import { describeAdminError } from './admin-messages.js';
import { barChart } from './bar-chart.js';
import { type ConsoleContext, pageLink } from './console-context.js';

function figure(count: Count): string {
  return `${count.count.toLocaleString()}${count.capped ? '+' : ''}`;
}

function card(label: string, count: Count, name: string, link?: string): HTMLLIElement {
  const text = h('span', { class: 'label' }, label);
  return h(
    'li',
    { class: 'card', 'data-figure': name },
    h('span', { class: 'figure' }, figure(count)),
    link === undefined ? text : h('a', { href: link }, text),
  );
}

function hourLabel(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/**
 * The first page: how many users and active sessions there are, and the
 * last 24 hours from the audit trail (logins, failures, reuse detections,
 * rate-limited requests), with logins and failures per hour as a chart.
 */
export function renderOverview(root: HTMLElement, context: ConsoleContext): HTMLElement {
  const heading = h('h1', { tabindex: '-1' }, 'Overview');
  const error = h('p', { class: 'form-error', role: 'alert' });
  const content = h('div', {});
  root.replaceChildren(heading, error, content);

  function show(overview: Overview): void {
    const day = overview.last24h;
    const since = new Date(Date.parse(overview.at) - 86_400_000).toISOString();
    content.replaceChildren(
      h('h2', {}, 'Accounts'),
      h(
        'ul',
        { class: 'cards' },
        card('users', overview.users, 'users', pageLink('users')),
        card('administrators', overview.admins, 'admins', pageLink('users', { role: 'admin' })),
        card('disabled users', overview.disabledUsers, 'disabled', pageLink('users', { disabled: 'true' })),
        card('active sessions', overview.activeSessions, 'sessions'),
      ),
      h('h2', {}, 'Last 24 hours'),
      day === null
        ? h(
            'p',
            {},
            'The audit trail is not kept in the database (Audit.Database), so there are no figures for the last 24 hours.',
          )
        : h(
            'div',
            {},
            h(
              'ul',
              { class: 'cards' },
              card('logins', day.logins, 'logins', pageLink('audit', { event: 'login.succeeded', since })),
              card('failed logins', day.loginFailures, 'failures', pageLink('audit', { event: 'login.failed', since })),
              card(
                'reuse detections',
                day.reuseDetections,
                'reuse',
                pageLink('audit', { event: 'session.reuse-detected', since }),
              ),
              card(
                'rate-limited requests',
                day.rateLimited,
                'rate-limited',
                pageLink('audit', {
                  event: 'login.rate-limited,mfa.rate-limited,session.refresh-rate-exceeded',
                  since,
                }),
              ),
            ),
            h('h3', { id: 'chart-heading' }, 'Logins and failed logins per hour'),
            barChart(
              day.hourly.map((hour) => ({ label: hourLabel(hour.hour), values: [hour.logins, hour.failures] })),
              ['logins', 'failures'],
              `Logins per hour over the last 24 hours: ${day.logins.count} in all, ${day.loginFailures.count} failed.`,
            ),
            h(
              'p',
              { class: 'legend' },
              h('span', {}, h('span', { class: 'swatch logins' }), 'logins'),
              h('span', {}, h('span', { class: 'swatch failures' }), 'failed logins'),
            ),
          ),
      h(
        'p',
        { class: 'hint' },
        'Counted at ',
        new Date(overview.at).toLocaleString(),
        '. A "+" means counting stopped at its limit.',
      ),
    );
  }

  void context.api
    .overview()
    .then(show)
    .catch((failure: unknown) => {
      error.textContent = describeAdminError(failure);
    });
  return heading;
}
