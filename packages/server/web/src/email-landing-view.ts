import type { EmailState, JwtgateClient } from '@jwtgate/client';
import { h } from './dom.js';
import { linkButton } from './forms.js';
import { describeError, hasCode } from './messages.js';

/**
 * Where a mailed confirmation lands: `verify-email` (the account's address)
 * or `change-email` (a new address). It confirms at once (the link is the
 * whole proof, and only confirms what its owner asked for), then hands a
 * line for the status region to `done`, which moves on to the account page.
 * A link that cannot be used is said so plainly, with the way on.
 */
export function renderEmailLanding(
  container: HTMLElement,
  client: JwtgateClient,
  link: { readonly purpose: 'verify-email' | 'change-email'; readonly secret: string },
  done: (notice?: string) => void,
): HTMLElement {
  const change = link.purpose === 'change-email';
  const heading = h(
    'h2',
    { id: 'email-landing-heading', tabindex: '-1' },
    change ? 'Confirming your new address' : 'Confirming your address',
  );
  const status = h('p', { 'data-field': 'email-landing' }, 'One moment…');
  container.replaceChildren(heading, status);
  heading.focus();

  const confirm: Promise<EmailState> = change
    ? client.confirmEmailChange(link.secret)
    : client.verifyEmail({ token: link.secret });
  confirm.then(
    (state) => {
      done(
        change
          ? `Your address is now ${state.email}. Every session has ended: sign in again.`
          : `Your address ${state.email} is confirmed.`,
      );
    },
    (error: unknown) => {
      heading.textContent = 'This link cannot be used';
      status.textContent = hasCode(error, 'ERR_EMAIL_TOKEN_INVALID')
        ? `It has expired, was used already, or a newer one replaced it. ${
            change
              ? 'Ask for the change again from your account page.'
              : 'Sign in and ask for a new one from your account page.'
          }`
        : describeError(error);
      status.setAttribute('role', 'alert');
      container.append(
        h(
          'div',
          { class: 'actions' },
          linkButton('Go to your account', () => done()),
        ),
      );
      heading.focus();
    },
  );
  return heading;
}
