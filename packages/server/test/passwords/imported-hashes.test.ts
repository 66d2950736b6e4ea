import { hash as argon2Hash } from '@node-rs/argon2';
import { hashSync as nodeRsBcrypt } from '@node-rs/bcrypt';
import bcryptjs from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { firebaseHash, keycloakHash } from '../../src/import/source-hashes.js';
import { createArgon2Hasher } from '../../src/passwords/argon2-hasher.js';
import { acceptImportedHashes, parseImportedHash, verifyImportedHash } from '../../src/passwords/imported-hashes.js';

const PASSWORD = 'correct horse battery staple';

/**
 * Vectors made outside jwtgate: Python's hashlib (which Django's
 * PBKDF2PasswordHasher and passlib call) for PBKDF2 and scrypt, Python's
 * `cryptography` for Firebase's AES step, Openwall's crypt_blowfish test
 * vectors for bcrypt, and Firebase's own published example.
 */
const vectors = {
  django: 'pbkdf2_sha256$870000$ZrQs1wYkbe2B1sTSYKFS5z$ZAdHZ5DajvpKanxc0BwFgEM/HBcqFGkl0KWEszy0Isk=',
  keycloak: {
    secretData:
      '{"value":"i7qC5nI3P+xgQgGl6/tpmg3C4wnLLolm46S5B4Tt8ET9Um4k/7rClnCf8D3LVDClzK/OMPWjMYlITfOIvUbHvA==","salt":"nyxKfR5bjAOm8dLkt8ip8A==","additionalParameters":{}}',
    credentialData: '{"hashIterations":27500,"algorithm":"pbkdf2-sha256","additionalParameters":{}}',
  },
  scrypt: '$scrypt$ln=15,r=8,p=1$XB8Omot9bF9OPSwbCpmIdw$vNHR25gCk6w5D3mCXY9Qkx8fIhHulUXnNhXqiG3Ea6U',
  firebase: {
    params: {
      signerKey: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==',
      saltSeparator: 'Bw==',
      rounds: 8,
      memCost: 14,
    },
    salt: 'ASNFZ4mrze8AEQ==',
    passwordHash: '/BRNTLI6NGfSfchkbh0KcLn6QBeXBtSmfxbBEReazT+OHXLt0A8LhDPr+j5ji9ZQmQUec5ZpEqVzKnAQyep+cA==',
  },
  /** The example in Firebase's scrypt repository (firebase/scrypt, README). */
  firebaseReadme: {
    params: {
      signerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
      saltSeparator: 'Bw==',
      rounds: 8,
      memCost: 14,
    },
    password: 'user1password',
    salt: '42xEC+ixf3L2lw==',
    passwordHash: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
  },
  /** Openwall crypt_blowfish's test vectors, as PHP's and OpenBSD's suites use them. */
  bcrypt2a: ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'U*U'],
  bcrypt2y: ['$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'U*U'],
} as const;

async function expectVerifies(stored: string, password: string): Promise<void> {
  expect(parseImportedHash(stored)).not.toBeNull();
  expect(await verifyImportedHash(stored, password)).toBe(true);
  expect(await verifyImportedHash(stored, `${password}x`)).toBe(false);
  expect(await verifyImportedHash(stored, '')).toBe(false);
}

