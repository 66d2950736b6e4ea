import { createHmac, type KeyObject, timingSafeEqual, type VerifyKeyObjectInput, verify } from 'node:crypto';
import { generateJwtKey, publicKeyOf } from '@jwtgate/core';
import Fastify, { type FastifyReply, type FastifyRequest, type HookHandlerDoneFunction } from 'fastify';
import { benchSecretKey, signAccessTokens } from '../support/bench-tokens.js';
import { HELLO_PATH, helloHandler, refusingHelloSchema } from './hello-route.js';
import { listenOnLoopback, type RunningServer } from './listen.js';

// The floor rows: what checking a token costs when nothing but the signature
// (and, for one row, the payload's JSON) is done. No verifier can do less on
// a token it has not seen before and still refuse a forgery, so these rows
// say how far the guards' remaining cost is the signature's and how far it is
// theirs. None of them is a verifier: no header, no claims, no times.

type OnRequest = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

function refuse(reply: FastifyReply): void {
  reply.code(401).send({ error: { code: 'ERR_TOKEN_INVALID' } });
}

/** The token of a `Bearer` header, or `undefined`. */
function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') === true ? header.slice(7) : undefined;
}

async function serveWithHook(hook: OnRequest, tokens: readonly string[]): Promise<RunningServer> {
  const app = Fastify({ logger: false });
  app.addHook('onRequest', hook);
  app.get(HELLO_PATH, { schema: refusingHelloSchema }, helloHandler);
  return { port: await listenOnLoopback(app), tokens, close: () => app.close() };
}

/** The base64url spelling of an HS256 signature: 32 bytes, 43 characters. */
const HS256_SPELLING = 43;

/**
 * The HS256 floor: an `onRequest` hook that computes the HMAC of the token's
 * first two segments (`createHmac`, the call every Node verifier makes) and
 * compares its spelling with the token's signature in constant time
 * (`timingSafeEqual` over two reused buffers); with `parsePayload`, it then
 * also decodes the payload (base64url) and `JSON.parse`s it, the least any
 * verifier does to read claims. The cheapest form measured: `digest()` to a
 * `Buffer` and the signature decoded with `Buffer.from` cost about 0.8 µs
 * more per token in a loop (a new `ArrayBuffer` per digest).
 *
 * @example
 * const server = await startHmacFloor(10_000, true);
 */
export function startHmacFloor(users: number, parsePayload: boolean): Promise<RunningServer> {
  const secret = benchSecretKey.key;
  const expected = Buffer.alloc(HS256_SPELLING);
  const given = Buffer.alloc(HS256_SPELLING);
  const payload = Buffer.alloc(4096);
  return serveWithHook((request, reply, done) => {
    const token = bearer(request);
    const lastDot = token === undefined ? -1 : token.lastIndexOf('.');
    if (token === undefined || lastDot === -1 || token.length - lastDot - 1 !== HS256_SPELLING) return refuse(reply);
    expected.write(createHmac('sha256', secret).update(token.slice(0, lastDot)).digest('base64url'), 'latin1');
    if (given.write(token.slice(lastDot + 1), 'utf8') !== HS256_SPELLING || !timingSafeEqual(given, expected)) {
      return refuse(reply);
    }
    if (parsePayload) {
      const length = payload.write(token.slice(token.indexOf('.') + 1, lastDot), 'base64url');
      const claims: unknown = JSON.parse(payload.toString('utf8', 0, length));
      if (typeof claims !== 'object' || claims === null) return refuse(reply);
    }
    done();
  }, tokensOf(users));
}

/**
 * The ES256 or EdDSA floor: an `onRequest` hook that only runs
 * `crypto.verify` on the token's signature with the public key, on the event
 * loop (`offLoop` false) or with the callback form, which node:crypto runs as
 * a job on libuv's thread pool (`offLoop` true).
 *
 * @example
 * const server = await startSignatureFloor(10_000, 'EdDSA', true);
 */
export function startSignatureFloor(users: number, alg: 'ES256' | 'EdDSA', offLoop: boolean): Promise<RunningServer> {
  const signingKey = generateJwtKey(alg);
  const publicKey: KeyObject = publicKeyOf(signingKey.key);
  const key: VerifyKeyObjectInput | KeyObject =
    alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' } : publicKey;
  const hash = alg === 'ES256' ? 'sha256' : null;
  const parts = (token: string | undefined): { data: Buffer; signature: Buffer } | undefined => {
    const lastDot = token === undefined ? -1 : token.lastIndexOf('.');
    if (token === undefined || lastDot === -1) return undefined;
    return {
      data: Buffer.from(token.slice(0, lastDot), 'latin1'),
      signature: Buffer.from(token.slice(lastDot + 1), 'base64url'),
    };
  };
  const hook: OnRequest = offLoop
    ? (request, reply, done) => {
        const token = parts(bearer(request));
        if (token === undefined) return refuse(reply);
        try {
          verify(hash, token.data, key, token.signature, (error, valid) => {
            if (error === null && valid) done();
            else refuse(reply);
          });
        } catch {
          refuse(reply);
        }
      }
    : (request, reply, done) => {
        const token = parts(bearer(request));
        let valid = false;
        try {
          valid = token !== undefined && verify(hash, token.data, key, token.signature);
        } catch {
          // A signature node:crypto cannot even read is refused like a wrong one.
        }
        if (!valid) return refuse(reply);
        done();
      };
  return serveWithHook(hook, tokensOf(users, signingKey));
}

function tokensOf(users: number, key = benchSecretKey): string[] {
  return signAccessTokens(users, key).map(({ token }) => token);
}
