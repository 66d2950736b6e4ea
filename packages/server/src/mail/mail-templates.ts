import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MailKind } from '@jwtgate/core';
import { escapeHtml } from '../http/escape-html.js';
import type { RenderedMail } from './mail-sealer.js';

/** What a template may name. */
export interface MailValues {
  readonly product: string;
  readonly email: string;
  readonly link?: string;
  readonly code?: string;
  readonly minutes?: number;
  readonly newEmail?: string;
  /** Until when an invitation works, as a UTC date and time. */
  readonly expires?: string;
  /** A security notice's change, as a clause: "your password was changed". */
  readonly change?: string;
  /** When the change was made, as a UTC date and time. */
  readonly when?: string;
  /** The network and the browser (user agent) the change came from, as the audit trail records them. */
  readonly ip?: string;
  readonly userAgent?: string;
}

interface Template {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export const mailKinds: readonly MailKind[] = [
  'verify-email',
  'reset-password',
  'change-email',
  'email-changed-notice',
  'sign-in',
  'invitation',
  'security-notice',
  'already-registered',
];

const page = (body: string) =>
  `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5;max-width:32em">${body}<p style="color:#666">{{product}}</p></body></html>`;

const builtIn: Readonly<Record<MailKind, Template>> = {
  'verify-email': {
    subject: 'Confirm your email address for {{product}}',
    text: 'Confirm that {{email}} is your address by opening this link:\n\n{{link}}\n\nOr enter this code: {{code}}\n\nThe link and the code work once, for {{minutes}} minutes. If you did not sign up for {{product}}, ignore this mail.\n',
    html: page(
      '<p>Confirm that {{email}} is your address:</p><p><a href="{{link}}">Confirm my address</a></p><p>Or enter this code: <strong>{{code}}</strong></p><p>The link and the code work once, for {{minutes}} minutes. If you did not sign up for {{product}}, ignore this mail.</p>',
    ),
  },
  'reset-password': {
    subject: 'Reset your {{product}} password',
    text: 'Someone asked to reset the password of the {{product}} account of {{email}}. To choose a new password, open this link:\n\n{{link}}\n\nIt works once, for {{minutes}} minutes, and signs you out everywhere. If it was not you, ignore this mail: your password stays as it is.\n',
    html: page(
      '<p>Someone asked to reset the password of the {{product}} account of {{email}}.</p><p><a href="{{link}}">Choose a new password</a></p><p>The link works once, for {{minutes}} minutes, and signs you out everywhere. If it was not you, ignore this mail: your password stays as it is.</p>',
    ),
  },
  'change-email': {
    subject: 'Confirm your new email address for {{product}}',
    text: 'To make {{email}} the address of your {{product}} account, open this link:\n\n{{link}}\n\nIt works once, for {{minutes}} minutes. Until then your account keeps its old address. If you did not ask for this, ignore this mail.\n',
    html: page(
      '<p>To make {{email}} the address of your {{product}} account:</p><p><a href="{{link}}">Confirm the new address</a></p><p>The link works once, for {{minutes}} minutes. Until then your account keeps its old address. If you did not ask for this, ignore this mail.</p>',
    ),
  },
  'email-changed-notice': {
    subject: 'Your {{product}} email address is being changed',
    text: 'Someone signed in to your {{product}} account asked to change its address from {{email}} to {{newEmail}}. It changes once the link mailed to the new address is opened.\n\nIf this was not you, change your password now.\n',
    html: page(
      '<p>Someone signed in to your {{product}} account asked to change its address from {{email}} to {{newEmail}}. It changes once the link mailed to the new address is opened.</p><p>If this was not you, change your password now.</p>',
    ),
  },
  'sign-in': {
    subject: 'Sign in to {{product}}',
    text: 'To sign in to {{product}} as {{email}}, open this link:\n\n{{link}}\n\nOr enter this code: {{code}}\n\nThe link and the code work once, for {{minutes}} minutes. If you did not ask for this, ignore this mail.\n',
    html: page(
      '<p>To sign in to {{product}} as {{email}}:</p><p><a href="{{link}}">Sign in</a></p><p>Or enter this code: <strong>{{code}}</strong></p><p>The link and the code work once, for {{minutes}} minutes. If you did not ask for this, ignore this mail.</p>',
    ),
  },
  invitation: {
    subject: 'You are invited to {{product}}',
    text: 'An administrator of {{product}} invited {{email}} to create an account. To choose your username and password, open this link:\n\n{{link}}\n\nIt works once, until {{expires}}. If you did not expect this, ignore this mail.\n',
    html: page(
      '<p>An administrator of {{product}} invited {{email}} to create an account.</p><p><a href="{{link}}">Create my account</a></p><p>The link works once, until {{expires}}. If you did not expect this, ignore this mail.</p>',
    ),
  },
  'security-notice': {
    subject: 'Security notice from {{product}}: {{change}}',
    text: 'A change was made to the {{product}} account of {{email}}: {{change}}.\n\nWhen: {{when}}\nFrom the network: {{ip}}\nBrowser or app: {{userAgent}}\n\nIf this was you, there is nothing to do.\n\nIf it was not you, someone else may be able to sign in to your account:\n- Reset your password: on the sign-in page choose "Forgot your password?" and open the link mailed to this address. A reset signs you out everywhere.\n- If you can still sign in, sign out everywhere (end all sessions) from your account page, then check its second factors, passkeys and linked identities and remove any you did not add.\n',
    html: page(
      '<p>A change was made to the {{product}} account of {{email}}: <strong>{{change}}</strong>.</p><p>When: {{when}}<br>From the network: {{ip}}<br>Browser or app: {{userAgent}}</p><p>If this was you, there is nothing to do.</p><p>If it was not you, someone else may be able to sign in to your account:</p><ul><li>Reset your password: on the sign-in page choose "Forgot your password?" and open the link mailed to this address. A reset signs you out everywhere.</li><li>If you can still sign in, sign out everywhere (end all sessions) from your account page, then check its second factors, passkeys and linked identities and remove any you did not add.</li></ul>',
    ),
  },
  'already-registered': {
    subject: 'Someone tried to create a {{product}} account with your address',
    text: 'Someone tried to create a new {{product}} account with {{email}}, but this address already has an account, so no account was made and nothing was changed.\n\nIf it was you, sign in to your account instead; if you forgot your password, choose "Forgot your password?" on the sign-in page.\n\nIf it was not you, there is nothing to do: ignore this mail.\n',
    html: page(
      '<p>Someone tried to create a new {{product}} account with {{email}}, but this address already has an account, so no account was made and nothing was changed.</p><p>If it was you, sign in to your account instead; if you forgot your password, choose "Forgot your password?" on the sign-in page.</p><p>If it was not you, there is nothing to do: ignore this mail.</p>',
    ),
  },
};

function fill(template: string, values: MailValues, html: boolean): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name as keyof MailValues] : undefined;
    if (value === undefined) return whole === '{{link}}' || whole === '{{code}}' ? '' : whole;
    return html ? escapeHtml(String(value)) : String(value);
  });
}

