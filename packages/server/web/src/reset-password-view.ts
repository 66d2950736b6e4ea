import type { JwtgateClient } from '@jwtgate/client';
import { field, h } from './dom.js';
import { actionForm, linkButton, newPasswordField } from './forms.js';
import { describeError, hasCode } from './messages.js';
import { passwordLogin } from './password-login.js';
import { renderSecondStep } from './second-step-view.js';

/**
 * Where a mailed reset link lands: a new password, then a sign-in with it.
 * The form asks for the email or username too, because the link does not
 * say whose account it is, and the page signs in with it after the reset
 * (password managers also file the new password under it). A link that
 * cannot be used says so plainly and offers a new one; a password that is
 * refused leaves the link usable for another try.
 */
export function renderResetPassword(
  container: HTMLElement,
  client: JwtgateClient,
  secret: string,
  options: { readonly signIn: () => void; readonly askAgain: () => void },
): HTMLElement {
  const heading = h('h2', { id: 'reset-heading', tabindex: '-1' }, 'Choose a new password');
  const login = field({
    label: 'Email or username',
    name: 'username',
    autocomplete: 'username',
    required: true,
    hint: 'Of the account whose password you are resetting; you are signed in with it afterwards.',
  });
  const password = newPasswordField('reset-password');

  function showResult(title: string, message: string, action: HTMLButtonElement): void {
    const resultHeading = h('h2', { id: 'reset-result-heading', tabindex: '-1' }, title);
    container.replaceChildren(
      resultHeading,
      h('p', { 'data-field': 'reset-result' }, message),
      h('div', { class: 'actions' }, action),
    );
    resultHeading.focus();
  }

  const { form } = actionForm({
    label: 'reset-heading',
    submit: 'Set the new password',
    children: [
      h('p', {}, 'Setting it signs you out on every device; you are then signed in here with the new password.'),
      login.wrapper,
      password.wrapper,
    ],
    action: async () => {
      const newPassword = password.input.value;
      try {
        await client.resetPassword({ token: secret, newPassword });
      } catch (error) {
        if (!hasCode(error, 'ERR_EMAIL_TOKEN_INVALID')) throw error;
        showResult(
          'This link cannot be used',
          'It has expired, was used already, or your password changed since it was sent. Ask for a new link.',
          linkButton('Ask for a new link', options.askAgain),
        );
        return;
      }
      try {
        const result = await passwordLogin(client, { login: login.input.value, password: newPassword });
        if ('mfaRequired' in result) renderSecondStep(container, client, result);
      } catch (error) {
        showResult(
          'Your password is changed',
          `Your new password is set and every session has ended, but signing in here failed: ${describeError(error)} Sign in with your new password.`,
          linkButton('Go to sign in', options.signIn),
        );
      }
    },
    failed: () => password.input.select(),
  });
  container.replaceChildren(heading, form);
  heading.focus();
  return heading;
}
