import type { JwtgateClient } from '@jwtgate/client';
import { h, panel } from './dom.js';
import { actionForm } from './forms.js';

/** A removed password said by a sign-in that paused for a second factor, kept for the signed-in page that follows. */
let pending = false;

/**
 * Keeps the notice for the signed-in page that follows: the emailed sign-in
 * that removed the password paused for a second factor, and only the
 * answer of that paused step says so.
 */
export function keepPasswordRemoved(): void {
  pending = true;
}

/** Whether a notice was kept, once: a second call answers `false`. */
export function takePasswordRemoved(): boolean {
  const kept = pending;
  pending = false;
  return kept;
}

/**
 * Shown once, at the top of the signed-in page, after an emailed sign-in
 * that was the first proof of the account's address and so removed the
 * password set before it (docs/accounts.md): without it the owner would
 * find later that their password no longer works and not know why. Only the
 * holder of the mailbox, signed in as the account, ever sees it. It offers
 * to set a password: a reset link mailed to the account's address.
 */
function createPasswordRemovedNotice(client: JwtgateClient): HTMLElement {
  const heading = h('h2', { tabindex: '-1' }, 'Your password was removed');
  const result = h('p', { class: 'status', role: 'status', 'data-field': 'password-removed-result' });
  const { form } = actionForm({
    label: 'password-removed-heading',
    submit: 'Email me a link to set a password',
    children: [],
    action: async () => {
      const { user } = await client.me();
      if (user.email == null) return;
      await client.requestPasswordReset(user.email);
      form.remove();
      result.textContent = `A link to set a password is on its way to ${user.email}. It works once, for a short time.`;
    },
  });
  return panel(
    'password-removed',
    heading,
    h(
      'p',
      { 'data-field': 'password-removed' },
      'This sign-in was the first time your email address was confirmed, so the password this account had until now was removed: whoever chose it may not have owned the address. It no longer works. You can keep signing in by email, or set a new password.',
    ),
    form,
    result,
  );
}

/**
 * Puts the notice at the top of the signed-in page, where it takes the
 * focus, so that a screen reader says it first.
 *
 * @example
 * if (takePasswordRemoved()) showPasswordRemoved(client);
 */
export function showPasswordRemoved(client: JwtgateClient): void {
  const notice = createPasswordRemovedNotice(client);
  document.querySelector('.panels')?.prepend(notice);
  notice.querySelector('h2')?.focus();
}
