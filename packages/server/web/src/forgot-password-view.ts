import type { JwtgateClient } from '@jwtgate/client';
import { h } from './dom.js';
import { actionForm, emailField, linkButton } from './forms.js';

/**
 * "Forgot your password?": asks for a reset link by mail. The page says the
 * same thing whatever the address, as the server answers the same: nobody
 * learns here which addresses have accounts. Replaces `container`'s
 * contents; `back` returns to the sign-in form.
 */
export function renderForgotPassword(container: HTMLElement, client: JwtgateClient, back: () => void): HTMLElement {
  const heading = h('h2', { id: 'forgot-heading', tabindex: '-1' }, 'Reset your password');
  const email = emailField('forgot-email', {
    hint: 'The address of your account. We mail it a link to choose a new password.',
  });
  const { form } = actionForm({
    label: 'forgot-heading',
    submit: 'Send me a link',
    children: [email.wrapper],
    extraActions: [linkButton('Back to sign in', back)],
    action: async () => {
      const address = email.input.value.trim();
      await client.requestPasswordReset(address);
      const done = h('h2', { id: 'forgot-sent-heading', tabindex: '-1' }, 'Check your mail');
      container.replaceChildren(
        done,
        h(
          'p',
          { 'data-field': 'forgot-sent' },
          `If an account has the address ${address}, a link to choose a new password is on its way there. The link works once, for a short time.`,
        ),
        h(
          'p',
          { class: 'hint' },
          'Nothing after a few minutes? Look in your spam folder, or check the address and ask again.',
        ),
        h('div', { class: 'actions' }, linkButton('Back to sign in', back)),
      );
      done.focus();
    },
    failed: () => email.input.focus(),
  });
  container.replaceChildren(heading, form);
  heading.focus();
  return heading;
}
