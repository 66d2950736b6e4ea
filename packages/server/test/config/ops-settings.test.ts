import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';
import { makeTempDir } from '../support/temp-dir.js';
import { TEST_ACCESS_SECRET, TEST_REFRESH_SECRET } from '../support/test-server.js';

const secrets = { JWTGATE_AUTH_ACCESS_SECRET: TEST_ACCESS_SECRET, JWTGATE_AUTH_REFRESH_SECRET: TEST_REFRESH_SECRET };

describe('the Metrics and Audit settings', () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    dir = makeTempDir('jwtgate-ops-config-');
  });
  afterEach(() => dir.remove());
  const load = (env: Record<string, string> = {}) => loadConfig({ env: { ...secrets, ...env }, cwd: dir.path });

  it('keep metrics off, on loopback when turned on, and audit records in the log, by default', () => {
    const config = load();
    expect(config.metrics).toEqual({ enabled: false, host: '127.0.0.1', port: 9888 });
    expect(config.audit).toEqual({ log: true, file: undefined, database: true, retentionDays: 90 });
    expect(config.alerts).toEqual({
      webhookUrl: undefined,
      webhookSecret: undefined,
      queueSize: 1000,
      aggregationWindowSec: 60,
    });
  });

  it('are read from the environment, with the audit file resolved against the working directory', () => {
    const config = load({
      JWTGATE_METRICS_ENABLED: 'true',
      JWTGATE_METRICS_HOST: '0.0.0.0',
      JWTGATE_METRICS_PORT: '9100',
      JWTGATE_AUDIT_LOG: 'false',
      JWTGATE_AUDIT_FILE: 'logs/audit.jsonl',
      JWTGATE_AUDIT_DATABASE: 'false',
      JWTGATE_AUDIT_RETENTION_DAYS: '30',
    });
    expect(config.metrics).toEqual({ enabled: true, host: '0.0.0.0', port: 9100 });
    expect(config.audit).toEqual({
      log: false,
      file: join(dir.path, 'logs', 'audit.jsonl'),
      database: false,
      retentionDays: 30,
    });
  });

  it('are read from the YAML file', () => {
    const path = join(dir.path, 'jwtgate.yaml');
    writeFileSync(path, 'Metrics:\n  Enabled: true\n  Port: 9200\nAudit:\n  File: /var/log/jwtgate/audit.jsonl\n');
    const config = loadConfig({ env: secrets, cwd: dir.path, configPath: path });
    expect(config.metrics.port).toBe(9200);
    expect(config.audit.file).toBe('/var/log/jwtgate/audit.jsonl');
  });

  it('refuse a metrics listener on the API port, naming both settings', () => {
    let error: unknown;
    try {
      load({ JWTGATE_METRICS_ENABLED: 'true', JWTGATE_PORT: '9300', JWTGATE_METRICS_PORT: '9300' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^Metrics\.Port: 9300 is also Port;/)]);
    // Only a listener that will be opened can clash; 0 always picks a free port.
    expect(load({ JWTGATE_PORT: '9300', JWTGATE_METRICS_PORT: '9300' }).metrics.enabled).toBe(false);
    expect(load({ JWTGATE_METRICS_ENABLED: 'true', JWTGATE_PORT: '0', JWTGATE_METRICS_PORT: '0' }).metrics.port).toBe(
      0,
    );
  });

  it('refuse values of the wrong type with the setting named', () => {
    expect(() => load({ JWTGATE_METRICS_PORT: '70000' })).toThrow(/Metrics\.Port: expected an integer from 0 to 65535/);
    expect(() => load({ JWTGATE_AUDIT_LOG: 'sometimes' })).toThrow(/Audit\.Log: expected true or false/);
    expect(() => load({ JWTGATE_AUDIT_RETENTION_DAYS: '0' })).toThrow(/Audit\.RetentionDays/);
  });
});

