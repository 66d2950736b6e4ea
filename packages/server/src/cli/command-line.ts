import { type ParseArgsConfig, parseArgs } from 'node:util';
import { closestWord } from '../config/did-you-mean.js';

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** One command of `jwtgate`: the options it accepts, how many words follow it, and its lines of the usage. */
interface CommandSpec {
  readonly options: OptionSpecs;
  /** The fewest and most positional words after the command's name. */
  readonly words: readonly [number, number];
  /** Its lines in the usage: the first is the synopsis after `jwtgate`. */
  readonly help: string;
}

const GLOBAL_OPTIONS = {
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', short: 'v', default: false },
} as const satisfies OptionSpecs;

const json = { type: 'boolean', default: false } as const;
const yes = { type: 'boolean', short: 'y', default: false } as const;

/** What `keys generate` and `keys rotate` (which may generate the key it rotates in) take. */
const keyOptions = {
  file: { type: 'string' },
  alg: { type: 'string' },
  kid: { type: 'string' },
  'change-alg': { type: 'boolean', default: false },
  json,
} as const;

/** Every command, by its name; the usage lists them in this order. */
const COMMANDS = {
  start: { options: {}, words: [0, 0], help: 'start                         Run the server (the default)' },
  migrate: { options: {}, words: [0, 0], help: 'migrate                       Apply database migrations and exit' },
  'user list': {
    options: {
      role: { type: 'string' },
      disabled: { type: 'boolean' },
      enabled: { type: 'boolean' },
      search: { type: 'string' },
      email: { type: 'boolean', default: false },
      limit: { type: 'string' },
      after: { type: 'string' },
      json,
    },
    words: [0, 1],
    help: `user list [<prefix>]          Users in username order, a page at a time
      --search <prefix>         Only usernames starting with this (any case); or
      --email                   search the start of the email address instead
      --role <role>             Only users with this role
      --disabled | --enabled    Only disabled, or only enabled, users
      --limit <n>               Users per page, 1 to 100 (default 20)
      --after <cursor>          The next page: the cursor the previous page printed`,
  },
  'user show': {
    options: { json },
    words: [1, 1],
    help: `user show <user>              A user (by username or id) and their active sessions`,
  },
  'user add': {
    options: { role: { type: 'string', default: 'user' }, 'password-stdin': { type: 'boolean', default: false } },
    words: [1, 1],
    help: `user add <username>           Create a user
      --role <role>             Role of the new user (default: user; e.g. admin)
      --password-stdin          Read the password from standard input`,
  },
  'user disable': {
    options: { yes, json },
    words: [1, 1],
    help: `user disable <user>           Disable a user: their sessions end at once, logins are refused`,
  },
  'user enable': {
    options: { json },
    words: [1, 1],
    help: `user enable <user>            Enable a disabled user again`,
  },
  'user set-password': {
    options: { 'password-stdin': { type: 'boolean', default: false }, yes, json },
    words: [1, 1],
    help: `user set-password <user>      Set a user's password; all their sessions end
      --password-stdin          Read the password from standard input`,
  },
  'user set-role': {
    options: { yes, json },
    words: [2, 2],
    help: `user set-role <user> <role>   Change a user's role; their sessions end (they carry the old role)`,
  },
  'user logout': {
    options: { yes, json },
    words: [1, 1],
    help: `user logout <user>            End all of a user's sessions at once`,
  },
  'user delete': {
    options: { yes, json },
    words: [1, 1],
    help: `user delete <user>            Delete a user: sessions end, the account and its data go,
                                the username stays taken for Accounts.UsernameQuarantine`,
  },
  'user import': {
    options: {
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
    },
    words: [0, 1],
    help: `user import <file>            Import users with their password hashes from JSON Lines
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
                                Firebase's scrypt parameters, for a Firebase export`,
  },
  'session list': {
    options: { json },
    words: [1, 1],
    help: `session list <user>           A user's active sessions, newest first`,
  },
  'session end': {
    options: { yes, json },
    words: [1, 1],
    help: `session end <session-id>      End one session (of any user) at once`,
  },
  'invite create': {
    options: { role: { type: 'string' }, json },
    words: [1, 1],
    help: `invite create <email>         Invite someone to register (as POST /admin/invitations): mailed
                                through the outbox, or the link printed once without mail
      --role <role>             The new account's role (default: user)`,
  },
  'invite list': {
    options: { status: { type: 'string' }, limit: { type: 'string' }, after: { type: 'string' }, json },
    words: [0, 0],
    help: `invite list                   Invitations, newest first, a page at a time
      --status <status>         Only pending, used, expired or revoked ones
      --limit <n>               Invitations per page, 1 to 100 (default 20)
      --after <cursor>          The next page: the cursor the previous page printed`,
  },
  'invite revoke': {
    options: { yes, json },
    words: [1, 1],
    help: `invite revoke <id>            Revoke a pending invitation: its link stops working at once`,
  },
  'audit tail': {
    options: {
      user: { type: 'string' },
      event: { type: 'string', multiple: true },
      limit: { type: 'string' },
      follow: { type: 'boolean', short: 'f', default: false },
      json,
    },
    words: [0, 0],
    help: `audit tail                    The latest audit records (Audit.Database), oldest first
      --user <user>             Only records about this user (username or id)
      --event <name>            Only this event (repeat for several), e.g. login.failed
      --limit <n>               How many (default 20, at most 200)
      -f, --follow              Then print new records as they come, until interrupted`,
  },
  'config check': {
    options: {},
    words: [0, 0],
    help: 'config check                  Validate the configuration and its key files, and exit',
  },
  'keys generate': {
    options: keyOptions,
    words: [0, 0],
    help: `keys generate                 Add a key to the key set (Auth.KeyFile or --file): the
                                first one signs, later ones wait as "next" (published)
      --alg <alg>               ES256 (default), EdDSA, RS256, PS256; or HS256/HS384/HS512
                                to print a new secret for the environment
      --kid <id>                Key id (default: <alg>-<yyyymmdd>-<random>)
      --change-alg              Allow --alg to differ from the key set's signing key
                                (every token changes algorithm once it is rotated in)`,
  },
  'keys rotate': {
    options: keyOptions,
    words: [0, 0],
    help: `keys rotate                   The next key (or a new one, with --alg, --kid) starts signing;
                                the signing key keeps verifying until its tokens have expired`,
  },
  'keys remove': {
    options: { file: { type: 'string' }, kid: { type: 'string' }, json },
    words: [0, 0],
    help: `keys remove                   Take a next or previous key out of the key set at once
                                (a leaked key): its tokens stop verifying once reloaded
      --kid <id>                The key to remove (rotate first if it signs)`,
  },
  'keys list': {
    options: { file: { type: 'string' }, json },
    words: [0, 0],
    help: `keys list                     The keys the server runs with (or those of --file)
      --file <path>             Key set file (default: Auth.KeyFile)
      --json                    Machine-readable output`,
  },
} as const satisfies Record<string, CommandSpec>;

