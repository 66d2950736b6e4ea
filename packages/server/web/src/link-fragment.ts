/** What a mailed link is for; the server's links are `<Web.PublicUrl>/#<purpose>=<secret>`. */
export type LinkPurpose = 'verify-email' | 'reset-password' | 'change-email' | 'sign-in' | 'invitation';

/** A mailed link's purpose and secret, read from the page's address. */
export interface MailedLink {
  readonly purpose: LinkPurpose;
  readonly secret: string;
}

const LINK = /^#(verify-email|reset-password|change-email|sign-in|invitation)=([A-Za-z0-9_-]{1,200})$/;

/**
 * Takes a mailed link's secret out of the address: it is read from the
 * fragment, then the fragment is removed from the address bar and from this
 * history entry at once, before the page sends any request, so the secret
 * is not left for the back button, a bookmark, a shared screen or a
 * synced history. (A fragment never travels in a request or a `Referer`.)
 * Returns `null` when the address holds no such link.
 *
 * @example
 * const link = takeMailedLink(); // at the very start of the page's script
 */
export function takeMailedLink(): MailedLink | null {
  const hash = location.hash;
  if (hash === '' || hash === '#') return null;
  const match = LINK.exec(hash);
  // Whatever the fragment held, it goes: a link mangled by a mail client may still carry a secret.
  if (/^#[a-z-]+=/.test(hash)) history.replaceState(history.state, '', `${location.pathname}${location.search}`);
  if (match === null) return null;
  return { purpose: match[1] as LinkPurpose, secret: match[2] as string };
}
