import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a well-formed, authentic refresh token says about itself. */
export interface RefreshTokenFields {
  readonly sessionId: string;
  /** How many rotations preceded this token in its session (0 for the one issued at login). */
  readonly generation: number;
}

/**
 * An authentic token read once: its fields, its hash, and its successor (and
 * the successor's hash) derived on first use, so that a refresh checks the
 * MAC and hashes each value once however many steps look at them.
 */
export interface RefreshTokenReading extends RefreshTokenFields {
  readonly token: string;
  /** What stores keep instead of the token. */
  readonly hash: string;
  /** The successor of the token, derived once. */
  successor(): string;
  /** The hash of {@link successor}, computed once. */
  successorHash(): string;
}

/**
 * Mints, authenticates and chains opaque refresh tokens.
 *
 * A token is `jgr1_` + base64url(session id ‖ generation ‖ 32 random bytes ‖ MAC).
 * The MAC lets the server tell a genuine old token (theft: revoke the session)
 * from a forged one (just refuse it), so knowing a session id is not enough
 * to get a session revoked. Successors are derived from their predecessor with
 * a server key, so a retry inside the grace window gets the same successor
 * back although only hashes are stored.
 */
export interface RefreshTokenCodec {
  /** A new random token for generation `generation` of session `sessionId`. */
  mint(sessionId: string, generation: number): string;
  /** The successor of an authentic token: always the same for the same token. */
  successor(token: string): string;
  /** The fields of an authentic token, or `null` for anything malformed or forged. */
  parse(token: string): RefreshTokenFields | null;
  /** The value stores keep instead of the token. */
  hash(token: string): string;
  /** The token's fields and hashes, for an authentic token; `null` for anything malformed or forged. */
  read(token: string): RefreshTokenReading | null;
  /**
   * Whether `reading` is this codec's reading of `token`, so that a caller
   * that read the token already (the refresh throttle) can hand the reading
   * on instead of having the MAC checked again; an object made elsewhere is
   * never trusted.
   */
  isReadingOf(reading: RefreshTokenReading, token: string): boolean;
}

const PREFIX = 'jgr1_';
const SESSION_ID_BYTES = 16;
const GENERATION_BYTES = 4;
const RANDOM_BYTES = 32;
const MAC_BYTES = 16;
const BODY_BYTES = SESSION_ID_BYTES + GENERATION_BYTES + RANDOM_BYTES;
const TOKEN_BYTES = BODY_BYTES + MAC_BYTES;
const TOKEN_LENGTH = PREFIX.length + Math.ceil((TOKEN_BYTES * 4) / 3);
const MAX_GENERATION = 0xffff_ffff;

/** Bytes at the start of a session id that are derived from its user id. */
const TAG_BYTES = 3;

/**
 * A new session id: 16 bytes, base64url (22 characters).
 *
 * With `userId`, the first 3 bytes are the first 3 bytes of SHA-256(userId),
 * so the id's first 4 characters are {@link userSessionTag}(userId) and 104
 * random bits remain. Stores that shard by user (Redis Cluster hash tags)
 * then find a session's shard from its id alone, in one round trip. The tag
 * reveals nothing the access token does not already carry (`sub`).
 * Without `userId`, all 128 bits are random.
 *
 * @example
 * const id = newSessionId(user.id);
 * sessionIdTag(id) === userSessionTag(user.id); // true
 */
export function newSessionId(userId?: string): string {
  const bytes = randomBytes(SESSION_ID_BYTES);
  if (userId !== undefined) createHash('sha256').update(userId).digest().copy(bytes, 0, 0, TAG_BYTES);
  return bytes.toString('base64url');
}

/**
 * The 4-character shard tag of a user's sessions (base64url of the first 3
 * bytes of SHA-256(userId)); about 16 million distinct values.
 *
 * @example
 * userSessionTag('6f1c0b9e-…'); // 'q3Xa'
 */
export function userSessionTag(userId: string): string {
  return createHash('sha256').update(userId).digest().subarray(0, TAG_BYTES).toString('base64url');
}

/**
 * The shard tag a session id carries: its first 4 characters. Equal to
 * {@link userSessionTag} of its user when the id came from `newSessionId(userId)`.
 *
 * @example
 * sessionIdTag(newSessionId(userId)) === userSessionTag(userId); // true
 */
