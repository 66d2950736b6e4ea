import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Go's `json.Number`: the literal as the token spelt it, never a float. */
export class JsonNumber {
  constructor(readonly literal: string) {}
  /** `json.Number.Int64()`: exact, or an error for a literal that is no int64. */
  int64(): bigint {
    if (!/^-?(0|[1-9][0-9]*)$/.test(this.literal)) throw new Error(`strconv.ParseInt: invalid syntax ${this.literal}`);
    const value = BigInt(this.literal);
    if (value < -(2n ** 63n) || value >= 2n ** 63n) throw new Error('strconv.ParseInt: value out of range');
    return value;
  }
}

/** Parses JSON as Go's decoder does with `UseNumber()`: every number stays a {@link JsonNumber}. */
function parseWithNumbers(text: string): unknown {
  let marked = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      marked += c;
      if (c === '\\') marked += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      marked += c;
    } else if (/[-0-9]/.test(c)) {
      const literal = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(text.slice(i))?.[0] ?? c;
      marked += JSON.stringify({ $number: literal });
      i += literal.length - 1;
    } else {
      marked += c;
    }
  }
  return JSON.parse(marked, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && '$number' in value
      ? new JsonNumber((value as { $number: string }).$number)
      : value,
  );
}

/** The claims go-zero's JWT handler keeps out of the request context. */
const REGISTERED = new Set(['aud', 'exp', 'jti', 'iat', 'iss', 'nbf', 'sub']);

/** What the service's handler found in its context for one claim. */
export type ContextValue = { type: 'json.Number'; literal: string } | { type: 'string'; value: string } | null;

/** A go-zero service as a test stand-in: its JWT handler, and a handler reading `userId` as go-zero code does. */
export interface GoZeroService {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A service written the way goctl generates one, in TypeScript for the
 * tests: `@jwt Auth` routes check an HS256 token signed with `accessSecret`
 * (and `exp`, `nbf`, `iat` as golang-jwt does, with no `typ`, `iss` or `aud`
 * rules), put every claim but the registered ones into the request context
 * exactly as decoded with `UseNumber()`, and `GET /user/info` answers what
 * `l.ctx.Value("userId").(json.Number).Int64()` gives: the id, or the
 * zero value when the claim is no json.Number (go's `, _` form).
 */
export async function startGoZeroService(accessSecret: string): Promise<GoZeroService> {
  const server: Server = createServer((request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const header = request.headers.authorization ?? '';
    const token = header.replace(/^Bearer /i, '');
    const [h, p, s] = token.split('.');
    if (h === undefined || p === undefined || s === undefined) return send(401, { error: 'no token' });
    const expected = createHmac('sha256', accessSecret).update(`${h}.${p}`).digest();
    const given = Buffer.from(s, 'base64url');
    const head = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string };
    if (head.alg !== 'HS256' || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return send(401, { error: 'signature' });
    }
    const claims = parseWithNumbers(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);
    const exp = claims.exp instanceof JsonNumber ? Number(claims.exp.literal) : Number.NaN;
    if (!(exp > now)) return send(401, { error: 'expired' });
    const ctx = new Map<string, unknown>();
    for (const [name, value] of Object.entries(claims)) if (!REGISTERED.has(name)) ctx.set(name, value);

    if (request.url === '/user/info') {
      const raw = ctx.get('userId');
      const seen: ContextValue =
        raw instanceof JsonNumber
          ? { type: 'json.Number', literal: raw.literal }
          : typeof raw === 'string'
            ? { type: 'string', value: raw }
            : null;
      // userId, _ := l.ctx.Value("userId").(json.Number).Int64()
      let userId = 0n;
      if (raw instanceof JsonNumber) {
        try {
          userId = raw.int64();
        } catch {
          userId = 0n;
        }
      }
      return send(200, { userId: userId.toString(), seen, role: ctx.get('role') ?? null, keys: [...ctx.keys()] });
    }
    send(404, {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