/** Renders mails from the built-in templates or a folder's own; see {@link loadMailTemplates}. */
export interface MailTemplates {
  render(kind: MailKind, values: MailValues): RenderedMail;
}

/**
 * The templates, the built-in ones replaced by those in `dir`: for each
 * kind, `<kind>.txt` whose first line is `Subject: …` and the rest the text
 * body, and `<kind>.html`. Throws at start-up for a folder that is missing,
 * or a `.txt` without its subject line, naming the file.
 *
 * @example
 * const templates = loadMailTemplates(config.mail.templateDir);
 * templates.render('reset-password', { product: 'Example', email, link, minutes: 30 });
 */
export function loadMailTemplates(dir: string | undefined): MailTemplates {
  const templates: Record<string, Template> = { ...builtIn };
  if (dir !== undefined) {
    if (!existsSync(dir)) throw new Error(`Mail.TemplateDir: ${dir} does not exist`);
    for (const kind of mailKinds) {
      const textFile = join(dir, `${kind}.txt`);
      const htmlFile = join(dir, `${kind}.html`);
      const base = builtIn[kind];
      let { subject, text, html } = base;
      if (existsSync(textFile)) {
        const content = readFileSync(textFile, 'utf8');
        const match = /^Subject: *(.+)\r?\n/.exec(content);
        if (match === null) throw new Error(`Mail.TemplateDir: ${textFile} must start with a "Subject: …" line`);
        subject = match[1] as string;
        text = content.slice(match[0].length).replace(/^\r?\n/, '');
      }
      if (existsSync(htmlFile)) html = readFileSync(htmlFile, 'utf8');
      templates[kind] = { subject, text, html };
    }
  }
  return {
    render(kind, values) {
      const template = templates[kind] as Template;
      return {
        // A subject is one header line: any line break a value brought in is flattened.
        subject: fill(template.subject, values, false).replace(/[\r\n]+/g, ' '),
        text: fill(template.text, values, false),
        html: fill(template.html, values, true),
      };
    },
  };
}
