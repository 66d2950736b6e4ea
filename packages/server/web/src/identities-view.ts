import type { JwtgateClient, SecondFactorChallenge, SecondFactorMethod } from '@jwtgate/client';
import { busy, h } from './dom.js';
import { describeError } from './messages.js';

/** An identity provider users can sign in with (`OAuth.Providers`). */
export interface IdentityProvider {
  readonly name: string;
  readonly displayName: string;
}

/** What the server said, in the address's fragment, when a sign-in at a provider came back. */
export type ProviderReturn =
  | { readonly kind: 'error'; readonly code: string }
  | { readonly kind: 'linked'; readonly provider: string }
  | { readonly kind: 'second-step'; readonly challenge: SecondFactorChallenge };

const RETURN = /^#oauth-(error|linked|mfa)=([A-Za-z0-9_-]{1,512})(?:&methods=([a-z%2C,]{0,64}))?$/;

/** Plain words for the ways a sign-in at a provider can fail. */
const PROVIDER_MESSAGES: Readonly<Record<string, string>> = {
  ERR_OAUTH_STATE_INVALID:
    'That sign-in was not started in this browser, took too long, or was already finished. Start it again.',
  ERR_OAUTH_DENIED: 'The sign-in was cancelled at the provider. Nothing was changed.',
  ERR_OAUTH_PROVIDER_ERROR: 'The provider’s answer could not be used. Try again.',
  ERR_OAUTH_PROVIDER_UNAVAILABLE: 'The provider cannot be reached right now. Try again in a moment.',
  ERR_OAUTH_PROVIDER_UNKNOWN: 'That provider is not set up on this server.',
  ERR_OAUTH_SIGN_UP_CLOSED: 'No account is linked to that identity, and new accounts cannot be made here.',
  ERR_EMAIL_REQUIRED:
    'New accounts here need a confirmed email address, and the provider did not share one this server can use. Sign up with your email address instead; if you already have an account, sign in to it and link the provider from your profile.',
  ERR_IDENTITY_TAKEN: 'That identity is already linked to another account, or yours has one from that provider.',
  ERR_LAST_SIGN_IN_METHOD: 'This is your only way to sign in. Set a password or link another identity first.',
  ERR_IDENTITY_NOT_FOUND: 'That identity is not linked to your account.',
  ERR_INVALID_CREDENTIALS: 'That account cannot sign in.',
  ERR_INSUFFICIENT_AUTHENTICATION: 'To link an account, sign out and sign in again.',
  ERR_EMAIL_NOT_VERIFIED: 'Confirm your email address first: open the link in the mail we sent you.',
};

/**
 * What a returning sign-in at a provider says, read from the address and
 * removed from it and from this history entry at once (an mfaToken must not
 * stay for the back button). Call before anything else reads the fragment.
 *
 * @example
 * const returned = takeProviderReturn(); // at the very start of the page's script
 */
export function takeProviderReturn(): ProviderReturn | null {
  const match = RETURN.exec(location.hash);
  if (match === null) return null;
  history.replaceState(history.state, '', `${location.pathname}${location.search}`);
  const value = match[2] as string;
  if (match[1] === 'error') return { kind: 'error', code: value };
  if (match[1] === 'linked') return { kind: 'linked', provider: value };
  const methods = decodeURIComponent(match[3] ?? '')
    .split(',')
    .filter((method): method is SecondFactorMethod => method === 'totp' || method === 'recovery');
  return {
    kind: 'second-step',
    challenge: { mfaRequired: true, mfaToken: value, methods, enrollmentRequired: methods.length === 0 },
  };
}

/**
 * Whether the page was loaded by a provider ending its session (RP-Initiated
 * Logout sends the browser to `<PublicUrl>/?state=…`); the `state` leaves
 * the address bar and history.
 *
 * @example
 * const back = takeProviderLogoutReturn(); // at the very start of the page's script
 */
export function takeProviderLogoutReturn(): boolean {
  const query = new URLSearchParams(location.search);
  if (!query.has('state') || query.has('code')) return false;
  history.replaceState(history.state, '', `${location.pathname}${location.hash}`);
  return true;
}

/**
 * Plain words for a provider sign-in's failure code.
 *
 * @example
 * announce(describeProviderError('ERR_OAUTH_DENIED'));
 */
export function describeProviderError(code: string): string {
  return PROVIDER_MESSAGES[code] ?? describeError({ code, message: 'The sign-in did not work.' });
}

/**
 * The providers of this server; none when it cannot say.
 *
 * @example
 * const providers = await loadProviders();
 */
export async function loadProviders(): Promise<readonly IdentityProvider[]> {
  try {
    const answer = await fetch('/auth/oauth/providers', { headers: { accept: 'application/json' } });
    if (!answer.ok) return [];
    return ((await answer.json()) as { providers: IdentityProvider[] }).providers;
  } catch {
    return [];
  }
}

