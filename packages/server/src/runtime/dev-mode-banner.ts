/**
 * The banner a server in development mode prints on standard error, framed
 * so it stands out of the JSON log lines: the mode, what it means (generated
 * secrets and where they are) and what to do before exposing the server.
 *
 * @example
 * process.stderr.write(`${devModeBanner(config.warnings)}\n`);
 */
export function devModeBanner(warnings: readonly string[]): string {
  const lines = [
    'jwtgate is running in DEVELOPMENT MODE.',
    ...warnings,
    'Do not expose this server: set NODE_ENV=production with explicit secrets.',
  ];
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const rule = '!'.repeat(width);
  return [rule, ...lines.map((l) => `! ${l.padEnd(width - 4)} !`), rule].join('\n');
}