describe('imported password hashes', () => {
  it('verifies bcrypt $2a$, $2b$ and $2y$ hashes of any cost, from bcryptjs, @node-rs/bcrypt and crypt_blowfish', async () => {
    await expectVerifies(...vectors.bcrypt2a);
    await expectVerifies(...vectors.bcrypt2y);
    await expectVerifies(bcryptjs.hashSync(PASSWORD, 4), PASSWORD);
    await expectVerifies(bcryptjs.hashSync(PASSWORD, 11), PASSWORD);
    await expectVerifies(nodeRsBcrypt(PASSWORD, 6), PASSWORD);
    expect(bcryptjs.hashSync(PASSWORD, 4).startsWith('$2b$04$')).toBe(true);
  });

  it('verifies argon2i, argon2d and argon2id PHC strings with other parameters than jwtgate uses', async () => {
    for (const algorithm of [0, 1, 2] as const) {
      // 0 argon2d, 1 argon2i, 2 argon2id (the package's const enum)
      const stored = await argon2Hash(PASSWORD, { algorithm, memoryCost: 4096, timeCost: 3, parallelism: 2 });
      expect(stored).toMatch(/^\$argon2(d|i|id)\$v=19\$m=4096,t=3,p=2\$/);
      await expectVerifies(stored, PASSWORD);
    }
  });

  it('verifies scrypt PHC strings (Python hashlib) and Firebase scrypt (Firebase example and a Python-made one)', async () => {
    await expectVerifies(vectors.scrypt, PASSWORD);
    const readme = vectors.firebaseReadme;
    await expectVerifies(firebaseHash(readme, readme.params) as string, readme.password);
    await expectVerifies(firebaseHash(vectors.firebase, vectors.firebase.params) as string, PASSWORD);
  });

  it("verifies PBKDF2-SHA256 in Django's format and Keycloak's credential", async () => {
    await expectVerifies(vectors.django, PASSWORD);
    const keycloak = keycloakHash(vectors.keycloak);
    expect(keycloak).toMatch(/^\$pbkdf2-sha256\$i=27500\$/);
    await expectVerifies(keycloak as string, PASSWORD);
    expect(
      keycloakHash({ ...vectors.keycloak, credentialData: '{"hashIterations":1,"algorithm":"pbkdf2-sha512"}' }),
    ).toBeNull();
  });

  it('refuses what it cannot or should not verify: plaintext, unknown schemes, costs past the limits, damage', async () => {
    for (const text of [
      'secret123',
      '',
      '$1$saltsalt$qjXMvbEw8oaL.CzflDugX/',
      'sha1$abc$0123',
      '$2a$17$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
      '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe',
      '$argon2id$v=19$m=4194304,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo',
      '$scrypt$ln=25,r=8,p=1$XB8Omot9bF9OPSwbCpmIdw$vNHR25gCk6w5D3mCXY9Qkx8fIhHulUXnNhXqiG3Ea6U',
      'pbkdf2_sha256$99999999$salt$ZAdHZ5DajvpKanxc0BwFgEM/HBcqFGkl0KWEszy0Isk=',
    ]) {
      expect(parseImportedHash(text), text).toBeNull();
      expect(await verifyImportedHash(text, 'secret123')).toBe(false);
    }
  });

  it('refuses costs that make one login take seconds, and keeps the costs found in practice', async () => {
    // Each refused one took 2 to 16 s for a single guess on a development machine; the accepted ones about 1 s at most.
    const salt = 'c2FsdHNhbHRzYWx0';
    const digest = 'aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
    const bcryptTail = 'CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';
    for (const text of [
      `$2b$15$${bcryptTail}`,
      `$2b$16$${bcryptTail}`,
      `$argon2id$v=19$m=262144,t=64,p=1$${salt}$${digest}`,
      `$argon2id$v=19$m=65536,t=32,p=4$${salt}$${digest}`,
      `$scrypt$ln=20,r=2,p=16$${salt}$${digest}`,
      `$scrypt$ln=17,r=8,p=3$${salt}$${digest}`,
      `pbkdf2_sha256$10000000$salt$${digest}`,
      `$pbkdf2-sha256$i=6000000$${salt}$${digest}`,
    ]) {
      expect(parseImportedHash(text), text).toBeNull();
    }
    for (const text of [
      `$2b$14$${bcryptTail}`,
      `$argon2id$v=19$m=262144,t=4,p=16$${salt}$${digest}`,
      `$argon2id$v=19$m=65536,t=16,p=4$${salt}$${digest}`,
      `$scrypt$ln=20,r=2,p=1$${salt}$${digest}`,
      `$scrypt$ln=16,r=8,p=2$${salt}$${digest}`,
      `pbkdf2_sha256$1200000$salt$${digest}`,
      `$pbkdf2-sha256$i=5000000$${salt}$${digest}`,
    ]) {
      expect(parseImportedHash(text), text).not.toBeNull();
    }
  });

  it('spends the dummy verification on a stored hash it cannot verify, as for an unknown user', async () => {
    // Refused at once, such an account would answer faster than a name that does not exist.
    const argon2 = await createArgon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
    const checked: string[] = [];
    const hasher = acceptImportedHashes({
      ...argon2,
      verify: (stored, password) => {
        checked.push(stored);
        return argon2.verify(stored, password);
      },
    });
    expect(await hasher.verify(`$2b$31$${'C'.repeat(53)}`, PASSWORD)).toBe(false);
    expect(await hasher.verify('md5$abc$0123', PASSWORD)).toBe(false);
    expect(checked).toEqual([argon2.dummyHash, argon2.dummyHash]);
  });

  it("leaves jwtgate's own argon2id hashes to the argon2 hasher and asks for every imported one to be rehashed", async () => {
    const argon2 = await createArgon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
    const hasher = acceptImportedHashes(argon2);
    const own = await hasher.hash(PASSWORD);
    expect(hasher.needsRehash(own)).toBe(false);
    expect(await hasher.verify(own, PASSWORD)).toBe(true);
    for (const stored of [vectors.django, vectors.scrypt, bcryptjs.hashSync(PASSWORD, 4)]) {
      expect(hasher.needsRehash(stored)).toBe(true);
      expect(await hasher.verify(stored, PASSWORD)).toBe(true);
    }
  });
});
