import type { AuthSettings, JwtgateClient, PublicUser } from '@jwtgate/client';
import { busy, field, h, panel } from './dom.js';
import { actionForm, emailField, mailedCodeField } from './forms.js';
import { describeError } from './messages.js';

/**
 * The account's email address: whether it is confirmed, sending the
 * confirmation again, the code from that mail, and a change of address
 * (confirmed from a link mailed to the new one; the old one is told).
 * Without mail on the server it only shows the address.
 */
export function createEmailPanel(
  client: JwtgateClient,
  settings: AuthSettings,
): { readonly element: HTMLElement; show(user: PublicUser): void } {
  const heading = h('h2', { id: 'email-heading' }, 'Email address');
  const address = h('dd', { 'data-field': 'email' });
  const state = h('dd', { 'data-field': 'email-state' });
  const result = h('p', { class: 'status', role: 'status', 'data-field': 'email-result' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const verifyBox = h('div', {});
  const changeBox = h('div', {});

  function verification(): HTMLElement {
    const resend = h('button', { type: 'button', class: 'secondary' }, 'Send the confirmation again');
    resend.addEventListener('click', () => {
      error.textContent = '';
      result.textContent = '';
      busy(resend, async () => {
        const sent = await client.sendEmailVerification();
        result.textContent = sent
          ? `A new link and code are on their way to ${address.textContent}. Use the code of this newest mail.`
          : 'Your address is confirmed already.';
      }).catch((failure: unknown) => {
        error.textContent = describeError(failure);
      });
    });
    const code = mailedCodeField('verify-code', '6 digits; or open the link in the mail.');
    const { form } = actionForm({
      label: 'verify-heading',
      submit: 'Confirm',
      children: [code.wrapper],
      extraActions: [resend],
      action: async () => {
        const confirmed = await client.verifyEmail({ code: code.input.value.trim() });
        result.textContent = `Your address ${confirmed.email} is confirmed.`;
        showState(confirmed.email, confirmed.emailVerified);
      },
      failed: () => code.input.select(),
    });
    return h('div', {}, h('h3', { id: 'verify-heading' }, 'Confirm your address'), form);
  }

  function changeForm(hasAddress: boolean): HTMLElement {
    const next = emailField('new-address', { label: 'New email address' });
    const password = field({
      label: 'Your password',
      name: 'email-password',
      type: 'password',
      autocomplete: 'current-password',
      required: true,
    });
    const { form } = actionForm({
      submit: hasAddress ? 'Change address' : 'Add address',
      children: [next.wrapper, password.wrapper],
      action: async () => {
        const newEmail = next.input.value.trim();
        await client.changeEmail({ newEmail, password: password.input.value });
        form.reset();
        result.textContent = hasAddress
          ? `We sent a link to ${newEmail}. Your address changes when you open it; until then it stays ${address.textContent}.`
          : `We sent a link to ${newEmail}. The address is added when you open it.`;
      },
      failed: () => password.input.select(),
    });
    return h('details', {}, h('summary', {}, hasAddress ? 'Change your address' : 'Add an address'), form);
  }

  function showState(email: string | undefined, verified: boolean | undefined): void {
    address.textContent = email ?? 'None';
    state.textContent = email === undefined ? '—' : verified ? 'Confirmed' : 'Not confirmed yet';
    verifyBox.replaceChildren(settings.mail && email !== undefined && verified === false ? verification() : '');
  }

  function show(user: PublicUser): void {
    showState(user.email, user.emailVerified);
    changeBox.replaceChildren(settings.mail ? changeForm(user.email !== undefined) : '');
  }

  const element = panel(
    'email',
    heading,
    error,
    result,
    h('dl', { class: 'facts' }, h('dt', {}, 'Address'), address, h('dt', {}, 'State'), state),
    verifyBox,
    changeBox,
  );
  return { element, show };
}
