#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { isAuthError } from '@jwtgate/core';
import type { JwtgateConfig } from '../config/config.js';
import { ConfigError } from '../config/config-error.js';
import { loadConfig } from '../config/load-config.js';
import { loadKeyRing } from '../keys/load-key-ring.js';
import { type AdminRuntime, openAdminRuntime } from './admin-runtime.js';
import { auditTailCommand } from './audit-tail.js';
import { stdoutOutput } from './cli-output.js';
import {
  type CommandLine,
  commandUsage,
  flag,
  listOption,
  optionalFlag,
  parseCommandLine,
  stringOption,
  USAGE,
  UsageError,
} from './command-line.js';
import { CancelledError } from './confirm.js';
import { KeysCommandError, keysCommand } from './keys.js';
import { migrateCommand } from './migrate.js';
import { sessionEndCommand } from './session-end.js';
import { startCommand } from './start.js';
import {
  userDeleteCommand,
  userLogoutCommand,
  userSetDisabledCommand,
  userSetPasswordCommand,
  userSetRoleCommand,
} from './user-actions.js';
import { userAddCommand } from './user-add.js';
import { ImportUsageError, userImportCommand } from './user-import.js';
import { userListCommand } from './user-list.js';
import { sessionListCommand, userShowCommand } from './user-show.js';

/** Whether `--json` was asked for, so that a failure is reported as JSON too. */
let jsonOutput = false;

/** Runs an administrative command on the configured stores, and closes them whatever happens. */
async function withRuntime(config: JwtgateConfig, run: (runtime: AdminRuntime) => Promise<void>): Promise<void> {
  const runtime = await openAdminRuntime(config);
  try {
    await run(runtime);
  } finally {
    await runtime.close();
  }
}

