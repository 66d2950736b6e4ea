import type { EmailSecrets, InvitationStore, InviteInput, MailThrottle } from '@jwtgate/core';

/** What the invitation routes need; assembled by the runtime. */
export interface InvitationRouteDeps {
  readonly store: InvitationStore;
  /** The emailed secrets' maker and keyed hash (purpose `invitation`). */
  readonly secrets: EmailSecrets;
  /** The link to the page at `/` that opens an invitation: `<Web.PublicUrl>/#invitation=<secret>`. */
  readonly link: (secret: string) => string;
  /** When mail can be sent: renders and seals the invitation's mail, queued with it; else the link goes to the administrator. */
  readonly compose?: InviteInput['compose'];
  /** An invitation's mail was queued: the sender looks now. */
  readonly queued?: ((kind: string) => void) | undefined;
  /**
   * Counts the secrets presented to `POST /auth/invitation` per client
   * network, right or wrong, as the emailed links are counted
   * (`Mail.MaxPerIp` per `Mail.Window`): guessing one is hopeless, and this
   * keeps it so at a bounded cost to the database.
   */
  readonly linkThrottle: MailThrottle;
}
