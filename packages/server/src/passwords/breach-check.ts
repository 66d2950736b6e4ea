import { createHash } from 'node:crypto';
import { AuthError, type PasswordScreen } from '@jwtgate/core';

/** What {@link createBreachCheck} is told. */
export interface BreachCheckOptions {
  /** The range API; the 5-digit prefix is appended as is (`https://api.pwnedpasswords.com/range/`). */
  readonly rangeUrl: string;
  /** For the whole request, answer included. */
  readonly timeoutMs: number;
  /** `accept`: fail open; `refuse`: fail closed with 503 `ERR_BREACH_CHECK_UNAVAILABLE`. */
  readonly whenUnavailable: 'accept' | 'refuse';
  /**
   * Told of every check's outcome, and for `unavailable` why, in words that
   * hold no part of the password, its hash, the URL (which ends with the
   * prefix) or the answer: `timeout`, `status 500`, `unreachable`...
   */
  readonly onOutcome?: (outcome: 'clean' | 'breached' | 'unavailable', why?: string) => void;
}

/** An answer larger than this is no range answer (a real one, padded, is about 40 kB). */
const MAX_ANSWER_BYTES = 1 << 20;
/** `<35 hex digits of the SHA-1 suffix>:<count>`, one a line. */
const RANGE_LINE = /^([0-9A-F]{35}):(\d+)$/;

/** Why the range API gave no usable answer; its message is one of the words `onOutcome` documents. */
class RangeUnavailable extends Error {}

/**
 * Refuses, with `ERR_BREACHED_PASSWORD`, a new password that Have I Been
 * Pwned's Pwned Passwords has seen in a breach (OWASP ASVS 5.0 §6.2.12),
 * through its k-anonymity range API: the SHA-1 of the password is computed
 * here, and only its first 5 hex digits leave the process (`GET
 * <rangeUrl>ABCDE`, with `Add-Padding: true` so that the answer's size says
 * nothing about the prefix either). The suffixes that come back are compared
 * here; padding entries (count 0) are not breaches.
 *
 * When the API gives no usable answer within `timeoutMs` (down, slow, an
 * error status, a redirect, an answer that is not a range list), the
 * password is accepted or refused with 503 `ERR_BREACH_CHECK_UNAVAILABLE`
 * as `whenUnavailable` says. Nothing of the password, its hash or the
 * answer is ever put into an error or handed to `onOutcome`.
 *
 * Small enough to write here rather than take a client library: the whole
 * protocol is one GET, and what matters (what leaves, the bounds, the
 * failure policy) is jwtgate's to decide and test.
 *
 * @example
 * const screen = createBreachCheck({ rangeUrl: 'https://api.pwnedpasswords.com/range/', timeoutMs: 2000, whenUnavailable: 'accept' });
 * await screen.check('P@ssw0rd!'); // throws ERR_BREACHED_PASSWORD
 */
export function createBreachCheck(options: BreachCheckOptions): PasswordScreen {
  async function fetchRange(prefix: string): Promise<string> {
    let response: Response;
    try {
      response = await fetch(`${options.rangeUrl}${prefix}`, {
        headers: { 'add-padding': 'true', 'user-agent': 'jwtgate', accept: 'text/plain' },
        // A redirect would send the prefix to a host nobody configured.
        redirect: 'error',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw new RangeUnavailable(isTimeout(error) ? 'timeout' : 'unreachable');
    }
    try {
      if (response.status !== 200) throw new RangeUnavailable(`status ${response.status}`);
      return await readBounded(response);
    } catch (error) {
      await response.body?.cancel().catch(() => {});
      if (error instanceof RangeUnavailable) throw error;
      throw new RangeUnavailable(isTimeout(error) ? 'timeout' : 'unreachable');
    }
  }

  return {
    async check(password) {
      const digest = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
      let breached: boolean;
      try {
        breached = rangeHolds(await fetchRange(digest.slice(0, 5)), digest.slice(5));
      } catch (error) {
        const why = error instanceof RangeUnavailable ? error.message : 'unreachable';
        options.onOutcome?.('unavailable', why);
        if (options.whenUnavailable === 'refuse') {
          throw new AuthError('ERR_BREACH_CHECK_UNAVAILABLE', { reason: why });
        }
        return;
      }
      options.onOutcome?.(breached ? 'breached' : 'clean');
      if (breached) throw new AuthError('ERR_BREACHED_PASSWORD', { reason: 'breached' });
    },
  };
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** The answer's text, refusing one larger than {@link MAX_ANSWER_BYTES} without reading the rest. */
async function readBounded(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) throw new RangeUnavailable('answer too large');
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Whether the range answer lists `suffix` with a count above 0. Any line that
 * is not `SUFFIX:COUNT` makes the whole answer unusable: an error page served
 * with 200, or an empty one, must not pass for "not breached".
 */
function rangeHolds(answer: string, suffix: string): boolean {
  let found = false;
  let lines = 0;
  for (const line of answer.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const match = RANGE_LINE.exec(trimmed.toUpperCase());
    if (match === null) throw new RangeUnavailable('not a range answer');
    lines += 1;
    if (match[1] === suffix && Number(match[2]) > 0) found = true;
  }
  // Padded, every answer has hundreds of lines: an empty one is a broken mirror, not a clean password.
  if (lines === 0) throw new RangeUnavailable('empty answer');
  return found;
}
