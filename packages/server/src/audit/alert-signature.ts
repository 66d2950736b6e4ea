import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header carrying the signature of a webhook delivery. */
export const ALERT_SIGNATURE_HEADER = 'x-jwtgate-signature';

/**
 * The `X-Jwtgate-Signature` value for a body sent at `timestamp` (Unix
 * seconds): `t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`.
 * Signing the time with the body lets a receiver refuse an old delivery
 * replayed later, not only a forged one.
 *
 * @example
 * const header = signAlert(secret, Math.floor(clock.now() / 1000), body);
 */
export function signAlert(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/**
 * What a receiver does with a delivery: true only when the header is a
 * signature of `body` by `secret` (compared in constant time) made at most
 * `toleranceSec` away from `nowSec`. Shipped for receivers written in
 * TypeScript, and as the reference for others (docs/operations.md).
 *
 * @example
 * if (!verifyAlertSignature(secret, req.headers['x-jwtgate-signature'], rawBody, Date.now() / 1000)) reject();
 */
export function verifyAlertSignature(
  secret: string,
  header: string | undefined,
  body: string,
  nowSec: number,
  toleranceSec = 300,
): boolean {
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (match === null) return false;
  const timestamp = Number(match[1]);
  if (Math.abs(nowSec - timestamp) > toleranceSec) return false;
  const expected = Buffer.from(signAlert(secret, timestamp, body).split(',v1=')[1] as string, 'hex');
  return timingSafeEqual(expected, Buffer.from(match[2] as string, 'hex'));
}