/**
 * "Sign in with …" for each provider: plain links to the server's start of
 * the flow, which sends the browser on to the provider.
 *
 * @example
 * otherWays.append(providerButtons(providers));
 */
export function providerButtons(providers: readonly IdentityProvider[]): HTMLElement | null {
  if (providers.length === 0) return null;
  return h(
    'div',
    { class: 'provider-buttons', role: 'group', 'aria-label': 'Sign in with another account' },
    ...providers.map((provider) =>
      h(
        'a',
        { class: 'button secondary', href: `/auth/oauth/${encodeURIComponent(provider.name)}/start` },
        `Sign in with ${provider.displayName}`,
      ),
    ),
  );
}

interface LinkedIdentity {
  readonly provider: string;
  readonly providerName: string;
  readonly name?: string;
  readonly email?: string;
  readonly linkedAt: string;
}

/** A failed call's error, as the page's messages read it. */
async function failure(answer: Response): Promise<{ code: string; message: string }> {
  try {
    const body = (await answer.json()) as { error?: { code?: string; message?: string } };
    return { code: body.error?.code ?? 'ERR_INTERNAL', message: body.error?.message ?? 'Something went wrong.' };
  } catch {
    return { code: 'ERR_INTERNAL', message: 'Something went wrong.' };
  }
}

/**
 * Linked identities: each provider identity of the account, with a button
 * to unlink it (refused while it is the only way in), and one to link each
 * provider not linked yet, which goes to the provider and comes back here.
 *
 * @example
 * const identities = createIdentitiesPanel(client, { providers, announce });
 * void identities.reload();
 */
export function createIdentitiesPanel(
  client: JwtgateClient,
  options: { readonly providers: readonly IdentityProvider[]; readonly announce: (message: string) => void },
): { readonly element: HTMLElement; reload(): Promise<void> } {
  const list = h('ul', { class: 'identities', 'data-field': 'identities' });
  const linkButtons = h('div', { class: 'other-ways' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const element = h(
    'section',
    { class: 'panel', id: 'identities', 'aria-labelledby': 'identities-heading' },
    h('h2', { id: 'identities-heading' }, 'Linked accounts'),
    error,
    list,
    linkButtons,
  );
  const csrf = { 'x-jwtgate-csrf': '1' };

  async function unlink(identity: LinkedIdentity): Promise<void> {
    const answer = await client.fetch(`/auth/identities/${encodeURIComponent(identity.provider)}`, {
      method: 'DELETE',
      headers: csrf,
    });
    if (!answer.ok) throw await failure(answer);
    options.announce(`${identity.providerName} is no longer linked.`);
    await reload();
  }

  async function link(provider: IdentityProvider): Promise<void> {
    const answer = await client.fetch(`/auth/identities/${encodeURIComponent(provider.name)}/link`, {
      method: 'POST',
      headers: { ...csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ returnTo: '/' }),
    });
    if (!answer.ok) throw await failure(answer);
    location.assign(((await answer.json()) as { authorizationUrl: string }).authorizationUrl);
  }

  async function reload(): Promise<void> {
    const answer = await client.fetch('/auth/identities');
    if (!answer.ok) {
      error.textContent = describeProviderError((await failure(answer)).code);
      return;
    }
    const { identities } = (await answer.json()) as { identities: LinkedIdentity[] };
    list.replaceChildren(
      ...(identities.length === 0 ? [h('li', {}, 'No other account is linked.')] : []),
      ...identities.map((identity) => {
        const button = h('button', { type: 'button', class: 'secondary' }, `Unlink ${identity.providerName}`);
        button.addEventListener('click', () => {
          error.textContent = '';
          busy(button, () => unlink(identity)).catch((problem: { code?: string }) => {
            error.textContent = describeProviderError(problem.code ?? 'ERR_INTERNAL');
          });
        });
        const who = identity.name ?? identity.email ?? '';
        return h(
          'li',
          { 'data-provider': identity.provider },
          h('strong', {}, identity.providerName),
          who === '' ? null : ` · ${who}`,
          ' ',
          button,
        );
      }),
    );
    const linked = new Set(identities.map((identity) => identity.provider));
    linkButtons.replaceChildren(
      ...options.providers
        .filter((provider) => !linked.has(provider.name))
        .map((provider) => {
          const button = h('button', { type: 'button', class: 'secondary' }, `Link ${provider.displayName}`);
          button.addEventListener('click', () => {
            error.textContent = '';
            busy(button, () => link(provider)).catch((problem: { code?: string }) => {
              error.textContent = describeProviderError(problem.code ?? 'ERR_INTERNAL');
            });
          });
          return button;
        }),
    );
  }

  return { element, reload };
}
