import { createInterface } from 'node:readline';
import { UsageError } from './command-line.js';

/** The operator answered no: nothing was changed (exit status 1). */
export class CancelledError extends Error {}

/**
 * Asks the operator to confirm a destructive action, showing what it will
 * do (`Disable alice? This ends 3 sessions.`), unless `--yes` was given.
 * Without a terminal to ask on and without `--yes`, refuses with a usage
 * error (exit status 64): a script must say `--yes` to mean it. Any answer
 * but `y` or `yes` cancels.
 *
 * @example
 * await confirm(`Disable ${user.username}? This ends ${count} sessions.`, { yes: flag(line, 'yes') });
 */
export async function confirm(question: string, options: { readonly yes: boolean }): Promise<void> {
  if (options.yes) return;
  if (!process.stdin.isTTY) {
    throw new UsageError(`${question}\nnot confirmed: standard input is not a terminal; pass --yes to go ahead`);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  let answer: string;
  try {
    answer = await new Promise<string>((resolve) => rl.question(`${question} [y/N] `, resolve));
  } finally {
    rl.close();
  }
  if (!/^\s*y(es)?\s*$/i.test(answer)) throw new CancelledError('cancelled: nothing was changed');
}

/** `1 session`, `3 sessions`. */
export function sessionCount(count: number): string {
  return `${count} session${count === 1 ? '' : 's'}`;
}
