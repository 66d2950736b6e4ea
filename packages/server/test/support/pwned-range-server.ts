import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How a prefix's answer goes wrong. */
export type RangeMisbehaviour = 'slow' | 'fail' | 'garbage' | 'redirect' | 'huge' | 'empty';

/** One request the range server received. */
export interface RangeRequest {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** A local stand-in for the Pwned Passwords range API, over real HTTP. */
export interface PwnedRangeServer {
  /** `http://127.0.0.1:<port>/range/`, for `Passwords.BreachCheck.RangeUrl`. */
  readonly rangeUrl: string;
  /** Every request, in order. */
  readonly requests: RangeRequest[];
  /** Lists the password's hash suffix under its prefix with `count` (0: a padding entry). */
  list(password: string, count: number): void;
  /** The password's prefix answers badly from now on. */
  misbehave(password: string, how: RangeMisbehaviour): void;
  /** Every prefix answers badly (`null`: as listed again). */
  misbehaveAll(how: RangeMisbehaviour | null): void;
  close(): Promise<void>;
}

/** The upper-case SHA-1 of the password's UTF-8, split as the range API splits it. */
export function sha1Parts(password: string): { prefix: string; suffix: string } {
  const digest = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
  return { prefix: digest.slice(0, 5), suffix: digest.slice(5) };
}

/** How long a `slow` answer takes. */
export const SLOW_ANSWER_MS = 1_500;

/**
 * Starts a range server on a free loopback port. Each answer has the lines
 * listed for its prefix among 400 others, a third of them padding (count 0),
 * separated by CRLF as the real API does; an unknown prefix gets the padding
 * alone, as the real API does with `Add-Padding`.
 *
 * @example
 * const range = await startPwnedRangeServer();
 * range.list('P@ssw0rd', 52271);
 */
export async function startPwnedRangeServer(): Promise<PwnedRangeServer> {
  const listed = new Map<string, string[]>();
  const misbehaving = new Map<string, RangeMisbehaviour>();
  let everyPrefix: RangeMisbehaviour | null = null;
  const requests: RangeRequest[] = [];
  const filler = Array.from(
    { length: 400 },
    (_, i) => `${randomBytes(18).toString('hex').toUpperCase().slice(0, 35)}:${i % 3 === 0 ? 0 : i + 1}`,
  );
  // Over 1 MiB of well-formed lines, made once: the check must stop reading, whatever the lines say.
  const huge = Array.from({ length: 80 }, () => filler.join('\r\n')).join('\r\n');

  const server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', headers: request.headers });
    const prefix = /^\/range\/([0-9A-F]{5})$/.exec(request.url ?? '')?.[1];
    if (prefix === undefined) {
      response.writeHead(400).end('The hash prefix was not in a valid format');
      return;
    }
    const lines = [...filler.slice(0, 200), ...(listed.get(prefix) ?? []), ...filler.slice(200)];
    switch (everyPrefix ?? misbehaving.get(prefix)) {
      case 'slow':
        setTimeout(() => response.writeHead(200).end(lines.join('\r\n')), SLOW_ANSWER_MS).unref();
        return;
      case 'fail':
        response.writeHead(500).end('Internal Server Error');
        return;
      case 'garbage':
        response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Maintenance</body></html>');
        return;
      case 'redirect':
        response.writeHead(302, { location: `http://127.0.0.1:1/range/${prefix}` }).end();
        return;
      case 'huge':
        response.writeHead(200).end(huge);
        return;
      case 'empty':
        response.writeHead(200).end('');
        return;
      default:
        response.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    rangeUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/range/`,
    requests,
    list(password, count) {
      const { prefix, suffix } = sha1Parts(password);
      listed.set(prefix, [...(listed.get(prefix) ?? []), `${suffix}:${count}`]);
    },
    misbehave(password, how) {
      misbehaving.set(sha1Parts(password).prefix, how);
    },
    misbehaveAll(how) {
      everyPrefix = how;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
