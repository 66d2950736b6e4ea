import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { ConfigError } from '../config/config-error.js';

/** An append-only audit file. */
export interface AuditFile {
  readonly path: string;
  /** Appends one line (it must end with a newline) in one write. Throws when the write fails. */
  append(line: string): void;
  /** Opens the path again (after the file was rotated away); keeps the old file when that fails. */
  reopen(): void;
  close(): void;
}

const FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;

function describeMode(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}

/** Opens `path` for appending and checks it is a regular file only its owner can read. */
function openChecked(path: string): number {
  let fd: number;
  try {
    // O_NOFOLLOW: a symbolic link planted at the path cannot redirect the trail elsewhere.
    fd = openSync(path, FLAGS, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const why = code === 'ELOOP' ? 'it is a symbolic link' : code === 'ENOENT' ? 'its folder does not exist' : code;
    throw new ConfigError([`Audit.File: cannot open ${path} for appending (${why})`]);
  }
  const stat = fstatSync(fd);
  let problem: string | undefined;
  if (!stat.isFile()) problem = `${path} is not a regular file`;
  else if ((stat.mode & 0o077) !== 0) {
    problem = `${path} has mode ${describeMode(stat.mode)}; the audit trail must be readable by its owner only (chmod 600 ${path})`;
  }
  if (problem !== undefined) {
    closeSync(fd);
    throw new ConfigError([`Audit.File: ${problem}`]);
  }
  return fd;
}

/**
 * Opens the audit file, creating it with mode 0600. An existing file that
 * others may read, or that is not a regular file, is refused at start-up
 * rather than written to.
 *
 * Each record is one `write(2)` on a descriptor opened with `O_APPEND`: the
 * kernel appends it whole at the end of the file, even with several
 * processes writing, and it survives a crash of this process as soon as the
 * call returns (it reaches the disk when the kernel flushes; there is no
 * `fsync` per record). Rotate with `copytruncate`, or move the file away and
 * send SIGHUP, which reopens it.
 *
 * @example
 * const file = openAuditFile('/var/log/jwtgate/audit.jsonl');
 * file.append(`${JSON.stringify(record)}\n`);
 */
export function openAuditFile(path: string): AuditFile {
  // -1 once closed: a closed descriptor's number may already belong to another file.
  let fd = openChecked(path);
  return {
    path,
    append(line) {
      if (fd === -1) throw new Error(`the audit file ${path} is closed`);
      const bytes = Buffer.from(line, 'utf8');
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written);
    },
    reopen() {
      if (fd === -1) return;
      const next = openChecked(path);
      const previous = fd;
      fd = next;
      closeSync(previous);
    },
    close() {
      if (fd === -1) return;
      closeSync(fd);
      fd = -1;
    },
  };
}
