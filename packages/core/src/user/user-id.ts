import type { Clock } from '../clock.js';

/** A canonical decimal integer: no sign but `-`, no leading zeros, no spaces. */
const DECIMAL_INTEGER = /^(?:0|-?[1-9][0-9]{0,18})$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Whether `id` is the canonical decimal spelling of a signed 64-bit integer
 * (what a MySQL `BIGINT` id reads as), e.g. `"42"` or `"1234567890123456789"`.
 *
 * @example
 * isInt64Id('1234567890123456789'); // true
 * isInt64Id('007'); // false: not how an integer column spells it
 */
export function isInt64Id(id: string): boolean {
  if (!DECIMAL_INTEGER.test(id)) return false;
  const value = BigInt(id);
  return value >= INT64_MIN && value <= INT64_MAX;
}

/**
 * The JSON value a user id takes in an id claim such as go-zero's `userId`.
 * A numeric id (the canonical decimal spelling of a 64-bit integer) becomes
 * a JSON number when it is a safe integer (|id| < 2^53), so services that
 * parse numbers read it as before; beyond 2^53 it stays the exact decimal
 * string, because a JSON number there would be read back rounded by every
 * JavaScript parser (two users, one number). Every other id (a UUID, any
 * string) stays a string. `sub` is always the string.
 *
 * @example
 * userIdClaimValue('42'); // 42
 * userIdClaimValue('1234567890123456789'); // '1234567890123456789'
 * userIdClaimValue('6f1c2a9e-…'); // '6f1c2a9e-…'
 */
export function userIdClaimValue(id: string): string | number {
  if (!isInt64Id(id)) return id;
  const value = Number(id);
  return Number.isSafeInteger(value) ? value : id;
}

/** Options of {@link createInt64UserIdGenerator}. */
export interface Int64UserIdGeneratorOptions {
  /** This instance's number, 0 to {@link MAX_NODE_ID}; no two running instances may share one. */
  readonly nodeId: number;
  readonly clock: Clock;
}

/** Bits of an int64 user id: 32 of seconds, 10 of node, 11 of sequence: 53 in all. */
const NODE_BITS = 10;
const SEQUENCE_BITS = 11;
/** The highest node id an instance can have. */
export const MAX_NODE_ID = 2 ** NODE_BITS - 1;
const MAX_SEQUENCE = 2 ** SEQUENCE_BITS - 1;
/** 2024-01-01T00:00:00Z: ids count seconds from here, which 32 bits cover until 2160. */
const EPOCH_SEC = 1_704_067_200;

/**
 * New numeric user ids, unique across instances without coordination, in
 * the spirit of a snowflake id but kept below 2^53 so that every id is a
 * safe JSON number: 32 bits of seconds since 2024, 10 bits of node id
 * (`Auth.NodeId`), 11 bits of a sequence within the second (2048 ids per
 * second per instance, far more than argon2 lets an instance register).
 * Two instances never make the same id because their node ids differ; one
 * instance never repeats because within a second the sequence grows, and
 * when it runs out, or the clock steps back, the generator moves on to the
 * next second of its own instead of waiting or reusing one.
 *
 * @example
 * const next = createInt64UserIdGenerator({ nodeId: 3, clock: systemClock });
 * next(); // '204806234527745'
 */
export function createInt64UserIdGenerator(options: Int64UserIdGeneratorOptions): () => string {
  const { nodeId, clock } = options;
  if (!Number.isInteger(nodeId) || nodeId < 0 || nodeId > MAX_NODE_ID) {
    throw new TypeError(`nodeId must be an integer from 0 to ${MAX_NODE_ID}`);
  }
  let lastSecond = -1;
  let sequence = 0;
  return () => {
    const second = Math.floor(clock.now() / 1000) - EPOCH_SEC;
    if (second > lastSecond) {
      lastSecond = second;
      sequence = 0;
    } else if (sequence < MAX_SEQUENCE) {
      sequence += 1;
    } else {
      lastSecond += 1;
      sequence = 0;
    }
    if (lastSecond < 0 || lastSecond >= 2 ** 32) throw new RangeError('the clock is outside the int64 id range');
    const id =
      (BigInt(lastSecond) << BigInt(NODE_BITS + SEQUENCE_BITS)) |
      (BigInt(nodeId) << BigInt(SEQUENCE_BITS)) |
      BigInt(sequence);
    return id.toString();
  };
}