export function sessionIdTag(sessionId: string): string {
  return sessionId.slice(0, (TAG_BYTES * 4) / 3);
}

/** Whether `value` has the shape of a session id (it may still not exist). */
export function isSessionId(value: string): boolean {
  // 22 characters carry 132 bits for 128; the last one must leave its 4 spare bits at zero
  // so that an id has one spelling and comes back unchanged from a token minted for it.
  return value.length === 22 && /^[A-Za-z0-9_-]{21}[AQgw]$/.test(value);
}

/**
 * Creates the codec from the refresh secret (go-zero's `RefreshSecret`).
 * Separate keys for the MAC and for successor derivation are derived with HKDF.
 *
 * @example
 * const codec = createRefreshTokenCodec(process.env.REFRESH_SECRET!);
 * const token = codec.mint(newSessionId(), 0);
 */
export function createRefreshTokenCodec(secret: string | Uint8Array): RefreshTokenCodec {
  const material = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (material.length < 32) {
    throw new TypeError(`the refresh secret is ${material.length} bytes; at least 32 are required`);
  }
  const macKey = Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), 'jwtgate refresh mac v1', 32));
  const successorKey = Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), 'jwtgate refresh successor v1', 32));

  function seal(sessionId: string, generation: number, random: Buffer): string {
    if (!isSessionId(sessionId)) throw new TypeError('invalid session id');
    if (!Number.isInteger(generation) || generation < 0 || generation > MAX_GENERATION) {
      throw new RangeError('refresh generation out of range');
    }
    const bytes = Buffer.alloc(TOKEN_BYTES);
    Buffer.from(sessionId, 'base64url').copy(bytes, 0);
    bytes.writeUInt32BE(generation, SESSION_ID_BYTES);
    random.copy(bytes, SESSION_ID_BYTES + GENERATION_BYTES, 0, RANDOM_BYTES);
    createHmac('sha256', macKey).update(bytes.subarray(0, BODY_BYTES)).digest().copy(bytes, BODY_BYTES, 0, MAC_BYTES);
    return PREFIX + bytes.toString('base64url');
  }

  function parse(token: string): RefreshTokenFields | null {
    if (typeof token !== 'string' || token.length !== TOKEN_LENGTH || !token.startsWith(PREFIX)) return null;
    const encoded = token.slice(PREFIX.length);
    if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return null;
    const bytes = Buffer.from(encoded, 'base64url');
    // Re-encoding must give back the input, so each token has exactly one spelling.
    if (bytes.length !== TOKEN_BYTES || bytes.toString('base64url') !== encoded) return null;
    const expected = createHmac('sha256', macKey).update(bytes.subarray(0, BODY_BYTES)).digest().subarray(0, MAC_BYTES);
    if (!timingSafeEqual(expected, bytes.subarray(BODY_BYTES))) return null;
    return {
      sessionId: bytes.subarray(0, SESSION_ID_BYTES).toString('base64url'),
      generation: bytes.readUInt32BE(SESSION_ID_BYTES),
    };
  }

  const hash = (token: string) => createHash('sha256').update(token).digest('base64url');
  const successorOf = (token: string, fields: RefreshTokenFields) =>
    seal(fields.sessionId, fields.generation + 1, createHmac('sha256', successorKey).update(token).digest());
  const readings = new WeakSet<RefreshTokenReading>();

  return {
    mint(sessionId, generation) {
      return seal(sessionId, generation, randomBytes(RANDOM_BYTES));
    },
    successor(token) {
      const fields = parse(token);
      if (fields === null) throw new TypeError('cannot derive the successor of an invalid refresh token');
      return successorOf(token, fields);
    },
    parse,
    hash,
    read(token) {
      const fields = parse(token);
      if (fields === null) return null;
      let successor: string | undefined;
      let successorHash: string | undefined;
      const reading: RefreshTokenReading = Object.freeze({
        ...fields,
        token,
        hash: hash(token),
        successor: () => {
          successor ??= successorOf(token, fields);
          return successor;
        },
        successorHash() {
          successorHash ??= hash(this.successor());
          return successorHash;
        },
      });
      readings.add(reading);
      return reading;
    },
    isReadingOf: (reading, token) => readings.has(reading) && reading.token === token,
  };
}
