import { once } from 'node:events';
import { createWriteStream, statSync } from 'node:fs';
import { createArgon2Hasher } from '@jwtgate/server';
import bcrypt from 'bcryptjs';

/** The password behind every generated hash: the import never sees it, but a check of the data can. */
export const GENERATED_PASSWORD = 'imported user passphrase';

/** What the generated files hold, for the head of the results. */
export interface GeneratedUsers {
  readonly rows: number;
  readonly jsonl: { readonly path: string; readonly bytes: number };
  readonly csv: { readonly path: string; readonly bytes: number };
  /** One line per kind of hash, e.g. `bcrypt $2a$ cost 10`. */
  readonly hashKinds: readonly string[];
}

/**
 * A handful of real hashes, made by the libraries that made them in the old
 * systems: bcrypt (bcryptjs, `$2a$` and `$2b$`) and argon2id (jwtgate's own
 * hasher, OWASP parameters). Hashing a million passwords is not what is
 * measured; verifying them is never done by the import.
 */
async function makeHashes(): Promise<{ hashes: string[]; kinds: string[] }> {
  const argon2 = await createArgon2Hasher();
  // bcryptjs writes `$2b$`; for a password this short `$2a$` and `$2y$` give the very same hash
  // (they differ only past 255 bytes), as Go's x/crypto/bcrypt and PHP write them.
  const cost10 = bcrypt.hashSync(GENERATED_PASSWORD, 10);
  const hashes = [
    cost10.replace(/^\$2b\$/, '$2a$'),
    bcrypt.hashSync(GENERATED_PASSWORD, 10),
    bcrypt.hashSync(GENERATED_PASSWORD, 12).replace(/^\$2b\$/, '$2y$'),
    await argon2.hash(GENERATED_PASSWORD),
    await argon2.hash(GENERATED_PASSWORD),
  ];
  const kinds = ['bcrypt `$2a$` and `$2b$` cost 10', 'bcrypt `$2y$` cost 12', 'argon2id, OWASP parameters (2 salts)'];
  return { hashes, kinds };
}

/** go-zero style int64 ids beyond 2^53, as a snowflake generator makes them, written as exact integers. */
const FIRST_ID = 1_600_000_000_000_000_000n;

/** Writes chunks of lines with back-pressure, so memory stays flat however many rows. */
async function writeLines(path: string, header: string | undefined, rows: number, line: (i: number) => string) {
  const out = createWriteStream(path);
  if (header !== undefined) out.write(`${header}\n`);
  const CHUNK = 5_000;
  for (let start = 0; start < rows; start += CHUNK) {
    let text = '';
    for (let i = start; i < Math.min(rows, start + CHUNK); i++) text += `${line(i)}\n`;
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { path, bytes: statSync(path).size };
}

/**
 * Writes `rows` users as JSON Lines and as CSV into `dir`: distinct int64 ids,
 * usernames and addresses, a creation time, every tenth an admin, every
 * hundredth disabled, the hashes taken in turn.
 *
 * @example
 * const files = await generateUsers('/tmp/import-bench', 1_000_000);
 */
export async function generateUsers(dir: string, rows: number): Promise<GeneratedUsers> {
  const { hashes, kinds } = await makeHashes();
  const field = (i: number) => {
    const name = `user${String(i).padStart(7, '0')}`;
    return {
      id: (FIRST_ID + BigInt(i) * 4_096n).toString(),
      username: name,
      email: `${name}@example.com`,
      role: i % 10 === 0 ? 'admin' : 'user',
      createdAt: new Date(Date.UTC(2019, 0, 1) + i * 60_000).toISOString(),
      hash: hashes[i % hashes.length] as string,
      disabled: i % 100 === 99,
    };
  };
  const jsonl = await writeLines(`${dir}/users.jsonl`, undefined, rows, (i) => {
    const u = field(i);
    // The id as a bare JSON integer, as a MySQL export writes a BIGINT.
    return `{"id":${u.id},"username":"${u.username}","email":"${u.email}","role":"${u.role}","created_at":"${u.createdAt}","password_hash":"${u.hash}","disabled":${u.disabled}}`;
  });
  const csv = await writeLines(
    `${dir}/users.csv`,
    'id,username,email,role,created_at,password_hash,disabled',
    rows,
    (i) => {
      const u = field(i);
      // argon2's parameters hold commas: the hash is quoted.
      return `${u.id},${u.username},${u.email},${u.role},${u.createdAt},"${u.hash}",${u.disabled}`;
    },
  );
  return { rows, jsonl, csv, hashKinds: kinds };
}
