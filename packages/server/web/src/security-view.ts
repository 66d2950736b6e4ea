import type { JwtgateClient, MfaStatus } from '@jwtgate/client';
import { busy, field, h } from './dom.js';
import { describeError } from './messages.js';
import { qrImage } from './qr-image.js';
import { recoveryCodesNotice, showKeptRecoveryCodes } from './recovery-codes-view.js';

/** A form asking for the password again before a change, with its own error line. */
function passwordForm(name: string, submitLabel: string, action: (password: string) => Promise<void>): HTMLFormElement {
  const password = field({
    label: 'Your password',
    name,
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit' }, submitLabel);
  const form = h('form', {}, error, password.wrapper, button);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    error.textContent = '';
    busy(button, () => action(password.input.value)).catch((failure: unknown) => {
      error.textContent = describeError(failure);
      password.input.select();
    });
  });
  return form;
}

/**
 * Security: whether an authenticator app is on, setting one up (password,
 * QR code, a code to confirm, recovery codes shown once), turning it off and
 * making new recovery codes.
 */
export function createSecurityPanel(client: JwtgateClient): { readonly element: HTMLElement; reload(): Promise<void> } {
  const heading = h('h2', { id: 'security-heading' }, 'Security');
  const status = h('p', { 'data-field': 'mfa-status' });
  const body = h('div', {});
  const error = h('p', { class: 'form-error', role: 'alert' });
  const notices = h('div', {});

  function showCodes(codes: readonly string[]): void {
    notices.replaceChildren(recoveryCodesNotice(codes));
  }
  showKeptRecoveryCodes(showCodes);

  function renderOff(): void {
    const start = passwordForm('enrol-password', 'Set up an authenticator app', async (password) => {
      const enrolment = await client.startEnrolment({ password });
      const code = field({
        label: 'Code the app shows',
        name: 'enrol-code',
        autocomplete: 'one-time-code',
        required: true,
      });
      code.input.setAttribute('inputmode', 'numeric');
      const confirmError = h('p', { class: 'form-error', role: 'alert' });
      const confirm = h('button', { type: 'submit' }, 'Turn on');
      const form = h(
        'form',
        {},
        h('p', {}, 'Scan this code with an authenticator app, then enter the code it shows.'),
        h('div', { class: 'qr-box' }, qrImage(enrolment.qrSvg, 'QR code for your authenticator app')),
        h('p', {}, 'Or type this key: ', h('code', { 'data-field': 'totp-secret' }, enrolment.secret)),
        confirmError,
        code.wrapper,
        confirm,
      );
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        confirmError.textContent = '';
        busy(confirm, async () => {
          const { recoveryCodes } = await client.confirmEnrolment({ code: code.input.value.trim() });
          showCodes(recoveryCodes);
          await reload();
        }).catch((failure: unknown) => {
          confirmError.textContent = describeError(failure);
          code.input.select();
        });
      });
      body.replaceChildren(form);
      code.input.focus();
    });
    body.replaceChildren(start);
  }

  function renderOn(mfa: MfaStatus): void {
    const renew = passwordForm('renew-password', 'Make new recovery codes', async (password) => {
      showCodes(await client.renewRecoveryCodes(password));
      await reload();
    });
    const off = passwordForm('disable-password', 'Turn the authenticator app off', async (password) => {
      await client.disableTotp({ password });
      notices.replaceChildren();
      await reload();
    });
    body.replaceChildren(
      h('details', {}, h('summary', {}, 'Recovery codes'), renew),
      h('details', {}, h('summary', {}, 'Turn off'), off),
    );
    if (mfa.recoveryCodesLeft <= 3) status.append(' Make new recovery codes soon.');
  }

  async function reload(): Promise<void> {
    error.textContent = '';
    try {
      const mfa = await client.mfaStatus();
      status.textContent = mfa.totp
        ? `Authenticator app: on. Recovery codes left: ${mfa.recoveryCodesLeft}.`
        : 'Authenticator app: off. Sign-ins need only your password.';
      if (mfa.totp) renderOn(mfa);
      else renderOff();
    } catch (failure) {
      error.textContent = describeError(failure);
    }
  }

  const element = h(
    'section',
    { class: 'panel', id: 'security', 'aria-labelledby': 'security-heading' },
    heading,
    error,
    status,
    notices,
    body,
  );
  return { element, reload };
}
