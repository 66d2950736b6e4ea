import { describe, expect, it } from 'vitest';
import { clientNetwork, clientSite } from './client-network.js';

describe('clientNetwork', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(clientNetwork('198.51.100.7')).toBe('198.51.100.7');
  });

  it('reduces every spelling of an IPv6 address to its /64 network', () => {
    for (const address of [
      '2001:db8:7:1::1',
      '2001:DB8:7:1:0:0:0:2a',
      '2001:0db8:0007:0001:ffff:ffff:ffff:ffff',
      '2001:db8:7:1::198.51.100.7',
      '2001:db8:7:1::1%eth0',
    ]) {
      expect(clientNetwork(address), address).toBe('2001:db8:7:1::/64');
    }
    expect(clientNetwork('2001:db8:7:2::1')).toBe('2001:db8:7:2::/64');
    expect(clientNetwork('::1')).toBe('0:0:0:0::/64');
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(clientNetwork('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(clientNetwork('::FFFF:c633:6407')).toBe('198.51.100.7');
  });

  it('keeps what is not an address as given', () => {
    for (const value of ['unknown', '1:2:3', '1::2::3', '2001:db8::g', '1:2:3:4:5:6:7:8:9', '::ffff:300.1.1.1']) {
      expect(clientNetwork(value)).toBe(value);
    }
  });
});

describe('clientSite', () => {
  it('gives the /48 of an IPv6 address, and nothing for IPv4 or what is not an address', () => {
    expect(clientSite('2001:db8:7:1::1')).toBe('2001:db8:7::/48');
    expect(clientSite('2001:DB8:7:ffff:0:0:0:2a')).toBe('2001:db8:7::/48');
    for (const value of ['198.51.100.7', '::ffff:198.51.100.7', 'unknown', '1::2::3']) {
      expect(clientSite(value), value).toBeNull();
    }
  });
});
