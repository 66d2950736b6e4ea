import type { AuthSettings, JwtgateClient } from '@jwtgate/client';
import { field, h } from './dom.js';
import { renderEmailSignIn } from './email-sign-in-view.js';
import { renderForgotPassword } from './forgot-password-view.js';
import { actionForm, deviceField, emailField, linkButton, newPasswordField } from './forms.js';
import { passkeySignInButton } from './passkeys-view.js';
import { passwordLogin } from './password-login.js';
import { renderSecondStep } from './second-step-view.js';

/** What the signed-out page needs besides the client. */
export interface SignedOutOptions {
  readonly settings: AuthSettings;
  /** Shown above the forms ("You are signed out."). */
  readonly notice?: string | undefined;
  /** Writes a line into the page's status region. */
  readonly announce: (message: string) => void;
}

/**
 * The sign-in panel's usual contents: email or username and password, with
 * the ways aside ("Forgot your password?", a mailed sign-in link) when the
 * server can send mail. Other ways to sign in go into `#other-sign-in`.
 * The admin console signs in with it too.
 *
 * @example
 * const heading = renderSignInForm(panel, client, settings);
 * heading.focus();
 */
export function renderSignInForm(panel: HTMLElement, client: JwtgateClient, settings: AuthSettings): HTMLElement {
  const back = () => renderSignInForm(panel, client, settings).focus();
  // The panel is named by whichever heading it shows now.
  const named = (heading: HTMLElement) => panel.setAttribute('aria-labelledby', heading.id);
  const heading = h('h2', { id: 'sign-in-heading', tabindex: '-1' }, 'Sign in');
  const login = field({ label: 'Email or username', name: 'username', autocomplete: 'username', required: true });
  const password = field({
    label: 'Password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const device = deviceField();
  const { form } = actionForm({
    label: 'sign-in-heading',
    submit: 'Sign in',
    children: [login.wrapper, password.wrapper, device.wrapper],
    extraActions: [
      settings.mail
        ? linkButton('Forgot your password?', () => named(renderForgotPassword(panel, client, back)))
        : null,
    ],
    action: async () => {
      const result = await passwordLogin(client, {
        login: login.input.value,
        password: password.input.value,
        device: device.input.value.trim(),
      });
      if ('mfaRequired' in result) named(renderSecondStep(panel, client, result));
    },
    failed: () => {
      password.input.select();
      password.input.focus();
    },
  });
  const otherWays = h(
    'div',
    { id: 'other-sign-in', class: 'other-ways' },
    settings.emailSignIn
      ? linkButton('Email me a sign-in link', () => named(renderEmailSignIn(panel, client, { back, device: '' })))
      : null,
    settings.passkeys ? passkeySignInButton(client, () => device.input.value.trim()) : null,
  );
  panel.replaceChildren(heading, form, otherWays);
  named(heading);
  return heading;
}

/**
 * The sign-up form: an address (required with `Auth.RequireEmail`), a
 * username (optional when an address is given: the server makes one) and a
 * password. A new account is signed in at once, unless the server answers
 * `accepted` (`Register.ConcealTakenEmail`): then the page says to check the mail.
 */
function signUpForm(client: JwtgateClient, options: SignedOutOptions): HTMLFormElement {
  const { settings } = options;
  const email = emailField('new-email', {
    required: settings.requireEmail,
    hint: settings.requireEmail
      ? 'We mail it a link to confirm it is yours.'
      : 'Optional. With an address you can reset a forgotten password.',
  });
  const username = field({
    label: 'Username',
    name: 'new-username',
    autocomplete: 'username',
    hint: 'Optional when you give an email address: one is made for you.',
  });
  const password = newPasswordField('new-password', 'Password');
  const { form, error } = actionForm({
    label: 'sign-up-heading',
    submit: 'Create account',
    children: [email.wrapper, username.wrapper, password.wrapper],
    action: async () => {
      const address = email.input.value.trim();
      const name = username.input.value;
      if (address === '' && name === '') {
        error.textContent = 'Enter an email address or a username.';
        email.input.focus();
        return;
      }
      const registered = await client.register({
        ...(address === '' ? {} : { email: address }),
        ...(name === '' ? {} : { username: name }),
        password: password.input.value,
      });
      if ('accepted' in registered) {
        // Register.ConcealTakenEmail: the same answer for a new address and a taken one; the mail says which.
        options.announce(
          `Check your mail at ${address}: we sent a link to confirm your address, or, if it already has an account, how to sign in.`,
        );
        password.input.value = '';
        return;
      }
      const identity = name === '' ? { email: address } : { username: name };
      const result = await client.login({ ...identity, password: password.input.value });
      if (!('mfaRequired' in result) && address !== '' && settings.mail) {
        options.announce(`We sent a link to ${address}: open it to confirm your address.`);
      }
    },
    failed: () => (email.input.value === '' ? username.input : email.input).focus(),
  });
  return form;
}

/**
 * Sign in and sign up, side by side on wide screens and stacked on phones;
 * sign in alone while registration is closed.
 * Returns the sign-in heading, for focus.
 *
 * @example
 * renderSignedOut(app, client, { settings, announce }).focus();
 */
export function renderSignedOut(root: HTMLElement, client: JwtgateClient, options: SignedOutOptions): HTMLElement {
  const signInPanel = h('section', { class: 'panel', 'aria-labelledby': 'sign-in-heading' });
  const heading = renderSignInForm(signInPanel, client, options.settings);
  const view = h(
    'div',
    {},
    h('h1', {}, 'Your account'),
    options.notice === undefined ? null : h('p', { class: 'form-error', role: 'alert' }, options.notice),
    // With registration closed (`Register.Enabled: false`) the form could only ever answer an error.
    options.settings.registrationOpen
      ? h(
          'div',
          { class: 'panels two' },
          signInPanel,
          h(
            'section',
            { class: 'panel', 'aria-labelledby': 'sign-up-heading' },
            h('h2', { id: 'sign-up-heading' }, 'Create an account'),
            signUpForm(client, options),
          ),
        )
      : h('div', { class: 'panels' }, signInPanel),
  );
  root.replaceChildren(view);
  return heading;
}
