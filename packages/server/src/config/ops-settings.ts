import { resolve } from 'node:path';
import type { JwtgateConfig } from './config.js';

type Settings = Record<string, unknown>;

/**
 * Reads the `Metrics` and `Audit` sections, adding a problem for a metrics
 * listener that would share the API's port.
 *
 * @example
 * const { metrics, audit } = readOpsSettings(raw, process.cwd(), problems);
 */
export function readOpsSettings(
  raw: Settings,
  cwd: string,
  problems: string[],
): Pick<JwtgateConfig, 'metrics' | 'audit'> {
  const metrics = raw.Metrics as Settings;
  const audit = raw.Audit as Settings;
  const enabled = metrics.Enabled as boolean;
  const port = metrics.Port as number;
  if (enabled && port !== 0 && port === raw.Port) {
    problems.push(
      `Metrics.Port: ${port} is also Port; metrics have a listener of their own, so that the API's port never serves them (choose another port, e.g. 9888)`,
    );
  }
  const file = audit.File as string | undefined;
  return {
    metrics: { enabled, host: metrics.Host as string, port },
    audit: { log: audit.Log as boolean, file: file === undefined ? undefined : resolve(cwd, file) },
  };
}
