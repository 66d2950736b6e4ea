import type { JwtgateClient } from '@jwtgate/client';
import { h } from './dom.js';
import { renderEmailLanding } from './email-landing-view.js';
import { renderEmailSignInLanding } from './email-sign-in-view.js';
import { renderForgotPassword } from './forgot-password-view.js';
import { renderInvitationLanding } from './invitation-landing-view.js';
import type { MailedLink } from './link-fragment.js';
import { renderResetPassword } from './reset-password-view.js';

/**
 * The page for a mailed link, in place of the usual one: the reset form,
 * the confirmation of an address, the sign-in button, or the sign-up form
 * of an invitation. `done` goes on to
 * the usual page (signed in or not), with a line for the status region.
 *
 * @example
 * renderLanding(app, client, link, (notice) => leaveLanding(notice));
 */
export function renderLanding(
  root: HTMLElement,
  client: JwtgateClient,
  link: MailedLink,
  done: (notice?: string) => void,
): void {
  const panel = h('section', { class: 'panel', id: 'mailed-link' });
  root.replaceChildren(h('div', {}, h('h1', {}, 'Your account'), panel));
  const leave = () => done();
  let heading: HTMLElement;
  switch (link.purpose) {
    case 'reset-password':
      heading = renderResetPassword(panel, client, link.secret, {
        signIn: leave,
        askAgain: () => renderForgotPassword(panel, client, leave),
      });
      break;
    case 'sign-in':
      heading = renderEmailSignInLanding(panel, client, link.secret, leave);
      break;
    case 'invitation':
      heading = renderInvitationLanding(panel, client, link.secret, leave);
      break;
    default:
      heading = renderEmailLanding(panel, client, { purpose: link.purpose, secret: link.secret }, done);
  }
  panel.setAttribute('aria-labelledby', heading.id);
}
