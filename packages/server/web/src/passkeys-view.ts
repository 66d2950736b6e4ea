import type { JwtgateClient, PasskeyInfo, SecondFactorChallenge } from '@jwtgate/client';
import { busy, field, h } from './dom.js';
import { timeElement } from './format-time.js';
import { describeError, hasCode } from './messages.js';

/** Plain words for a refused passkey change; a stale sign-in asks for a fresh one. */
function describePasskeyError(failure: unknown): string {
  if (hasCode(failure, 'ERR_INSUFFICIENT_AUTHENTICATION')) {
    return 'To change your passkeys, sign out and sign in again (with your second factor, if you have one).';
  }
  return describeError(failure);
}

/** Whether this browser can make and use passkeys at all. */
function browserHasPasskeys(): boolean {
  return typeof PublicKeyCredential === 'function';
}

/**
 * Passkeys: the list (name, kind, when made and last used), adding one
 * (the password first, then the browser makes it), renaming and removing
 * one; removing the last second factor asks for the password.
 */
export function createPasskeysPanel(client: JwtgateClient): { readonly element: HTMLElement; reload(): Promise<void> } {
  const heading = h('h2', { id: 'passkeys-heading' }, 'Passkeys');
  const intro = h(
    'p',
    {},
    'A passkey signs you in with your fingerprint, face or screen lock, without a password, and is a second factor after one.',
  );
  const error = h('p', { class: 'form-error', role: 'alert' });
  const list = h('ul', { class: 'passkey-list', 'data-field': 'passkey-list' });
  const name = field({ label: 'Name for a new passkey', name: 'passkey-name', autocomplete: 'off', maxlength: 64 });
  // Asked before the browser makes the key, as setting up an app asks: a passkey signs in without the password.
  // Not required: an account without a password (passwordless, or through a provider) has none to give.
  const addPassword = field({
    label: 'Your password',
    name: 'passkey-add-password',
    type: 'password',
    autocomplete: 'current-password',
    hint: 'Leave it empty only if your account has no password.',
  });
  const add = h('button', { type: 'submit' }, 'Add a passkey');
  const addForm = h(
    'form',
    { 'aria-labelledby': 'passkeys-heading' },
    name.wrapper,
    addPassword.wrapper,
    h('div', { class: 'actions' }, add),
  );
  addForm.addEventListener('submit', (event) => {
    event.preventDefault();
    error.textContent = '';
    const password = addPassword.input.value;
    busy(add, async () => {
      await client.addPasskey({ name: name.input.value.trim(), ...(password === '' ? {} : { password }) });
      name.input.value = '';
      addPassword.input.value = '';
      await reload();
    }).catch((failure: unknown) => {
      error.textContent =
        password === '' && hasCode(failure, 'ERR_REAUTHENTICATION_FAILED')
          ? 'Enter your password to add a passkey.'
          : describePasskeyError(failure);
      addPassword.input.select();
    });
  });
  if (!browserHasPasskeys()) {
    add.disabled = true;
    error.textContent = 'This browser cannot make passkeys.';
  }

  function item(passkey: PasskeyInfo, count: number, totp: boolean): HTMLLIElement {
    const label = h('strong', { 'data-field': 'passkey-name' }, passkey.name);
    const used =
      passkey.lastUsedAt === null
        ? 'not used yet'
        : h('span', {}, 'last used ', timeElement(Date.parse(passkey.lastUsedAt)));
    const kind = passkey.deviceType === 'multiDevice' ? 'synced passkey' : 'on one device';
    const rename = field({
      label: 'New name',
      name: 'passkey-rename',
      autocomplete: 'off',
      required: true,
      maxlength: 64,
    });
    rename.input.value = passkey.name;
    const renameButton = h('button', { type: 'submit' }, 'Rename');
    const renameForm = h('form', {}, rename.wrapper, renameButton);
    renameForm.addEventListener('submit', (event) => {
      event.preventDefault();
      error.textContent = '';
      busy(renameButton, async () => {
        await client.renamePasskey(passkey.id, rename.input.value.trim());
        await reload();
      }).catch((failure: unknown) => {
        error.textContent = describePasskeyError(failure);
      });
    });
    const last = count === 1 && !totp;
    const password = field({
      label: 'Your password',
      name: 'passkey-remove-password',
      type: 'password',
      autocomplete: 'current-password',
      required: true,
    });
    const removeButton = h('button', { type: 'submit', class: 'danger' }, 'Remove');
    const removeForm = h(
      'form',
      {},
      last ? h('p', {}, 'This is your last second factor: confirm with your password.') : null,
      last ? password.wrapper : null,
      removeButton,
    );
    removeForm.addEventListener('submit', (event) => {
      event.preventDefault();
      error.textContent = '';
      busy(removeButton, async () => {
        await client.deletePasskey(passkey.id, last ? { password: password.input.value } : {});
        await reload();
      }).catch((failure: unknown) => {
        error.textContent = describePasskeyError(failure);
      });
    });
    return h(
      'li',
      { 'data-passkey': passkey.id },
      label,
      h('span', { class: 'hint' }, ` (${kind}; added `, timeElement(Date.parse(passkey.createdAt)), '; ', used, ')'),
      h('details', {}, h('summary', {}, 'Rename'), renameForm),
      h('details', {}, h('summary', {}, 'Remove'), removeForm),
    );
  }

  async function reload(): Promise<void> {
    try {
      const [passkeys, status] = await Promise.all([client.passkeys(), client.mfaStatus()]);
      list.replaceChildren(
        ...(passkeys.length === 0
          ? [h('li', {}, 'No passkeys yet.')]
          : passkeys.map((passkey) => item(passkey, passkeys.length, status.totp))),
      );
    } catch (failure) {
      error.textContent = describePasskeyError(failure);
    }
  }

  const element = h(
    'section',
    { class: 'panel', id: 'passkeys', 'aria-labelledby': 'passkeys-heading' },
    heading,
    intro,
    error,
    list,
    addForm,
  );
  return { element, reload };
}

