import type { JwtgateConfig } from './config.js';

type Settings = Record<string, unknown>;

/**
 * The serialised origin of `value` (`https://app.example.com`), or `null`
 * when it is not exactly an http(s) origin: no path, query, fragment or
 * credentials, and never `*` or `null`, which cannot be trusted with credentials.
 *
 * @example
 * normaliseOrigin('HTTPS://App.Example.com:443'); // 'https://app.example.com'
 * normaliseOrigin('https://app.example.com/login'); // null
 */
export function normaliseOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return null;
  // `new URL` turns an empty path into '/', so a trailing slash is tolerated; any other path is not.
  if (url.pathname !== '/' || /[?#]/.test(value)) return null;
  return url.origin;
}

/**
 * Reads the `Cookie`, `Cors` and `Web` sections, adding a problem for every
 * setting that cannot work: an origin that is not one, plain-HTTP cookies in
 * production, or the web page without the cookie mode it signs in with.
 */
export function readBrowserSettings(
  raw: Settings,
  mode: JwtgateConfig['mode'],
  problems: string[],
): Pick<JwtgateConfig, 'cookie' | 'cors' | 'web'> {
  const cookie = raw.Cookie as Settings;
  const cors = raw.Cors as Settings;
  const web = raw.Web as Settings;

  const secure = cookie.Secure as boolean;
  if (!secure && mode === 'production') {
    problems.push('Cookie.Secure: must be true in production, where the server is reached over HTTPS');
  }
  const cookieMode = cookie.Mode as JwtgateConfig['cookie']['mode'];
  const webEnabled = web.Enabled as boolean;
  if (webEnabled && cookieMode === 'off') {
    problems.push('Web.Enabled: the web page signs in with cookie mode; set Cookie.Mode: opt-in or Web.Enabled: false');
  }

  const allowedOrigins: string[] = [];
  for (const value of cors.AllowedOrigins as string[]) {
    const origin = normaliseOrigin(value);
    if (origin === null) {
      problems.push(
        value === '*' || value === 'null'
          ? `Cors.AllowedOrigins: ${JSON.stringify(value)} is never allowed with credentials; list each origin instead`
          : `Cors.AllowedOrigins: ${JSON.stringify(value)} is not an origin; write scheme://host[:port] with no path, such as https://app.example.com`,
      );
    } else if (!allowedOrigins.includes(origin)) {
      allowedOrigins.push(origin);
    }
  }

  return {
    cookie: {
      mode: cookieMode,
      name: cookie.Name as string,
      path: cookie.Path as JwtgateConfig['cookie']['path'],
      sameSite: cookie.SameSite as JwtgateConfig['cookie']['sameSite'],
      secure,
    },
    cors: { allowedOrigins },
    web: { enabled: webEnabled },
  };
}
