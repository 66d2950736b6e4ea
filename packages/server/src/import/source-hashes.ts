/** Firebase's project-wide scrypt parameters (Authentication → Users → Password hash parameters). */
export interface FirebaseScryptParams {
  readonly signerKey: string;
  readonly saltSeparator: string;
  readonly rounds: number;
  readonly memCost: number;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The stored form of a Firebase user's password: the project's parameters and
 * the user's base64 hash and salt (`passwordHash`, `salt` in `firebase
 * auth:export`) in one string, `$firebase-scrypt$r=…,m=…$sep$signer$salt$hash`,
 * or `null` when the row lacks them.
 *
 * @example
 * firebaseHash({ passwordHash: 'lSrf…', salt: '42xE…' }, params);
 */
export function firebaseHash(fields: Readonly<Record<string, unknown>>, params: FirebaseScryptParams): string | null {
  const hash = fields.password_hash ?? fields.passwordHash;
  const salt = fields.salt ?? fields.passwordSalt;
  if (typeof hash !== 'string' || typeof salt !== 'string' || !BASE64.test(hash) || !BASE64.test(salt)) return null;
  return `$firebase-scrypt$r=${params.rounds},m=${params.memCost}$${params.saltSeparator}$${params.signerKey}$${salt}$${hash}`;
}

function jsonObject(value: unknown): Record<string, unknown> | null {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return null;
    }
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : null;
}

/**
 * A Keycloak password credential (`secretData` and `credentialData` as a
 * realm export has them, JSON text or objects) as the stored form
 * `$pbkdf2-sha256$i=<iterations>$<salt>$<hash>`; `null` for another
 * algorithm or a malformed credential.
 *
 * @example
 * keycloakHash({ secretData: '{"value":"…","salt":"…"}', credentialData: '{"hashIterations":27500,"algorithm":"pbkdf2-sha256"}' });
 */
export function keycloakHash(credential: unknown): string | null {
  const outer = jsonObject(credential);
  if (outer === null) return null;
  const secret = jsonObject(outer.secretData);
  const data = jsonObject(outer.credentialData);
  if (secret === null || data === null || data.algorithm !== 'pbkdf2-sha256') return null;
  const { value, salt } = secret;
  const iterations = data.hashIterations;
  if (typeof value !== 'string' || typeof salt !== 'string' || !BASE64.test(value) || !BASE64.test(salt)) return null;
  if (typeof iterations !== 'number' || !Number.isSafeInteger(iterations)) return null;
  return `$pbkdf2-sha256$i=${iterations}$${salt}$${value}`;
}