describe('the Alerts settings', () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    dir = makeTempDir('jwtgate-alerts-config-');
  });
  afterEach(() => dir.remove());
  const load = (env: Record<string, string> = {}) => loadConfig({ env: { ...secrets, ...env }, cwd: dir.path });
  const production = { NODE_ENV: 'production', JWTGATE_COOKIE_SECURE: 'true' };
  const secret = 'a webhook secret of thirty-two bytes or more';

  it('take an https webhook, its signing secret, its queue size and its aggregation window', () => {
    const config = load({
      ...production,
      JWTGATE_ALERTS_WEBHOOK_URL: 'https://alerts.example.com/hooks/jwtgate',
      JWTGATE_ALERTS_WEBHOOK_SECRET: secret,
      JWTGATE_ALERTS_QUEUE_SIZE: '50',
      JWTGATE_ALERTS_AGGREGATION_WINDOW: '5',
    });
    expect(config.alerts).toEqual({
      webhookUrl: 'https://alerts.example.com/hooks/jwtgate',
      webhookSecret: secret,
      queueSize: 50,
      aggregationWindowSec: 5,
    });
  });

  it('refuse at start-up a queue too small to hold a burst, or an aggregation window of no length', () => {
    expect(() => load({ JWTGATE_ALERTS_QUEUE_SIZE: '9' })).toThrow(/Alerts\.QueueSize/);
    expect(() => load({ JWTGATE_ALERTS_AGGREGATION_WINDOW: '0' })).toThrow(/Alerts\.AggregationWindow/);
    expect(() => load({ JWTGATE_ALERTS_AGGREGATION_WINDOW: '3601' })).toThrow(/Alerts\.AggregationWindow/);
  });

  it('allow plain http to a loopback address in production, and anywhere in development mode', () => {
    for (const url of ['http://127.0.0.1:9000/hook', 'http://localhost/hook', 'http://[::1]:81/']) {
      expect(load({ ...production, JWTGATE_ALERTS_WEBHOOK_URL: url }).alerts.webhookUrl).toBe(url);
    }
    expect(load({ JWTGATE_ALERTS_WEBHOOK_URL: 'http://alerts.internal/hook' }).alerts.webhookUrl).toBe(
      'http://alerts.internal/hook',
    );
  });

  it('refuse plain http over the network in production, credentials in the URL, other schemes and a lone secret', () => {
    expect(() => load({ ...production, JWTGATE_ALERTS_WEBHOOK_URL: 'http://alerts.example.com/hook' })).toThrow(
      /Alerts\.WebhookUrl: http:\/\/ sends alerts in clear text/,
    );
    expect(() => load({ JWTGATE_ALERTS_WEBHOOK_URL: 'https://user:pw@alerts.example.com/' })).toThrow(
      /Alerts\.WebhookUrl: credentials in the URL/,
    );
    expect(() => load({ JWTGATE_ALERTS_WEBHOOK_URL: 'ftp://alerts.example.com/' })).toThrow(/Alerts\.WebhookUrl/);
    // A refused URL is named, never echoed: its path is often the receiver's token.
    const tokenInPath = 'ftp://hooks.example.com/services/T0/B0/receiver-token-1234567';
    expect(() => load({ JWTGATE_ALERTS_WEBHOOK_URL: tokenInPath })).toThrow(/Alerts\.WebhookUrl/);
    expect(() => load({ JWTGATE_ALERTS_WEBHOOK_URL: tokenInPath })).not.toThrow(/receiver-token/);
    expect(() => load({ JWTGATE_ALERTS_WEBHOOK_SECRET: secret })).toThrow(
      /Alerts\.WebhookSecret: set Alerts\.WebhookUrl/,
    );
    expect(() =>
      load({ JWTGATE_ALERTS_WEBHOOK_URL: 'https://a.example/', JWTGATE_ALERTS_WEBHOOK_SECRET: 'short' }),
    ).toThrow(/Alerts\.WebhookSecret/);
  });
});
