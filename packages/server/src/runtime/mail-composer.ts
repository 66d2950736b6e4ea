import type { Clock, MailContent } from '@jwtgate/core';
import type { JwtgateConfig } from '../config/config.js';
import { createMailSealer } from '../mail/mail-sealer.js';
import { loadMailTemplates } from '../mail/mail-templates.js';
import { securityNoticeValues } from '../mail/security-notice-values.js';
import { linkTo } from './mail-link.js';

/** Renders a mail from its template and seals it for the outbox. */
export type MailComposer = (content: MailContent) => { readonly recipient: string; readonly payload: string };

/**
 * The outbox's mail maker for `config`: the templates (read now, so a bad
 * `Mail.TemplateDir` stops the caller at once) and the sealer keyed by the
 * configuration, as the server seals its own mails; so a mail queued by a
 * command is one the server's sender opens and delivers.
 *
 * @example
 * const compose = createMailComposer(config, clock);
 * compose({ kind: 'invitation', to: 'bob@example.com', token, expiresInSec: 604800 });
 */
export function createMailComposer(config: JwtgateConfig, clock: Clock): MailComposer {
  const mail = config.mail;
  const templates = loadMailTemplates(mail.templateDir);
  const sealer = createMailSealer(config.auth.refreshSecret);
  return (content) => {
    const rendered = templates.render(content.kind, {
      product: config.name,
      email: content.to,
      ...(content.token === undefined ? {} : { link: linkTo(mail.publicUrl, content.kind, content.token) }),
      ...(content.code === undefined ? {} : { code: content.code }),
      ...(content.expiresInSec === undefined
        ? {}
        : {
            minutes: Math.round(content.expiresInSec / 60),
            expires: new Date(clock.now() + content.expiresInSec * 1000).toUTCString(),
          }),
      ...(content.newEmail === undefined ? {} : { newEmail: content.newEmail }),
      ...(content.change === undefined ? {} : securityNoticeValues(content.change)),
    });
    return { recipient: content.to, payload: sealer.seal(rendered) };
  };
}

/**
 * Whether the configuration has a way to deliver mail: SMTP with
 * `Mail.SmtpUrl`, or the log in development.
 *
 * @example
 * if (config.mail.enabled && mailDeliverable(config)) queueTheMail();
 */
export function mailDeliverable(config: JwtgateConfig): boolean {
  return config.mail.transport === 'log' || (config.mail.transport === 'smtp' && config.mail.smtpUrl !== undefined);
}
