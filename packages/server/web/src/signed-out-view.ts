import type { JwtgateClient } from '@jwtgate/client';
import { busy, field, h } from './dom.js';
import { describeError } from './messages.js';
import { renderSecondStep } from './second-step-view.js';

/** A form's submit button and the place its errors are announced. */
function formParts(submitLabel: string): { button: HTMLButtonElement; error: HTMLParagraphElement } {
  return {
    button: h('button', { type: 'submit' }, submitLabel),
    error: h('p', { class: 'form-error', role: 'alert' }),
  };
}

/**
 * Sign in and sign up, side by side on wide screens and stacked on phones.
 * A new account is signed in at once.
 */
export function renderSignedOut(root: HTMLElement, client: JwtgateClient, notice?: string): HTMLElement {
  const signInHeading = h('h2', { id: 'sign-in-heading', tabindex: '-1' }, 'Sign in');
  const signInUser = field({ label: 'Username', name: 'username', autocomplete: 'username', required: true });
  const signInPassword = field({
    label: 'Password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const device = field({
    label: 'Device name (optional)',
    name: 'device',
    autocomplete: 'off',
    maxlength: 100,
    hint: 'Shown in your list of sessions, e.g. "Work laptop".',
  });
  const signIn = formParts('Sign in');
  const signInForm = h(
    'form',
    { 'aria-labelledby': 'sign-in-heading' },
    signIn.error,
    signInUser.wrapper,
    signInPassword.wrapper,
    device.wrapper,
    signIn.button,
  );
  signInForm.addEventListener('submit', (event) => {
    event.preventDefault();
    signIn.error.textContent = '';
    busy(signIn.button, async () => {
      const result = await client.login({
        username: signInUser.input.value,
        password: signInPassword.input.value,
        device: device.input.value.trim(),
      });
      if ('mfaRequired' in result) renderSecondStep(signInPanel, client, result);
    }).catch((error: unknown) => {
      signIn.error.textContent = describeError(error);
      signInPassword.input.select();
      signInPassword.input.focus();
    });
  });

  const signInPanel = h('section', { class: 'panel', 'aria-labelledby': 'sign-in-heading' }, signInHeading, signInForm);

  const signUpUser = field({ label: 'Username', name: 'new-username', autocomplete: 'username', required: true });
  const signUpPassword = field({
    label: 'Password',
    name: 'new-password',
    type: 'password',
    autocomplete: 'new-password',
    required: true,
    minlength: 8,
    maxlength: 1024,
    hint: '8 characters or more. A passphrase of a few words is easy to remember.',
  });
  const signUp = formParts('Create account');
  const signUpForm = h(
    'form',
    { 'aria-labelledby': 'sign-up-heading' },
    signUp.error,
    signUpUser.wrapper,
    signUpPassword.wrapper,
    signUp.button,
  );
  signUpForm.addEventListener('submit', (event) => {
    event.preventDefault();
    signUp.error.textContent = '';
    const credentials = { username: signUpUser.input.value, password: signUpPassword.input.value };
    busy(signUp.button, async () => {
      await client.register(credentials);
      await client.login(credentials);
    }).catch((error: unknown) => {
      signUp.error.textContent = describeError(error);
      signUpUser.input.focus();
    });
  });

  const signUpPanel = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'sign-up-heading' },
    h('h2', { id: 'sign-up-heading' }, 'Create an account'),
    signUpForm,
  );
  const panels = h('div', { class: 'panels two' }, signInPanel, signUpPanel);
  const view = h(
    'div',
    {},
    h('h1', {}, 'Your account'),
    notice === undefined ? null : h('p', { class: 'form-error', role: 'alert' }, notice),
    panels,
  );
  root.replaceChildren(view);
  hideSignUpIfClosed(signUpPanel, panels);
  return signInHeading;
}

/**
 * With registration closed (`Register.Enabled: false`) the sign-up form
 * would only ever answer an error: it goes. If the settings cannot be read,
 * it stays, and the server still refuses what it must.
 */
function hideSignUpIfClosed(signUpPanel: HTMLElement, panels: HTMLElement): void {
  fetch('/auth/settings', { credentials: 'same-origin' })
    .then((res) => (res.ok ? (res.json() as Promise<{ registrationOpen?: unknown }>) : null))
    .then((settings) => {
      if (settings?.registrationOpen !== false) return;
      signUpPanel.remove();
      panels.classList.remove('two');
    })
    .catch(() => {});
}
