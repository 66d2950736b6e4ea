import type { EmailSecrets, InvitationStore, InviteInput } from '@jwtgate/core';

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
}
