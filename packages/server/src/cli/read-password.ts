import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { AuthError } from '@jwtgate/core';

/** A password that arrived as bytes that are not UTF-8: decoding would have put U+FFFD in their place. */
function malformed(): AuthError {
  return new AuthError('ERR_MALFORMED_PASSWORD', { reason: 'not-utf8' });
}

/**
 * Reads all of standard input and drops one trailing newline, for
 * `--password-stdin`. Bytes that are not UTF-8 are refused with
 * `ERR_MALFORMED_PASSWORD` rather than decoded to U+FFFD, which would make
 * different byte strings one password.
 */
export async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw malformed();
  }
  return text.replace(/\r?\n$/, '');
}

/**
 * Asks for a password on the terminal without echoing it. The terminal's
 * bytes are decoded by readline, which puts U+FFFD where they were not
 * UTF-8; such a password is refused (`ERR_MALFORMED_PASSWORD`), since which
 * bytes were typed can no longer be told.
 */
export async function promptPassword(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, callback) {
      if (!muted) process.stderr.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  let answer: string;
  try {
    answer = await new Promise<string>((resolve) => {
      rl.question(question, (typed) => {
        process.stderr.write('\n');
        resolve(typed);
      });
      muted = true;
    });
  } finally {
    rl.close();
  }
  if (answer.includes('\uFFFD')) throw malformed();
  return answer;
}
