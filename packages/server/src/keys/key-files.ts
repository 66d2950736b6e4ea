import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JwtgateConfig } from '../config/config.js';

/** One key file as it was read: its text, or why it could not be (`ENOENT`, `EACCES`…). */
export type KeyFileReading = { readonly text: string } | { readonly errorCode: string };

/**
 * The key files a configuration names (`Auth.KeyFile`, `Auth.PreviousKeyFiles`),
 * each read exactly once, with one digest of them all: the keys are built from
 * these very bytes, so the digest says which contents the keys in use came
 * from, whatever happens to the files afterwards.
 */
export interface KeyFilesReading {
  readonly files: ReadonlyMap<string, KeyFileReading>;
  /** SHA-256 over every path and its content (or its error code); equal digests, equal files. */
  readonly digest: string;
}

/** The paths of the key files `config` names, the signing key's first. */
export function keyFilePaths(config: JwtgateConfig): string[] {
  return [...(config.auth.keyFile === undefined ? [] : [config.auth.keyFile]), ...config.auth.previousKeyFiles];
}

/**
 * Reads every key file the configuration names. Never throws: a file that
 * cannot be read is recorded with its error code. A file replaced by rename
 * (as `jwtgate keys` writes) is read whole, old or new; one rewritten in
 * place may be read half-written, which then fails to load and is read
 * again at the next check.
 *
 * @example
 * const reading = readKeyFiles(config);
 * const ring = loadKeyRing(config, Date.now(), reading);
 */
export function readKeyFiles(config: JwtgateConfig): KeyFilesReading {
  const files = new Map<string, KeyFileReading>();
  const hash = createHash('sha256');
  for (const path of keyFilePaths(config)) {
    let reading: KeyFileReading;
    try {
      reading = { text: readFileSync(path, 'utf8') };
    } catch (error) {
      reading = { errorCode: (error as NodeJS.ErrnoException).code ?? 'EIO' };
    }
    files.set(path, reading);
    // Lengths first, so that no two different lists of (path, content) hash alike.
    const content = 'text' in reading ? `text:${reading.text}` : `error:${reading.errorCode}`;
    hash.update(`${Buffer.byteLength(path)}:${path}${Buffer.byteLength(content)}:${content}`);
  }
  return { files, digest: hash.digest('hex') };
}
