import { h } from './dom.js';

/** Recovery codes a set-up at sign-in just made, kept for the signed-in page to show once. */
let pending: readonly string[] | null = null;

/** Keeps codes for the page that follows a sign-in. */
export function keepRecoveryCodes(codes: readonly string[]): void {
  pending = codes;
}

/** The kept codes, once: a second call answers `null`. */
export function takeRecoveryCodes(): readonly string[] | null {
  const codes = pending;
  pending = null;
  return codes;
}

/** The codes as a list to write down, with what they are for; they are never shown again. */
export function recoveryCodesNotice(codes: readonly string[]): HTMLElement {
  return h(
    'div',
    { class: 'recovery-codes', 'data-field': 'recovery-codes' },
    h(
      'p',
      { role: 'alert' },
      'Save these recovery codes somewhere safe. Each signs you in once if you lose your authenticator app. They will not be shown again.',
    ),
    h('ol', {}, ...codes.map((code) => h('li', {}, h('code', {}, code)))),
  );
}
