import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { JwtgateConfig } from '../config/config.js';

/**
 * One key file as it was read: its text, or why it could not be (`ENOENT`,
 * `EACCES`…), or why it was refused unread (`problem` then says so and how to fix it).
 */
export type KeyFileReading = { readonly text: string } | { readonly errorCode: string; readonly problem?: string };

/**
 * The largest key file read. A key set of a dozen RSA-4096 keys is some
 * 40 KiB; a path pointing at a log or a disk image by mistake would
 * otherwise be read whole into memory at every check.
 */
export const MAX_KEY_FILE_BYTES = 1024 * 1024;

/** Why a key file was not read, as one sentence naming the file (never its contents). */
export function keyFileProblem(path: string, file: { readonly errorCode: string; readonly problem?: string }): string {
  return file.problem ?? `cannot read ${path} (${file.errorCode})`;
}

/**
 * Reads one key file through a single descriptor, so that what is checked
 * (a regular file, its mode, its size) is what is read, even if the path is
 * swapped meanwhile. A symbolic link is followed (Kubernetes mounts secrets
 * that way) and its target is what is judged. `O_NONBLOCK` keeps a FIFO
 * planted at the path from hanging the server until someone writes to it.
 *
 * @example
 * const file = readKeyFileChecked('/etc/jwtgate/keys.json');
 * if ('errorCode' in file) throw new Error(keyFileProblem('/etc/jwtgate/keys.json', file));
 */
export function readKeyFileChecked(path: string): KeyFileReading {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return { errorCode: (error as NodeJS.ErrnoException).code ?? 'EIO' };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { errorCode: 'ENOTREG', problem: `${path} is not a regular file` };
    if ((stat.mode & 0o002) !== 0) {
      // Anyone on the host could put their own key in it, and the next check would sign and verify with it.
      const mode = `0${(stat.mode & 0o777).toString(8)}`;
      return {
        errorCode: 'EWRITABLE',
        problem: `${path} has mode ${mode}: any user can write it; only its owner may (chmod o-w ${path})`,
      };
    }
    // Read to the end rather than to the size seen: the file may still grow. One byte past the limit tells too large.
    const buffer = Buffer.allocUnsafe(MAX_KEY_FILE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > MAX_KEY_FILE_BYTES) {
      return {
        errorCode: 'EFBIG',
        problem: `${path} is larger than ${MAX_KEY_FILE_BYTES} bytes, far more than any key file; is it the right file?`,
      };
    }
    return { text: buffer.toString('utf8', 0, length) };
  } catch (error) {
    return { errorCode: (error as NodeJS.ErrnoException).code ?? 'EIO' };
  } finally {
    closeSync(fd);
  }
}

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
 * cannot be read is recorded with its error code, and so is one refused
 * unread (not a regular file, writable by any user, over
 * {@link MAX_KEY_FILE_BYTES}). A file replaced by rename
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
    const reading = readKeyFileChecked(path);
    files.set(path, reading);
    // Lengths first, so that no two different lists of (path, content) hash alike.
    const content = 'text' in reading ? `text:${reading.text}` : `error:${reading.errorCode}`;
    hash.update(`${Buffer.byteLength(path)}:${path}${Buffer.byteLength(content)}:${content}`);
  }
  return { files, digest: hash.digest('hex') };
}
