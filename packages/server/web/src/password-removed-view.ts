import type { JwtgateClient } from '@jwtgate/client';
import { h, panel } from './dom.js';
import { actionForm } from './forms.js';

/**
 * Shown once, at the top of the signed-in page, after an emailed sign-in
 * that was the first proof of the account's address and so removed the
 * password set before it (docs/accounts.md): without it the owner would
 * find later that their password no longer works and not know why. Only the
 * holder of the mailbox, signed in as the account, ever sees it. It offers
 * to set a password: a reset link mailed to the account's address.
 *
 * @example
 * document.querySelector('.panels')?.prepend(createPasswordRemovedNotice(client));
 */
export function createPasswordRemovedNotice(client: JwtgateClient): HTMLElement {
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
