#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isAuthError } from '@jwtgate/core';
import type { JwtgateConfig } from '../config/config.js';
import { ConfigError } from '../config/config-error.js';
import { closestWord } from '../config/did-you-mean.js';
import { loadConfig } from '../config/load-config.js';
import { loadKeyRing } from '../keys/load-key-ring.js';
import { KeysCommandError, keysCommand } from './keys.js';
import { migrateCommand } from './migrate.js';
import { startCommand } from './start.js';
import { userAddCommand } from './user-add.js';
import { ImportUsageError, userImportCommand } from './user-import.js';

const USAGE = `Usage: jwtgate [command] [options]

Commands:
  start                         Run the server (the default)
  migrate                       Apply database migrations and exit
  user add <username>           Create a user
      --role <role>             Role of the new user (default: user; e.g. admin)
      --password-stdin          Read the password from standard input
  user import <file>            Import users with their password hashes from JSON Lines
                                or CSV (id, username, email, role, created_at,
                                password_hash, disabled); see docs/importing-users.md
      --from-mysql <url>        Read a MySQL/MariaDB table instead of a file, with
      --table <name>            this table and
      --map <field=column,…>    these columns (default id=id,username=username,password=password)
      --update                  Overwrite users already imported (default: skip them)
      --dry-run                 Check every row, write nothing
      --batch-size <n>          Users per transaction (default 1000)
      --rejects <file>          Write every rejected row, with its line and reason
      --firebase-signer-key, --firebase-salt-separator, --firebase-rounds, --firebase-mem-cost
                                Firebase's scrypt parameters, for a Firebase export
  config check                  Validate the configuration and its key files, and exit
  keys generate                 Add a key to the key set (Auth.KeyFile or --file): the
                                first one signs, later ones wait as "next" (published)
      --alg <alg>               ES256 (default), EdDSA, RS256, PS256; or HS256/HS384/HS512
                                to print a new secret for the environment
      --kid <id>                Key id (default: <alg>-<yyyymmdd>-<random>)
      --change-alg              Allow --alg to differ from the key set's signing key
                                (every token changes algorithm once it is rotated in)
  keys rotate                   The next key (or a new one) starts signing; the signing
                                key keeps verifying until its tokens have expired
  keys list                     The keys the server runs with (or those of --file)
      --file <path>             Key set file (default: Auth.KeyFile)
      --json                    Machine-readable output

Options:
  --config <path>               YAML configuration file (or JWTGATE_CONFIG)
  -h, --help                    Show this help
  -v, --version                 Show the version
`;

const OPTIONS = {
  config: { type: 'string' },
  role: { type: 'string', default: 'user' },
  'password-stdin': { type: 'boolean', default: false },
  file: { type: 'string' },
  alg: { type: 'string' },
  kid: { type: 'string' },
  'change-alg': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  format: { type: 'string' },
  'from-mysql': { type: 'string' },
  table: { type: 'string' },
  map: { type: 'string' },
  update: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  'batch-size': { type: 'string' },
  rejects: { type: 'string' },
  'firebase-signer-key': { type: 'string' },
  'firebase-salt-separator': { type: 'string' },
  'firebase-rounds': { type: 'string' },
  'firebase-mem-cost': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', short: 'v', default: false },
} as const;

/** The command line, or a usage error that names the option it could not read and the one probably meant. */
function parseCommandLine(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], allowPositionals: true, options: OPTIONS });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) throw error;
    const option = /'(-[^']*)'/.exec((error as Error).message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
      const meant = closestWord(option.replace(/^-+/, '').split('=')[0] as string, Object.keys(OPTIONS));
      throw new UsageError(
        `unknown option ${option}${meant === undefined ? '' : ` (did you mean --${meant}?)`}\n\n${USAGE}`,
      );
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
      throw new UsageError(`option ${option} needs a value\n\n${USAGE}`);
    }
    throw new UsageError(`cannot read the command line\n\n${USAGE}`);
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseCommandLine(argv);
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (values.version) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return;
  }
  const [command = 'start', sub, ...rest] = positionals;
  let loaded: JwtgateConfig | undefined;
  const config = () => {
    loaded ??= loadConfig(values.config === undefined ? {} : { configPath: values.config });
    return loaded;
  };
  switch (command) {
    case 'start':
      return startCommand(config());
    case 'migrate':
      return migrateCommand(config());
    case 'user':
      if (sub === 'import') {
        if (rest.length > 1)
          throw new UsageError('usage: jwtgate user import <file> | --from-mysql <url> --table <name>');
        const summary = await userImportCommand(config(), {
          file: rest[0],
          format: values.format,
          fromMysql: values['from-mysql'],
          table: values.table,
          map: values.map,
          update: values.update,
          dryRun: values['dry-run'],
          batchSize: values['batch-size'],
          rejects: values.rejects,
          firebase: {
            signerKey: values['firebase-signer-key'],
            saltSeparator: values['firebase-salt-separator'],
            rounds: values['firebase-rounds'],
            memCost: values['firebase-mem-cost'],
          },
        });
        if (summary.rejected > 0) process.exitCode = 1;
        return;
      }
      if (sub !== 'add' || rest.length !== 1)
        throw new UsageError('usage: jwtgate user add <username> [--role <role>] [--password-stdin]');
      return userAddCommand(config(), {
        username: rest[0] as string,
        role: values.role,
        passwordFromStdin: values['password-stdin'],
      });
    case 'config': {
      if (sub !== 'check') throw new UsageError('usage: jwtgate config check');
      // The key files are part of the configuration: reading them is part of the check.
      loadKeyRing(config(), Date.now());
      process.stdout.write('configuration is valid\n');
      return;
    }
    case 'keys':
      if (sub !== 'generate' && sub !== 'rotate' && sub !== 'list') {
        throw new UsageError('usage: jwtgate keys generate | rotate | list [--file <path>] [--alg <alg>] [--json]');
      }
      return keysCommand(sub, {
        config,
        file: values.file,
        alg: values.alg,
        kid: values.kid,
        changeAlg: values['change-alg'],
        json: values.json,
        now: Date.now(),
        out: (text) => process.stdout.write(text),
        warn: (text) => process.stderr.write(text),
      });
    default:
      throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

class UsageError extends Error {}

let settled = false;
// A command whose work stalls on a promise nothing will settle ends when the event loop
// empties, with status 0 and no output: a false success. Say so, and fail.
process.on('exit', (code) => {
  if (settled || code !== 0) return;
  process.stderr.write('jwtgate: the command stopped before it finished (nothing was left to wait for)\n');
  process.exitCode = 70;
});

main(process.argv.slice(2))
  .then(() => {
    settled = true;
  })
  .catch((error: unknown) => {
    settled = true;
    if (error instanceof ConfigError) {
      process.stderr.write(`jwtgate: ${error.message}\n`);
      process.exit(78);
    }
    if (error instanceof UsageError || error instanceof ImportUsageError) {
      process.stderr.write(`jwtgate: ${error.message}\n`);
      process.exit(64);
    }
    if (error instanceof KeysCommandError) {
      process.stderr.write(`jwtgate: ${error.message}\n`);
      process.exit(1);
    }
    if (isAuthError(error)) {
      process.stderr.write(`jwtgate: ${error.code}: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`jwtgate: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
