import { describe, expect, it } from 'vitest';
import { decodeBase32, encodeBase32 } from './base32.js';
import { matchTotp, totpCode, totpStep, totpUri } from './totp.js';

// RFC 6238 Appendix B: the seeds are the ASCII digits repeated to the hash's length.
const seeds = {
  sha1: Buffer.from('12345678901234567890'),
  sha256: Buffer.from('12345678901234567890123456789012'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
} as const;

const vectors: readonly [number, string, string, keyof typeof seeds][] = [
  [59, '0000000000000001', '94287082', 'sha1'],
  [59, '0000000000000001', '46119246', 'sha256'],
  [59, '0000000000000001', '90693936', 'sha512'],
  [1111111109, '00000000023523EC', '07081804', 'sha1'],
  [1111111109, '00000000023523EC', '68084774', 'sha256'],
  [1111111109, '00000000023523EC', '25091201', 'sha512'],
  [1111111111, '00000000023523ED', '14050471', 'sha1'],
  [1111111111, '00000000023523ED', '67062674', 'sha256'],
  [1111111111, '00000000023523ED', '99943326', 'sha512'],
  [1234567890, '000000000273EF07', '89005924', 'sha1'],
  [1234567890, '000000000273EF07', '91819424', 'sha256'],
  [1234567890, '000000000273EF07', '93441116', 'sha512'],
  [2000000000, '0000000003F940AA', '69279037', 'sha1'],
  [2000000000, '0000000003F940AA', '90698825', 'sha256'],
  [2000000000, '0000000003F940AA', '38618901', 'sha512'],
  [20000000000, '0000000027BC86AA', '65353130', 'sha1'],
  [20000000000, '0000000027BC86AA', '77737706', 'sha256'],
  [20000000000, '0000000027BC86AA', '47863826', 'sha512'],
];

describe('TOTP (RFC 6238)', () => {
  it.each(vectors)('at %i s (step %s) gives %s with %s, as Appendix B says', (seconds, stepHex, code, algorithm) => {
    const step = totpStep(seconds * 1000);
    expect(step).toBe(Number.parseInt(stepHex, 16));
    expect(totpCode(seeds[algorithm], step, { algorithm, digits: 8 })).toBe(code);
  });

  it('gives the last six digits of those codes with the defaults authenticator apps use', () => {
    expect(totpCode(seeds.sha1, totpStep(59_000))).toBe('287082');
    expect(totpCode(seeds.sha1, totpStep(1_111_111_109_000))).toBe('081804');
  });

  it('accepts a code one step early or late, and nothing further off', () => {
    const now = 1_111_111_109_000;
    const step = totpStep(now);
    const code = (s: number) => totpCode(seeds.sha1, s);
    expect(matchTotp(seeds.sha1, code(step), now)).toBe(step);
    expect(matchTotp(seeds.sha1, code(step - 1), now)).toBe(step - 1);
    expect(matchTotp(seeds.sha1, code(step + 1), now)).toBe(step + 1);
    expect(matchTotp(seeds.sha1, code(step - 2), now)).toBeNull();
    expect(matchTotp(seeds.sha1, code(step + 2), now)).toBeNull();
  });

  it('refuses codes that are not six digits without computing anything', () => {
    for (const bad of ['', '12345', '1234567', '12345a', ' 12345', '１２３４５６']) {
      expect(matchTotp(seeds.sha1, bad, 59_000)).toBeNull();
    }
  });

  it('writes the otpauth URI authenticator apps scan', () => {
    expect(totpUri({ issuer: 'My App', account: 'alice@example', secretBase32: 'GEZDGNBV' })).toBe(
      'otpauth://totp/My%20App:alice%40example?secret=GEZDGNBV&issuer=My%20App&algorithm=SHA1&digits=6&period=30',
    );
  });
});

describe('base32 (RFC 4648 §10)', () => {
  it.each([
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ])('encodes %j as %s and back', (text, encoded) => {
    expect(encodeBase32(Buffer.from(text))).toBe(encoded);
    expect(Buffer.from(decodeBase32(encoded) ?? []).toString()).toBe(text);
  });

  it('reads lower case, spaces and padding, and refuses other characters', () => {
    expect(Buffer.from(decodeBase32('mzxw 6ytb oi======') ?? []).toString()).toBe('foobar');
    expect(decodeBase32('MZXW1')).toBeNull();
  });
});
