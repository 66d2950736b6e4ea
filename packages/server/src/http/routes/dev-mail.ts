import type { FastifyPluginAsync } from 'fastify';
import { escapeHtml } from '../escape-html.js';
import { errorResponses } from '../schemas.js';

/** A mail the development transport kept. */
export interface DevMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly kind: string;
  readonly at: number;
}

const LINK = /https?:\/\/[^\s<>"]+/g;

/** A mail's text as HTML, its links clickable. */
function renderText(text: string): string {
  let html = '';
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    const index = match.index ?? 0;
    html += escapeHtml(text.slice(last, index));
    html += `<a href="${escapeHtml(match[0])}">${escapeHtml(match[0])}</a>`;
    last = index + match[0].length;
  }
  return html + escapeHtml(text.slice(last));
}

/**
 * `GET /dev/mail`, development mode without SMTP only: the latest mails the
 * server would have sent, newest first, links clickable, so that a
 * newcomer can click through a password reset on a bare machine.
 */
export const devMailRoutes: FastifyPluginAsync<{ readonly recent: () => readonly DevMail[] }> = async (
  app,
  options,
) => {
  app.get(
    '/dev/mail',
    {
      schema: {
        summary: 'Development only: the mails the server would have sent',
        description:
          'Served in development mode without `Mail.SmtpUrl`, where mails go to the log instead; never in production.',
        tags: ['web'],
        produces: ['text/html'],
        response: { 200: { type: 'string', description: 'An HTML page.' }, ...errorResponses },
      },
    },
    async (_request, reply) => {
      const items = options
        .recent()
        .map(
          (mail) =>
            `<article><h2>${escapeHtml(mail.subject)}</h2><p>To ${escapeHtml(mail.to)} · ${escapeHtml(new Date(mail.at).toISOString())} · ${escapeHtml(mail.kind)}</p><pre>${renderText(mail.text)}</pre></article>`,
        )
        .join('\n');
      reply
        .type('text/html; charset=utf-8')
        .header(
          'content-security-policy',
          "default-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
        );
      return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Development mail</title></head><body><h1>Development mail</h1><p>Mails are not sent without Mail.SmtpUrl; the latest are here, newest first.</p>${items || '<p>No mail yet.</p>'}</body></html>`;
    },
  );
};
