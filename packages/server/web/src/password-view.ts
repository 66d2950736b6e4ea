import type { JwtgateClient } from '@jwtgate/client';
import { field, h, panel } from './dom.js';
import { actionForm, newPasswordField } from './forms.js';

/**
 * Changing the password while signed in: the current one is checked like a
 * login, this session stays and every other one ends (`changed` is told
 * how many, to refresh the list of sessions).
 */
export function createPasswordPanel(
  client: JwtgateClient,
  options: { readonly changed: (otherSessionsEnded: number) => void },
): { readonly element: HTMLElement } {
  const heading = h('h2', { id: 'password-heading' }, 'Password');
  const current = field({
    label: 'Current password',
    name: 'current-password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const next = newPasswordField('changed-password');
  const result = h('p', { class: 'status', role: 'status', 'data-field': 'password-result' });
  const { form } = actionForm({
    label: 'password-heading',
    submit: 'Change password',
    children: [current.wrapper, next.wrapper],
    action: async () => {
      result.textContent = '';
      const ended = await client.changePassword({
        currentPassword: current.input.value,
        newPassword: next.input.value,
      });
      form.reset();
      result.textContent =
        ended === 0
          ? 'Your password is changed.'
          : `Your password is changed, and ${ended} other ${ended === 1 ? 'session was' : 'sessions were'} signed out.`;
      options.changed(ended);
    },
    failed: () => current.input.select(),
  });
  const element = panel('password', heading, result, h('details', {}, h('summary', {}, 'Change your password'), form));
  return { element };
}
