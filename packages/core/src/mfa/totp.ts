import { createHmac, timingSafeEqual } from 'node:crypto';

/** TOTP parameters (RFC 6238); jwtgate enrols with the defaults every authenticator app supports. */
export interface TotpOptions {
  /** HMAC hash; default `sha1`, the only one all apps accept. */
  readonly algorithm?: 'sha1' | 'sha256' | 'sha512';
  /** Code length; default 6. */
  readonly digits?: 6 | 7 | 8;
  /** Time step in seconds; default 30. */
  readonly periodSec?: number;
}

/** Steps on either side of the current one still accepted: ±30 s of clock drift. */
export const TOTP_WINDOW = 1;

/**
 * The HOTP value (RFC 4226 §5.3) of a counter, the way RFC 6238 computes a
 * TOTP code for time step `counter`.
 *
 * @example
 * totpCode(secret, Math.floor(Date.now() / 30_000)); // '287082'
 */
export function totpCode(secret: Uint8Array, counter: number, options: TotpOptions = {}): string {
  const digits = options.digits ?? 6;
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(options.algorithm ?? 'sha1', secret)
    .update(message)
    .digest();
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The time step a moment falls in. */
export function totpStep(nowMs: number, options: TotpOptions = {}): number {
  return Math.floor(nowMs / 1000 / (options.periodSec ?? 30));
}

/**
 * Finds the time step a code belongs to, within {@link TOTP_WINDOW} steps of
 * `nowMs`, or `null`. Every candidate is compared, in constant time, so the
 * time taken says nothing about which step matched. A code is only good
 * once: the caller records the step it returns (`MfaStore.useTotpStep`) and
 * refuses that step and older ones from then on.
 *
 * @example
 * const step = matchTotp(secret, '287082', clock.now());
 * if (step === null || !(await store.useTotpStep(userId, step))) refuse();
 */
export function matchTotp(secret: Uint8Array, code: string, nowMs: number, options: TotpOptions = {}): number | null {
  const digits = options.digits ?? 6;
  if (code.length !== digits || !/^\d+$/.test(code)) return null;
  const current = totpStep(nowMs, options);
  const given = Buffer.from(code);
  let found: number | null = null;
  for (let step = current - TOTP_WINDOW; step <= current + TOTP_WINDOW; step++) {
    if (step < 0) continue;
    if (timingSafeEqual(Buffer.from(totpCode(secret, step, options)), given) && found === null) found = step;
  }
  return found;
}

/**
 * The `otpauth://totp/` URI authenticator apps scan (Key Uri Format): the
 * issuer names the service, the label the account.
 *
 * @example
 * totpUri({ issuer: 'jwtgate', account: 'alice', secretBase32: 'JBSWY3DPEHPK3PXP' });
 * // 'otpauth://totp/jwtgate:alice?secret=JBSWY3DPEHPK3PXP&issuer=jwtgate&algorithm=SHA1&digits=6&period=30'
 */
export function totpUri(input: {
  readonly issuer: string;
  readonly account: string;
  readonly secretBase32: string;
}): string {
  const label = `${encodeURIComponent(input.issuer)}:${encodeURIComponent(input.account)}`;
  const query = new URLSearchParams({
    secret: input.secretBase32,
    issuer: input.issuer,
    algorithm: 'SHA1',
    digits: '6',
    period: '30',
  });
  return `otpauth://totp/${label}?${query.toString().replace(/\+/g, '%20')}`;
}
