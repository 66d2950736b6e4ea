import { type BrowserServer, startBrowserServer } from './real-browser.js';
import { freePort } from './redis-servers.js';
import { type SmtpInbox, startSmtpInbox } from './smtp-inbox.js';

/** A browser test's server whose mail goes through a real SMTP server in this process. */
export interface BrowserMailServer {
  readonly inbox: SmtpInbox;
  readonly server: BrowserServer;
  close(): Promise<void>;
}

/**
 * Starts an SMTP inbox and a server mailing through it, with `env` besides;
 * the mailed links point at this very server, so a test opens each one as
 * it was mailed.
 *
 * @example
 * const { inbox, server } = await startBrowserMailServer({ JWTGATE_AUTH_EMAIL_SIGN_IN: 'true' });
 */
export async function startBrowserMailServer(env: Readonly<Record<string, string>> = {}): Promise<BrowserMailServer> {
  const inbox = await startSmtpInbox();
  const port = await freePort();
  const server = await startBrowserServer({
    JWTGATE_PORT: String(port),
    JWTGATE_WEB_PUBLIC_URL: `http://localhost:${port}`,
    JWTGATE_MAIL_SMTP_URL: inbox.url(),
    ...env,
  });
  return {
    inbox,
    server,
    async close() {
      await server.close();
      await inbox.close();
    },
  };
}
