import type { JwtgateConfig } from '../config/config.js';
import { createJwtgateServer } from '../runtime/create-server.js';

/** `jwtgate start`: serves until SIGTERM or SIGINT, then shuts down gracefully. */
export async function startCommand(config: JwtgateConfig): Promise<void> {
  const server = await createJwtgateServer({ config });
  for (const warning of config.warnings) server.app.log.warn(warning);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      server.app.log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    server.app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // SIGHUP: the key files may have changed (a rotation, a key removed in an emergency),
  // and the audit file may have been moved away by log rotation.
  process.on('SIGHUP', () => {
    // Its outcome is logged where it is decided; a failure keeps the keys in use.
    server.reloadKeys();
    if (config.audit.file === undefined) return;
    try {
      server.reopenAuditFile();
      server.app.log.info('audit file reopened');
    } catch (error) {
      server.app.log.error({ err: error }, 'audit file could not be reopened; still writing to the previous one');
    }
  });
  await server.listen();
  server.app.log.info(
    {
      mode: config.mode,
      sources: config.sources,
      database: config.database.url.split(':')[0],
      sessions: server.redis === undefined ? 'database' : `redis ${server.redis.description}`,
      strictRevocation: config.revocation.strict,
      metrics: server.metricsUrl === undefined ? 'off' : `${server.metricsUrl}/metrics`,
      audit: [
        config.audit.log ? 'log' : null,
        config.audit.database ? 'database' : null,
        config.audit.file ?? null,
      ].filter((to) => to !== null),
    },
    `${config.name} ready`,
  );
}