/** The name of a command, e.g. `user list`. */
export type CommandName = keyof typeof COMMANDS;

/** The lines of options several commands share, for a command's own usage. */
const FLAG_HELP: Readonly<Record<string, string>> = {
  json: '      --json                    Print JSON (docs/cli.md lists its fields) instead of a table',
  yes: '  -y, --yes                     Do it without asking (needed without a terminal)',
  file: '      --file <path>             Key set file (default: Auth.KeyFile)',
};

const COMMON_FLAGS = `
Options of the user, session, invite and audit commands:
  --json                        Print JSON (see docs/cli.md for its fields) instead of a table
  -y, --yes                     Do it without asking (needed without a terminal)
  <user> is a username or a user id.

Options:
  --config <path>               YAML configuration file (or JWTGATE_CONFIG)
  -h, --help                    Show this help
  -v, --version                 Show the version
`;

/** The whole usage, for `--help` and for a command line that names no known command. */
export const USAGE = `Usage: jwtgate [command] [options]

Commands:
${Object.values(COMMANDS)
  .map((spec) => `  ${spec.help}`)
  .join('\n')}
${COMMON_FLAGS}`;

/** The usage of one command: its synopsis, its options, and the global ones. */
export function commandUsage(name: CommandName): string {
  const spec: CommandSpec = COMMANDS[name];
  const flags = Object.keys(spec.options).filter((flag) => !spec.help.includes(`--${flag}`));
  const extra = flags.map((flag) => FLAG_HELP[flag] ?? `      --${flag}`).join('\n');
  return `Usage: jwtgate ${spec.help}${extra === '' ? '' : `\n${extra}`}

Options:
  --config <path>               YAML configuration file (or JWTGATE_CONFIG)
  -h, --help                    Show this help
`;
}

/** A command line that cannot be carried out as written: exit status 64 (EX_USAGE), with the usage. */
export class UsageError extends Error {}

/** A command line read against its command's options. */
export interface CommandLine {
  /** `undefined` when only global options were given (`--help`, `--version`). */
  readonly command: CommandName | undefined;
  /** The words after the command's name. */
  readonly words: readonly string[];
  readonly values: Readonly<Record<string, OptionValue>>;
}

type OptionValue = string | boolean | (string | boolean)[] | undefined;

/**
 * A string option's value.
 *
 * @example
 * stringOption(line, 'role'); // 'admin', or undefined when not given
 */
