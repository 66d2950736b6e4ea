#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { isAuthError } from '@jwtgate/core';
import type { JwtgateConfig } from '../config/config.js';
import { ConfigError } from '../config/config-error.js';
import { loadConfig } from '../config/load-config.js';
import type { AdminRuntime } from './admin-runtime.js';
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

/** Whether `--json` was asked for, so that a failure is reported as JSON too. */
let jsonOutput = false;

// Each command loads only the modules it runs: the server's whole tree costs a short command most of its time.

/** Runs an administrative command on the configured stores, and closes them whatever happens. */
async function withRuntime(config: JwtgateConfig, run: (runtime: AdminRuntime) => Promise<void>): Promise<void> {
  const { openAdminRuntime } = await import('./admin-runtime.js');
  const runtime = await openAdminRuntime(config);
  try {
    await run(runtime);
  } finally {
    await runtime.close();
  }
}

/** What an administrative command does once the stores are open. */
type AdminAction = (runtime: AdminRuntime) => Promise<void>;

/** The user, session, invite and audit commands; `undefined` for the others. */
async function adminAction(line: CommandLine): Promise<AdminAction | undefined> {
  const { stdoutOutput } = await import('./cli-output.js');
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
      const { userListCommand } = await import('./user-list.js');
      const input = {
        search: stringOption(line, 'search') ?? (first === '' ? undefined : first),
        searchEmail: flag(line, 'email'),
        role: stringOption(line, 'role'),
        disabled: disabled ?? (enabled === undefined ? undefined : !enabled),
        limit: stringOption(line, 'limit'),
        after: stringOption(line, 'after'),
      };
      return (runtime) => userListCommand(runtime, input, out);
    }
    case 'user show':
      return async (runtime) => (await import('./user-show.js')).userShowCommand(runtime, first, out);
    case 'session list':
      return async (runtime) => (await import('./user-show.js')).sessionListCommand(runtime, first, out);
    case 'user disable':
    case 'user enable': {
      const disable = line.command === 'user disable';
      return async (runtime) =>
        (await import('./user-actions.js')).userSetDisabledCommand(runtime, first, disable, action);
    }
    case 'user set-role':
      return async (runtime) => (await import('./user-actions.js')).userSetRoleCommand(runtime, first, second, action);
    case 'user set-password': {
      const options = { ...action, passwordFromStdin: flag(line, 'password-stdin') };
      return async (runtime) => (await import('./user-actions.js')).userSetPasswordCommand(runtime, first, options);
    }
    case 'user logout':
      return async (runtime) => (await import('./user-actions.js')).userLogoutCommand(runtime, first, action);
    case 'user delete':
      return async (runtime) => (await import('./user-actions.js')).userDeleteCommand(runtime, first, action);
    case 'session end':
      return async (runtime) => (await import('./session-end.js')).sessionEndCommand(runtime, first, action);
    case 'invite create': {
      const role = stringOption(line, 'role');
      return async (runtime) => (await import('./invite.js')).inviteCreateCommand(runtime, first, role, out);
    }
    case 'invite list': {
      const input = {
        status: stringOption(line, 'status'),
        limit: stringOption(line, 'limit'),
        after: stringOption(line, 'after'),
      };
      return async (runtime) => (await import('./invite.js')).inviteListCommand(runtime, input, out);
    }
    case 'invite revoke':
      return async (runtime) => (await import('./invite.js')).inviteRevokeCommand(runtime, first, action);
    case 'audit tail': {
      const input = {
        user: stringOption(line, 'user'),
        events: listOption(line, 'event'),
        limit: stringOption(line, 'limit'),
        follow: flag(line, 'follow'),
      };
      return async (runtime) => (await import('./audit-tail.js')).auditTailCommand(runtime, input, out);
    }
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
  const admin = await adminAction(line);
  if (admin !== undefined) return withRuntime(config(), admin);
  const [first] = line.words;
  switch (line.command) {
    case 'start':
      return (await import('./start.js')).startCommand(config());
    case 'migrate':
      return (await import('./migrate.js')).migrateCommand(config());
    case 'user add':
      return (await import('./user-add.js')).userAddCommand(config(), {
        username: first as string,
        role: stringOption(line, 'role') ?? 'user',
        passwordFromStdin: flag(line, 'password-stdin'),
      });
    case 'user import': {
      const { userImportCommand } = await import('./user-import.js');
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
      (await import('../keys/load-key-ring.js')).loadKeyRing(config(), Date.now());
      process.stdout.write('configuration is valid\n');
      return;
    }
    case 'keys generate':
    case 'keys rotate':
    case 'keys remove':
    case 'keys list':
      return (await import('./keys.js')).keysCommand(
        line.command.slice('keys '.length) as 'generate' | 'rotate' | 'remove' | 'list',
        {
          config,
          file: stringOption(line, 'file'),
          alg: stringOption(line, 'alg'),
          kid: stringOption(line, 'kid'),
          changeAlg: flag(line, 'change-alg'),
          json: flag(line, 'json'),
          now: Date.now(),
          out: (text) => process.stdout.write(text),
          warn: (text) => process.stderr.write(text),
        },
      );
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
  .catch(async (error: unknown) => {
    settled = true;
    if (error instanceof ConfigError) fail(78, error.message);
    if (error instanceof UsageError) fail(64, error.message);
    if (error instanceof CancelledError) fail(1, error.message);
    if (isAuthError(error)) fail(1, error.message, error.code);
    // Loaded only now: they are the errors of commands that loaded them already.
    const [{ KeysCommandError }, { ImportUsageError }] = await Promise.all([
      import('./keys.js'),
      import('./user-import.js'),
    ]);
    if (error instanceof ImportUsageError) fail(64, error.message);
    if (error instanceof KeysCommandError) fail(1, error.message);
    fail(1, error instanceof Error ? error.message : String(error));
  });
