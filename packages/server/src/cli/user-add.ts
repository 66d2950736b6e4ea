import { registerUser, systemClock, toPublicUser } from '@jwtgate/core';
import type { JwtgateConfig } from '../config/config.js';
import { createArgon2Hasher } from '../passwords/argon2-hasher.js';
import { createPasswordScreen } from '../passwords/password-screen.js';
import { newUserIds } from '../runtime/create-server.js';
import { migrateDatabase } from '../stores/sql/migrate-database.js';
import { openSqlDatabase } from '../stores/sql/open-database.js';
import { createSqlUserStore } from '../stores/sql/sql-user-store.js';
import { openCommandAudit } from './command-audit.js';
import { promptPassword, readPasswordFromStdin } from './read-password.js';

/**
 * `jwtgate user add <username> [--role admin] [--password-stdin]`. The
 * password meets the rules of registration, `Passwords` included: a common
 * or breached one is refused (`ERR_COMMON_PASSWORD`, `ERR_BREACHED_PASSWORD`),
 * and so is one made of the username or the service's words
 * (`ERR_PASSWORD_CONTAINS_CONTEXT`). The new account is recorded in the
 * audit trail as registrations are (`user.registered`), naming the operator
 * (`actor: "cli"`, `operator`) and the role given.
 */
export async function userAddCommand(
  config: JwtgateConfig,
  input: { username: string; role: string; passwordFromStdin: boolean },
): Promise<void> {
  let password: string;
  if (input.passwordFromStdin) {
    password = await readPasswordFromStdin();
  } else if (process.stdin.isTTY) {
    password = await promptPassword('Password: ');
    if ((await promptPassword('Repeat password: ')) !== password) throw new Error('the passwords do not match');
  } else {
    throw new Error('standard input is not a terminal: pass the password with --password-stdin');
  }
  const database = openSqlDatabase({
    url: config.database.url,
    timeoutMs: config.database.timeoutMs,
    poolSize: config.database.poolSize,
  });
  const audit = openCommandAudit(config, systemClock);
  try {
    await migrateDatabase(config.database, database);
    audit.useDatabase(database);
    const user = await registerUser(
      {
        users: createSqlUserStore(database.db),
        hasher: await createArgon2Hasher(),
        // The administrator's passwords meet the same rules as everyone's.
        passwordScreen: createPasswordScreen(config.passwords, {
          breachCheckUnavailable: (why) =>
            process.stderr.write(`warning: the Pwned Passwords range API gives no usable answer (${why})\n`),
        }),
        contextWords: config.passwords.contextWords,
        clock: systemClock,
        ...(newUserIds(config, systemClock) === undefined ? {} : { newUserId: newUserIds(config, systemClock) }),
      },
      { username: input.username, password, role: input.role },
    );
    audit.events.registered({ user, client: audit.client, by: audit.actor });
    process.stdout.write(`${JSON.stringify(toPublicUser(user))}\n`);
  } finally {
    try {
      await audit.close();
    } finally {
      await database.close();
    }
  }
}
