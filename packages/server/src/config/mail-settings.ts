import { resolve } from 'node:path';
import type { JwtgateConfig } from './config.js';

type Settings = Record<string, unknown>;

/**
 * Reads the `Mail` section and `Web.PublicUrl`, adding a problem for a
 * production server that would mail links without knowing where it is
 * reached, and a warning for one whose mail features cannot send.
 *
 * @example
 * const { mail } = readMailSettings(raw, { cwd, mode, port }, problems, warnings);
 */
export function readMailSettings(
  raw: Settings,
  context: { readonly cwd: string; readonly mode: JwtgateConfig['mode']; readonly port: number },
  problems: string[],
  warnings: string[],
): Pick<JwtgateConfig, 'mail'> {
  const mail = raw.Mail as Settings;
  const web = raw.Web as Settings;
  const smtpUrl = mail.SmtpUrl as string | undefined;
  const enabled = mail.Enabled as boolean;
  let publicUrl = web.PublicUrl as string | undefined;
  if (publicUrl !== undefined) {
    try {
      const url = new URL(publicUrl);
      if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') throw new Error();
      publicUrl = url.toString().replace(/\/$/, '');
    } catch {
      problems.push(
        'Web.PublicUrl: write an http(s) URL with no query, fragment or credentials, such as https://auth.example.com',
      );
    }
  }
  if (enabled && context.mode === 'production') {
    if (smtpUrl === undefined) {
      warnings.push(
        'Mail.SmtpUrl is not set: email verification, password reset, email change and sign-in by email answer 503 ERR_MAIL_UNAVAILABLE (set Mail.SmtpUrl, or Mail.Enabled: false)',
      );
    } else if (publicUrl === undefined) {
      problems.push(
        'Web.PublicUrl: required in production when Mail.SmtpUrl is set, for the links in mails; set it to where users reach this server, e.g. https://auth.example.com',
      );
    }
  }
  const dir = mail.TemplateDir as string | undefined;
  return {
    mail: {
      enabled,
      smtpUrl,
      // In development without SMTP, mails go to the log and the /dev/mail page.
      transport: smtpUrl !== undefined ? 'smtp' : context.mode === 'development' ? 'log' : 'none',
      from: mail.From as string,
      publicUrl: publicUrl ?? `http://localhost:${context.port}`,
      templateDir: dir === undefined ? undefined : resolve(context.cwd, dir),
      ttlSec: {
        'verify-email': mail.VerifyExpire as number,
        'reset-password': mail.ResetExpire as number,
        'change-email': mail.ChangeExpire as number,
        'sign-in': mail.SignInExpire as number,
      },
      maxPerAddress: mail.MaxPerAddress as number,
      maxPerIp: mail.MaxPerIp as number,
      window: mail.Window as number,
      maxAttempts: mail.MaxAttempts as number,
      retentionDays: mail.RetentionDays as number,
      securityNotices: mail.SecurityNotices as boolean,
    },
  };
}