/**
 * "Sign in with a passkey": no username, no password; the browser offers the
 * passkeys it holds for this site. Signing in moves the page on by itself.
 */
export function passkeySignInButton(client: JwtgateClient, device: () => string): HTMLElement {
  const error = h('p', { class: 'form-error', role: 'alert' });
  const button = h(
    'button',
    { type: 'button', class: 'secondary', 'data-action': 'passkey-sign-in' },
    'Sign in with a passkey',
  );
  button.addEventListener('click', () => {
    error.textContent = '';
    busy(button, () => client.signInWithPasskey({ device: device() })).catch((failure: unknown) => {
      error.textContent = describeError(failure);
    });
  });
  if (!browserHasPasskeys()) button.hidden = true;
  return h('div', { class: 'passkey-sign-in' }, error, button);
}

/** The second step with a passkey, for a paused login whose methods include `webauthn`. */
export function passkeyStepButton(
  client: JwtgateClient,
  challenge: SecondFactorChallenge,
  error: HTMLElement,
): HTMLElement {
  const button = h('button', { type: 'button', 'data-action': 'passkey-second-step' }, 'Use a passkey');
  button.addEventListener('click', () => {
    error.textContent = '';
    busy(button, () => client.verifySecondFactor({ mfaToken: challenge.mfaToken, method: 'webauthn' })).catch(
      (failure: unknown) => {
        error.textContent = describeError(failure);
      },
    );
  });
  return button;
}

/**
 * "Add a passkey" in a sign-in that needs a second factor set up first: the
 * browser makes the passkey, and registering it finishes the sign-in.
 */
export function passkeyEnrolmentButton(
  client: JwtgateClient,
  challenge: SecondFactorChallenge,
  error: HTMLElement,
): HTMLElement {
  const button = h('button', { type: 'button', 'data-action': 'passkey-enrolment' }, 'Add a passkey');
  button.addEventListener('click', () => {
    error.textContent = '';
    busy(button, () => client.enrolPasskey({ mfaToken: challenge.mfaToken })).catch((failure: unknown) => {
      error.textContent = describeError(failure);
    });
  });
  return button;
}
