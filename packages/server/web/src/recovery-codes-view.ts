import { h } from './dom.js';

/** Recovery codes a set-up at sign-in just made, kept for the signed-in page to show once. */
let pending: readonly string[] | null = null;
/** Where the signed-in page drawn last shows them. */
let shownBy: ((codes: readonly string[]) => void) | null = null;

/**
 * Hands codes to the page that follows a sign-in. That page is drawn as
 * the sign-in adopts its tokens, before the codes come back to the second
 * step, so a page already drawn shows them at once.
 */
export function keepRecoveryCodes(codes: readonly string[]): void {
  if (shownBy === null) pending = codes;
  else shownBy(codes);
}

/** Shows through `show` the codes kept so far, once, and those kept from now on. */
export function showKeptRecoveryCodes(show: (codes: readonly string[]) => void): void {
  shownBy = show;
  const codes = pending;
  pending = null;
  if (codes !== null) show(codes);
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
