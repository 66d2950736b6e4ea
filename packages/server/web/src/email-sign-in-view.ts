import type { EmailSignInResult, JwtgateClient } from '@jwtgate/client';
import { h } from './dom.js';
import { actionForm, deviceField, emailField, linkButton, mailedCodeField } from './forms.js';
import { keepPasswordRemoved, showPasswordRemoved } from './password-removed-view.js';
import { renderSecondStep } from './second-step-view.js';

/**
 * Signed in, or the second step drawn in `container`. Signed in, the page
 * is already the signed-in one (drawn when the client adopted the tokens):
 * a removed password is said at its top. Paused, the removal is kept for
 * the signed-in page the second step leads to, which says it there.
 */
function continueSignIn(container: HTMLElement, client: JwtgateClient, result: EmailSignInResult) {
  if ('mfaRequired' in result) {
    if (result.passwordRemoved) keepPasswordRemoved();
    renderSecondStep(container, client, result);
    return;
  }
  if (result.passwordRemoved) showPasswordRemoved(client);
}

/**
 * Sign-in by mail (`Auth.EmailSignIn`): asks for a link and code for an
 * address (the same words whatever the address), then takes the code typed
 * here; the link signs in from the mail itself. Replaces `container`'s
 * contents; `back` returns to the password form.
 */
export function renderEmailSignIn(
  container: HTMLElement,
  client: JwtgateClient,
  options: { readonly back: () => void; readonly device: string },
): HTMLElement {
  const heading = h('h2', { id: 'email-sign-in-heading', tabindex: '-1' }, 'Sign in by email');
  const email = emailField('sign-in-email');
  const { form } = actionForm({
    label: 'email-sign-in-heading',
    submit: 'Email me a link',
    children: [email.wrapper],
    extraActions: [linkButton('Back to sign in', options.back)],
    action: async () => {
      const address = email.input.value.trim();
      await client.requestEmailSignIn(address);
      const code = mailedCodeField('sign-in-code', '6 digits.');
      const codeForm = actionForm({
        label: 'email-sign-in-heading',
        submit: 'Sign in',
        children: [
          h(
            'p',
            { 'data-field': 'sign-in-sent' },
            `If an account has the address ${address}, a sign-in link and a code are on their way there. Open the link, or type the code here.`,
          ),
          code.wrapper,
        ],
        extraActions: [linkButton('Back to sign in', options.back)],
        action: async () => {
          continueSignIn(
            container,
            client,
            await client.signInWithEmail({ email: address, code: code.input.value.trim(), device: options.device }),
          );
        },
        failed: () => code.input.select(),
      });
      container.replaceChildren(heading, codeForm.form);
      code.input.focus();
    },
    failed: () => email.input.focus(),
  });
  container.replaceChildren(heading, form);
  heading.focus();
  return heading;
}

/**
 * Where a mailed sign-in link lands. It signs in only when the person
 * presses the button: a mail scanner that opens links does not spend it,
 * and nobody is signed in by a link they did not mean to follow.
 */
export function renderEmailSignInLanding(
  container: HTMLElement,
  client: JwtgateClient,
  secret: string,
  back: () => void,
): HTMLElement {
  const heading = h('h2', { id: 'link-sign-in-heading', tabindex: '-1' }, 'Sign in');
  const device = deviceField();
  const { form } = actionForm({
    label: 'link-sign-in-heading',
    submit: 'Sign in',
    children: [h('p', {}, 'You opened a sign-in link from your mail.'), device.wrapper],
    extraActions: [linkButton('Cancel', back)],
    action: async () => {
      continueSignIn(
        container,
        client,
        await client.signInWithEmail({ token: secret, device: device.input.value.trim() }),
      );
    },
  });
  container.replaceChildren(heading, form);
  heading.focus();
  return heading;
}
