/** The 16-bit groups of an IPv6 address, or `null` when it is not one. */
function ipv6Groups(address: string): number[] | null {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    // An embedded IPv4 address (::ffff:198.51.100.7) stands for the last two groups.
    const bytes = last.split('.');
    if (bytes.length !== 4 || !bytes.every((b) => /^\d{1,3}$/.test(b) && Number(b) <= 255)) return null;
    const [a, b, c, d] = bytes.map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string | undefined) => (part === undefined || part === '' ? [] : part.split(':'));
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...tail];
  if (!groups.every((group) => /^[0-9A-Fa-f]{1,4}$/.test(group))) return null;
  return groups.map((group) => Number.parseInt(group, 16));
}

/** The groups of an IPv6 address that is not IPv4-mapped, or `null` (IPv4, mapped, or no address). */
function plainIpv6Groups(ip: string): number[] | null {
  if (!ip.includes(':')) return null;
  const zone = ip.indexOf('%');
  const groups = ipv6Groups(zone === -1 ? ip : ip.slice(0, zone));
  if (groups === null) return null;
  const [g0, g1, g2, g3, g4, g5] = groups;
  return g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff ? null : groups;
}

function prefix(groups: readonly number[], count: number): string {
  return groups
    .slice(0, count)
    .map((group) => group.toString(16))
    .join(':');
}

/**
 * Who counts as one client for login throttling: an IPv4 address as it is,
 * an IPv6 address by its /64 network. One host is routinely given a whole
 * /64 and can send from any address in it, so counting IPv6 addresses one by
 * one would let it take a fresh allowance of guesses with every new address.
 * IPv4-mapped IPv6 addresses (`::ffff:198.51.100.7`, as a dual-stack socket
 * reports IPv4 clients) count as their IPv4 address. Anything else is kept
 * as given.
 *
 * @example
 * clientNetwork('2001:db8:7:1::2a'); // '2001:db8:7:1::/64'
 * clientNetwork('::ffff:198.51.100.7'); // '198.51.100.7'
 */
export function clientNetwork(ip: string): string {
  if (!ip.includes(':')) return ip;
  const groups = plainIpv6Groups(ip);
  if (groups !== null) return `${prefix(groups, 4)}::/64`;
  const zone = ip.indexOf('%');
  const mapped = ipv6Groups(zone === -1 ? ip : ip.slice(0, zone));
  if (mapped === null) return ip;
  const [g6 = 0, g7 = 0] = mapped.slice(6);
  return `${g6 >> 8}.${g6 & 0xff}.${g7 >> 8}.${g7 & 0xff}`;
}

/**
 * The site an IPv6 client's /64 belongs to: its /48, the prefix a site
 * (a customer, an office, anyone with a free tunnel) is commonly given, with
 * 65,536 networks of /64 in it; `null` for IPv4 and anything that is not an
 * IPv6 address. Counted on top of {@link clientNetwork}, it keeps one site
 * from taking a fresh allowance with each of its /64s.
 *
 * @example
 * clientSite('2001:db8:7:1::2a'); // '2001:db8:7::/48'
 * clientSite('198.51.100.7'); // null
 */
export function clientSite(ip: string): string | null {
  const groups = plainIpv6Groups(ip);
  return groups === null ? null : `${prefix(groups, 3)}::/48`;
}

/**
 * How many networks' worth of requests one IPv6 site (a /48, see
 * {@link clientSite}) may spend against a per-network limit: room for the
 * several hosts and /64s a site has, not for the 65,536 it could rotate through.
 */
export const SITE_LIMIT_FACTOR = 10;

/**
 * The keys a per-network limit counts a client under, each with its limit:
 * its network ({@link clientNetwork}; `unknown` without an address) at
 * `limit`, and for an IPv6 client its site ({@link clientSite}) at
 * {@link SITE_LIMIT_FACTOR} times that.
 *
 * @example
 * networkLimits('login:ip', '2001:db8:7:1::2a', 100);
 * // [{ key: 'login:ip:2001:db8:7:1::/64', limit: 100 }, { key: 'login:ip:2001:db8:7::/48', limit: 1000 }]
 */
export function networkLimits(
  prefix: string,
  ip: string | null,
  limit: number,
): { readonly key: string; readonly limit: number }[] {
  const network = { key: `${prefix}:${ip === null ? 'unknown' : clientNetwork(ip)}`, limit };
  const site = ip === null ? null : clientSite(ip);
  return site === null ? [network] : [network, { key: `${prefix}:${site}`, limit: limit * SITE_LIMIT_FACTOR }];
}