export function stringOption(line: CommandLine, name: string): string | undefined {
  const value = line.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A flag's value (`false` when not given). */
export function flag(line: CommandLine, name: string): boolean {
  return line.values[name] === true;
}

/** A flag given as `true`, as `false` or not at all. */
export function optionalFlag(line: CommandLine, name: string): boolean | undefined {
  const value = line.values[name];
  return typeof value === 'boolean' ? value : undefined;
}

/** Every value of a repeatable string option. */
export function listOption(line: CommandLine, name: string): string[] {
  const value = line.values[name];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Every option that takes a value, in any command: its value is not a command word. */
const VALUE_OPTIONS = new Set(
  Object.values(COMMANDS).flatMap((spec: CommandSpec) =>
    Object.entries(spec.options)
      .filter(([, option]) => option.type === 'string')
      .map(([name]) => `--${name}`),
  ),
).add('--config');

/** The command words of `argv`, skipping options and their values. */
function wordsOf(argv: readonly string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('-') && arg !== '-') {
      if (VALUE_OPTIONS.has(arg)) i += 1;
      continue;
    }
    words.push(arg);
  }
  return words;
}

/** The command the words name, with how many words its name took. */
function commandOf(words: readonly string[]): { name: CommandName; length: number } | undefined {
  const two = `${words[0]} ${words[1]}`;
  if (two in COMMANDS) return { name: two as CommandName, length: 2 };
  const one = words[0] ?? 'start';
  if (one in COMMANDS) return { name: one as CommandName, length: words.length === 0 ? 0 : 1 };
  return undefined;
}

/** The commands whose first word is `group` (`user` → `user list`, `user show`...). */
function subcommandsOf(group: string): string[] {
  return Object.keys(COMMANDS)
    .filter((name) => name.startsWith(`${group} `))
    .map((name) => name.slice(group.length + 1));
}

/**
 * Reads the command line: which command it names, and its options read
 * against that command's own (and the global ones). An option the command
 * does not take is a usage error naming the closest one it does take.
 *
 * @example
 * parseCommandLine(['user', 'list', '--role', 'admin']); // { command: 'user list', words: [], values: { role: 'admin', ... } }
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const words = wordsOf(argv);
  const found = commandOf(words);
  if (found === undefined) {
    const [group] = words;
    const subcommands = group === undefined ? [] : subcommandsOf(group);
    if (subcommands.length > 0) {
      const meant = words[1] === undefined ? undefined : closestWord(words[1], subcommands);
      throw new UsageError(
        `${words[1] === undefined ? `${group} needs a subcommand` : `unknown command "${group} ${words[1]}"${meant === undefined ? '' : ` (did you mean "${group} ${meant}"?)`}`}: ${subcommands.join(', ')}\n\n${USAGE}`,
      );
    }
    // Options such as --help or --version work without a command; read them before failing.
    const globals = readOptions(argv, GLOBAL_OPTIONS, USAGE);
    if (globals.values.help === true || globals.values.version === true) {
      return { command: undefined, words: [], values: globals.values };
    }
    throw new UsageError(`unknown command "${group}"\n\n${USAGE}`);
  }
  const spec: CommandSpec = COMMANDS[found.name];
  // `jwtgate` alone, or with options only, is `jwtgate start`: the whole usage fits an error best.
  const usage = found.length === 0 ? USAGE : commandUsage(found.name);
  const { values } = readOptions(argv, { ...GLOBAL_OPTIONS, ...spec.options }, usage);
  if (found.length === 0 && (values.help === true || values.version === true)) {
    return { command: undefined, words: [], values };
  }
  const rest = words.slice(found.length);
  const [min, max] = spec.words;
  if (values.help !== true && values.version !== true && (rest.length < min || rest.length > max)) {
    throw new UsageError(`usage: jwtgate ${spec.help.split('\n')[0]?.replace(/\s{2,}.*$/, '')}\n\n${usage}`);
  }
  return { command: found.name, words: rest, values };
}

function readOptions(argv: readonly string[], options: OptionSpecs, usage: string) {
  try {
    return parseArgs({ args: [...argv], allowPositionals: true, options, strict: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) throw error;
    const option = /'(-[^']*)'/.exec((error as Error).message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
      const meant = closestWord(option.replace(/^-+/, '').split('=')[0] as string, Object.keys(options));
      // A session id or cursor may start with "-" (base64url): it reads as options unless it follows "--".
      const word = /^-[^-]/.test(option)
        ? '\na word that starts with "-" (a session id) goes after "--": jwtgate session end -- -4Xy…'
        : '';
      throw new UsageError(
        `unknown option ${option}${meant === undefined ? '' : ` (did you mean --${meant}?)`}${word}\n\n${usage}`,
      );
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
      throw new UsageError(`option ${option} needs a value\n\n${usage}`);
    }
    throw new UsageError(`cannot read the command line\n\n${usage}`);
  }
}
