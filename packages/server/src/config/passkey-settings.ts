import { isIP } from 'node:net';
import type { JwtgateConfig, PasskeySettings } from './config.js';

type Settings = Record<string, unknown>;

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Whether `host` is `rpId` or a name under it: where a browser lets a page use passkeys of that id. */
function onRpId(host: string, rpId: string): boolean {
  return host === rpId || host.endsWith(`.${rpId}`);
}

/** The origin of a URL as browsers write it, or `null` when it is not one origin alone over http(s). */
function originOf(text: string): URL | null {
  try {
    const url = new URL(text);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
      return null;
    }
    return url;
  } catch {
    return null;
  }
}

/**
 * Reads the WebAuthn relying party (`Mfa.RpId`, `Mfa.RpName`,
 * `Mfa.RpOrigins`), defaulting to what `Web.PublicUrl` says (`localhost` in
 * development), and checks what browsers would refuse anyway, at start-up
 * rather than at the first passkey: an id that is not a domain, an origin
 * not on it, plain HTTP off `localhost`. `undefined` when passkeys are off:
 * no second factors at all, or nothing to name the relying party in
 * production (a warning says so).
 *
 * @example
 * const passkeys = readPasskeySettings(raw, { mode, port, issuer, factorsOn: true }, problems, warnings);
 */
export function readPasskeySettings(
  raw: Settings,
  context: {
    readonly mode: JwtgateConfig['mode'];
    readonly port: number;
    readonly issuer: string;
    readonly factorsOn: boolean;
  },
  problems: string[],
  warnings: string[],
): PasskeySettings | undefined {
  const mfa = raw.Mfa as Settings;
  const publicUrlText = (raw.Web as Settings).PublicUrl as string | undefined;
  // A malformed Web.PublicUrl (or Port) is reported by its own settings; here it names no relying party.
  const publicUrl =
    publicUrlText !== undefined
      ? URL.canParse(publicUrlText)
        ? originOf(new URL(publicUrlText).origin)
        : null
      : context.mode === 'development'
        ? originOf(`http://localhost:${context.port}`)
        : null;
  const explicitId = mfa.RpId as string | undefined;
  const listed = mfa.RpOrigins as string[];
  let rpId = explicitId;
  if (rpId === undefined) {
    const host = publicUrl?.hostname;
    if (host === undefined || isIP(host.replace(/^\[|\]$/g, '')) !== 0) {
      if (listed.length > 0) {
        problems.push('Mfa.RpId: required with Mfa.RpOrigins, e.g. example.com for https://auth.example.com');
      } else if (context.factorsOn) {
        warnings.push(
          host === undefined
            ? 'passkeys are off: set Mfa.RpId (and Mfa.RpOrigins) or Web.PublicUrl to the domain users reach this server at'
            : `passkeys are off: Web.PublicUrl is an IP address (${host}), which WebAuthn does not accept as Mfa.RpId; set Mfa.RpId to a domain name`,
        );
      }
      return undefined;
    }
    rpId = host;
  } else if (!DOMAIN.test(explicitId ?? '') || isIP(explicitId ?? '') !== 0) {
    problems.push(`Mfa.RpId: ${JSON.stringify(explicitId)} is not a domain name (an IP address is not one either)`);
    return undefined;
  }
  const origins: string[] = [];
  const texts = listed.length > 0 ? listed : publicUrl === null ? [] : [publicUrl.origin];
  if (texts.length === 0) {
    problems.push('Mfa.RpOrigins: required in production without Web.PublicUrl, e.g. https://auth.example.com');
    return undefined;
  }
  texts.forEach((text, index) => {
    const name = listed.length > 0 ? `Mfa.RpOrigins: entry ${index + 1}` : 'Web.PublicUrl';
    const url = originOf(text);
    if (url === null) {
      problems.push(`${name}: ${JSON.stringify(text)} is not an origin such as https://auth.example.com`);
    } else if (!onRpId(url.hostname, rpId as string)) {
      problems.push(`${name}: ${url.origin} is not on Mfa.RpId ${rpId}; browsers would refuse its passkeys`);
    } else if (url.protocol === 'http:' && url.hostname !== 'localhost' && !url.hostname.endsWith('.localhost')) {
      problems.push(`${name}: ${url.origin} is plain HTTP; WebAuthn needs HTTPS off localhost`);
    } else {
      origins.push(url.origin);
    }
  });
  if (!context.factorsOn) return undefined;
  return { rpId: rpId as string, rpName: (mfa.RpName as string | undefined) ?? context.issuer, origins };
}