/** The user, session and audit commands. */
function adminCommand(line: CommandLine, config: () => JwtgateConfig): Promise<void> | undefined {
  const out = stdoutOutput(flag(line, 'json'));
  const [first = '', second = ''] = line.words;
  const action = { out, yes: flag(line, 'yes') };
  switch (line.command) {
    case 'user list': {
      const disabled = optionalFlag(line, 'disabled');
      const enabled = optionalFlag(line, 'enabled');
      if (disabled !== undefined && enabled !== undefined) {
        throw new UsageError(`--disabled and --enabled exclude each other\n\n${commandUsage('user list')}`);
      }
      if (first !== '' && stringOption(line, 'search') !== undefined) {
        throw new UsageError(`give the prefix once: as a word or as --search\n\n${commandUsage('user list')}`);
      }
      const state = disabled ?? (enabled === undefined ? undefined : !enabled);
      return withRuntime(config(), (runtime) =>
        userListCommand(
          runtime,
          {
            search: stringOption(line, 'search') ?? (first === '' ? undefined : first),
            searchEmail: flag(line, 'email'),
            role: stringOption(line, 'role'),
            disabled: state,
            limit: stringOption(line, 'limit'),
            after: stringOption(line, 'after'),
          },
          out,
        ),
      );
    }
    case 'user show':
      return withRuntime(config(), (runtime) => userShowCommand(runtime, first, out));
    case 'user disable':
    case 'user enable':
      return withRuntime(config(), (runtime) =>
        userSetDisabledCommand(runtime, first, line.command === 'user disable', action),
      );
    case 'user set-role':
      return withRuntime(config(), (runtime) => userSetRoleCommand(runtime, first, second, action));
    case 'user set-password':
      return withRuntime(config(), (runtime) =>
        userSetPasswordCommand(runtime, first, { ...action, passwordFromStdin: flag(line, 'password-stdin') }),
      );
    case 'user logout':
      return withRuntime(config(), (runtime) => userLogoutCommand(runtime, first, action));
    case 'user delete':
      return withRuntime(config(), (runtime) => userDeleteCommand(runtime, first, action));
    case 'session list':
      return withRuntime(config(), (runtime) => sessionListCommand(runtime, first, out));
    case 'session end':
      return withRuntime(config(), (runtime) => sessionEndCommand(runtime, first, action));
    case 'audit tail':
      return withRuntime(config(), (runtime) =>
        auditTailCommand(
          runtime,
          {
            user: stringOption(line, 'user'),
            events: listOption(line, 'event'),
            limit: stringOption(line, 'limit'),
            follow: flag(line, 'follow'),
          },
          out,
        ),
      );
    default:
      return undefined;
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const line = parseCommandLine(argv);
  jsonOutput = flag(line, 'json');
  if (flag(line, 'help')) {
    process.stdout.write(line.command === undefined ? USAGE : commandUsage(line.command));
    return;
  }
  if (flag(line, 'version')) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return;
  }
  let loaded: JwtgateConfig | undefined;
  const configPath = stringOption(line, 'config');
  const config = () => {
    loaded ??= loadConfig(configPath === undefined ? {} : { configPath });
    return loaded;
  };
  const admin = adminCommand(line, config);
  if (admin !== undefined) return admin;
  const [first] = line.words;
  switch (line.command) {
    case 'start':
      return startCommand(config());
    case 'migrate':
      return migrateCommand(config());
    case 'user add':
      return userAddCommand(config(), {
        username: first as string,
        role: stringOption(line, 'role') ?? 'user',
        passwordFromStdin: flag(line, 'password-stdin'),
      });
    case 'user import': {
      const summary = await userImportCommand(config(), {
        file: first,
        format: stringOption(line, 'format'),
        fromMysql: stringOption(line, 'from-mysql'),
        table: stringOption(line, 'table'),
        map: stringOption(line, 'map'),
        update: flag(line, 'update'),
        dryRun: flag(line, 'dry-run'),
        batchSize: stringOption(line, 'batch-size'),
        rejects: stringOption(line, 'rejects'),
        firebase: {
          signerKey: stringOption(line, 'firebase-signer-key'),
          saltSeparator: stringOption(line, 'firebase-salt-separator'),
          rounds: stringOption(line, 'firebase-rounds'),
          memCost: stringOption(line, 'firebase-mem-cost'),
        },
      });
      if (summary.rejected > 0) process.exitCode = 1;
      return;
    }
    case 'config check': {
      // The key files are part of the configuration: reading them is part of the check.
      loadKeyRing(config(), Date.now());
      process.stdout.write('configuration is valid\n');
      return;
    }
    case 'keys generate':
    case 'keys rotate':
    case 'keys list':
      return keysCommand(line.command.slice('keys '.length) as 'generate' | 'rotate' | 'list', {
        config,
        file: stringOption(line, 'file'),
        alg: stringOption(line, 'alg'),
        kid: stringOption(line, 'kid'),
        changeAlg: flag(line, 'change-alg'),
        json: flag(line, 'json'),
        now: Date.now(),
        out: (text) => process.stdout.write(text),
        warn: (text) => process.stderr.write(text),
      });
    default:
      throw new UsageError(`unknown command\n\n${USAGE}`);
  }
}

let settled = false;
// A command whose work stalls on a promise nothing will settle ends when the event loop
// empties, with status 0 and no output: a false success. Say so, and fail.
process.on('exit', (code) => {
  if (settled || code !== 0) return;
  process.stderr.write('jwtgate: the command stopped before it finished (nothing was left to wait for)\n');
  process.exitCode = 70;
});

/** Reports a failure on standard error, and with `--json` as `{"error":{"code","message"}}` on standard output too. */
function fail(status: number, message: string, code?: string): never {
  process.stderr.write(`jwtgate: ${code === undefined ? '' : `${code}: `}${message}\n`);
  if (jsonOutput && code !== undefined) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
  process.exit(status);
}

main(process.argv.slice(2))
  .then(() => {
    settled = true;
  })
  .catch((error: unknown) => {
    settled = true;
    if (error instanceof ConfigError) fail(78, error.message);
    if (error instanceof UsageError || error instanceof ImportUsageError) fail(64, error.message);
    if (error instanceof KeysCommandError || error instanceof CancelledError) fail(1, error.message);
    if (isAuthError(error)) fail(1, error.message, error.code);
    fail(1, error instanceof Error ? error.message : String(error));
  });
