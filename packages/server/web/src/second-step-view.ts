import type { JwtgateClient, SecondFactorChallenge } from '@jwtgate/client';
import { busy, field, h } from './dom.js';
import { describeError } from './messages.js';
import { passkeyEnrolmentButton, passkeyStepButton } from './passkeys-view.js';
import { qrImage } from './qr-image.js';
import { keepRecoveryCodes } from './recovery-codes-view.js';

/**
 * The second step of a sign-in the server paused: a code from the
 * authenticator app (or a recovery code), or, for a role that needs a second
 * factor and has none yet, adding a passkey or setting the app up first. Replaces the sign-in
 * form's contents; succeeding signs in, and the page moves on by itself.
 */
export function renderSecondStep(
  container: HTMLElement,
  client: JwtgateClient,
  challenge: SecondFactorChallenge,
): HTMLElement {
  const heading = h('h2', { id: 'second-step-heading', tabindex: '-1' }, 'Second step');
  const error = h('p', { class: 'form-error', role: 'alert' });
  const code = field({
    label: 'Code from your authenticator app',
    name: 'code',
    autocomplete: 'one-time-code',
    required: true,
    maxlength: 64,
  });
  code.input.setAttribute('inputmode', 'numeric');
  const submit = h('button', { type: 'submit' }, challenge.enrollmentRequired ? 'Turn on and sign in' : 'Verify');
  const form = h('form', { 'aria-labelledby': 'second-step-heading' }, error);

  if (challenge.enrollmentRequired) {
    const intro = h('p', {}, 'Your account needs a second factor: add a passkey, or set up an authenticator app.');
    const passkey = h('div', { class: 'actions' });
    const appIntro = h('p', {}, 'Scan this code with an authenticator app, then enter the code it shows.');
    const secret = h('code', { 'data-field': 'totp-secret' });
    const qr = h('div', { class: 'qr-box' });
    form.append(intro, passkey, appIntro, qr, h('p', {}, 'Or type this key: ', secret), code.wrapper, submit);
    // Offered only where both ends can: a browser that makes passkeys, a server with a relying party.
    if (typeof PublicKeyCredential === 'function') {
      client.settings().then(
        (settings) => {
          if (!settings.passkeys) return;
          passkey.replaceChildren(passkeyEnrolmentButton(client, challenge, error));
        },
        () => {},
      );
    }
    client.startEnrolment({ mfaToken: challenge.mfaToken }).then(
      (enrolment) => {
        qr.replaceChildren(qrImage(enrolment.qrSvg, 'QR code for your authenticator app'));
        secret.textContent = enrolment.secret;
      },
      (failure: unknown) => {
        error.textContent = describeError(failure);
      },
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      error.textContent = '';
      busy(submit, async () => {
        const { recoveryCodes } = await client.confirmEnrolment({
          mfaToken: challenge.mfaToken,
          code: code.input.value.trim(),
        });
        keepRecoveryCodes(recoveryCodes);
      }).catch((failure: unknown) => {
        error.textContent = describeError(failure);
        code.input.select();
      });
    });
  } else {
    let method: 'totp' | 'recovery' = 'totp';
    const label = code.wrapper.querySelector('label') as HTMLLabelElement;
    const toggle = h('button', { type: 'button', class: 'secondary' }, 'Use a recovery code');
    toggle.hidden = !challenge.methods.includes('recovery');
    toggle.addEventListener('click', () => {
      method = method === 'totp' ? 'recovery' : 'totp';
      label.textContent = method === 'totp' ? 'Code from your authenticator app' : 'Recovery code';
      code.input.setAttribute('inputmode', method === 'totp' ? 'numeric' : 'text');
      toggle.textContent = method === 'totp' ? 'Use a recovery code' : 'Use the authenticator app';
      code.input.value = '';
      code.input.focus();
    });
    const codes = challenge.methods.includes('totp') || challenge.methods.includes('recovery');
    const passkey = challenge.methods.includes('webauthn') ? passkeyStepButton(client, challenge, error) : null;
    if (!challenge.methods.includes('totp') && codes) toggle.click();
    form.append(
      ...(codes ? [code.wrapper] : []),
      h(
        'div',
        { class: 'actions' },
        passkey,
        codes ? submit : null,
        challenge.methods.includes('totp') ? toggle : null,
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      error.textContent = '';
      busy(submit, () =>
        client.verifySecondFactor({ mfaToken: challenge.mfaToken, method, code: code.input.value.trim() }),
      ).catch((failure: unknown) => {
        error.textContent = describeError(failure);
        code.input.select();
        code.input.focus();
      });
    });
  }
  container.replaceChildren(heading, form);
  heading.focus();
  return heading;
}
