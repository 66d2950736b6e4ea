import { resolve } from 'node:path';
import type { JwtgateConfig } from './config.js';
import { readOutboundUrl } from './outbound-url.js';

type Settings = Record<string, unknown>;

/**
 * Reads the `Metrics`, `Audit` and `Alerts` sections, adding a problem for a
 * metrics listener that would share the API's port, or a webhook reached in
 * clear text over the network in production.
 *
 * @example
 * const { metrics, audit, alerts } = readOpsSettings(raw, process.cwd(), 'production', problems);
 */
export function readOpsSettings(
  raw: Settings,
  cwd: string,
  mode: JwtgateConfig['mode'],
  problems: string[],
): Pick<JwtgateConfig, 'metrics' | 'audit' | 'alerts'> {
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
  const alerts = raw.Alerts as Settings;
  const webhookSecret = alerts.WebhookSecret as string | undefined;
  const webhookUrl = readOutboundUrl('Alerts.WebhookUrl', alerts.WebhookUrl as string | undefined, mode, problems, {
    sends: 'alerts',
    credentialsFix: 'use Alerts.WebhookSecret to sign instead',
  });
  if (webhookSecret !== undefined && alerts.WebhookUrl === undefined) {
    problems.push('Alerts.WebhookSecret: set Alerts.WebhookUrl too, or remove the secret');
  }
  return {
    metrics: { enabled, host: metrics.Host as string, port },
    audit: {
      log: audit.Log as boolean,
      file: file === undefined ? undefined : resolve(cwd, file),
      database: audit.Database as boolean,
      retentionDays: audit.RetentionDays as number,
    },
    alerts: {
      webhookUrl,
      webhookSecret,
      queueSize: alerts.QueueSize as number,
      aggregationWindowSec: alerts.AggregationWindow as number,
    },
  };
}
