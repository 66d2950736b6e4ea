import type { JwtgateClient } from '@jwtgate/client';
import { field, h } from './dom.js';
import { actionForm, linkButton, newPasswordField } from './forms.js';
import { describeError } from './messages.js';
import { renderSecondStep } from './second-step-view.js';

/**
 * Where an invitation link lands: the sign-up form, even while sign-up is
 * otherwise closed, with the invited address fixed (the account gets it,
 * already confirmed). The invitation is looked at first, so a used or
 * expired one says so before anyone types a password; registering uses it,
 * then the new account is signed in. `back` goes to the usual page.
 *
 * @example
 * renderInvitationLanding(panel, client, secret, () => leaveLanding());
 */
export function renderInvitationLanding(
  container: HTMLElement,
  client: JwtgateClient,
  secret: string,
  back: () => void,
): HTMLElement {
  const heading = h('h2', { id: 'invitation-heading', tabindex: '-1' }, 'Create your account');
  const checking = h('p', { 'data-field': 'invitation-state' }, 'Checking your invitation…');
  container.replaceChildren(heading, checking);
  heading.focus();
  client.openInvitation(secret).then(
    ({ email }) => container.replaceChildren(heading, invitationForm(container, client, secret, email, back)),
    (error: unknown) =>
      container.replaceChildren(
        heading,
        h('p', { class: 'form-error', role: 'alert' }, describeError(error)),
        h('div', { class: 'actions' }, linkButton('Go to sign in', back)),
      ),
  );
  return heading;
}

function invitationForm(
  container: HTMLElement,
  client: JwtgateClient,
  secret: string,
  email: string,
  back: () => void,
): HTMLFormElement {
  const address = field({
    label: 'Email address',
    name: 'invited-email',
    type: 'email',
    autocomplete: 'email',
    hint: 'You were invited at this address; it is already confirmed.',
  });
  address.input.value = email;
  address.input.readOnly = true;
  const username = field({
    label: 'Username',
    name: 'new-username',
    autocomplete: 'username',
    hint: 'Optional: one is made for you. You can always sign in with your email address.',
  });
  const password = newPasswordField('new-password', 'Password');
  const { form } = actionForm({
    label: 'invitation-heading',
    submit: 'Create account',
    children: [
      h('p', {}, 'You were invited to create an account.'),
      address.wrapper,
      username.wrapper,
      password.wrapper,
    ],
    extraActions: [linkButton('Cancel', back)],
    action: async () => {
      const name = username.input.value;
      await client.register({
        invitation: secret,
        password: password.input.value,
        ...(name === '' ? {} : { username: name }),
      });
      const result = await client.login({ email, password: password.input.value });
      if ('mfaRequired' in result) renderSecondStep(container, client, result);
    },
    failed: () => (username.input.value === '' ? password.input : username.input).focus(),
  });
  return form;
}
