import type { FastifyBaseLogger } from 'fastify';
import type { AuditLog } from '../audit/audit-log.js';
import type { KeyReloadFailureCode, KeyReloadOutcome, KeyReloadTrigger } from '../keys/key-reloader.js';
import type { JwtgateMetrics, KeyReloadOutcomeLabel } from '../metrics/jwtgate-metrics.js';

const FAILURE_LABELS: Record<KeyReloadFailureCode, KeyReloadOutcomeLabel> = {
  ERR_KEY_FILE_UNREADABLE: 'unreadable',
  ERR_KEY_FILE_INVALID: 'invalid',
  ERR_KEY_ALGORITHM_CHANGED: 'algorithm-changed',
};

/**
 * Tells the operator what a check of the key files came to: a reload is
 * logged with the key ids added and removed, counted and audited; a failure
 * is counted at every check and logged as one error with its code, again
 * only when it changes or an operator asked (SIGHUP), so that files left bad
 * do not fill the log. Key ids and paths only, never key material.
 *
 * @example
 * createKeyReloader({ ..., onOutcome: (outcome, trigger) => reportKeyReload(outcome, trigger, { log, metrics, audit }) });
 */
export function reportKeyReload(
  outcome: KeyReloadOutcome,
  trigger: KeyReloadTrigger,
  to: { log: FastifyBaseLogger; metrics: JwtgateMetrics | undefined; audit: AuditLog },
): void {
  switch (outcome.status) {
    case 'unchanged':
      if (trigger === 'signal') to.log.info({ trigger }, 'key files unchanged');
      return;
    case 'reloaded': {
      to.metrics?.keyReload('reloaded');
      const { added, removed, signingKid, previousSigningKid } = outcome;
      to.log.info({ trigger, added, removed, signingKid, previousSigningKid }, 'key files reloaded');
      to.audit.record({ event: 'keys.reloaded', trigger, added, removed, signingKid, previousSigningKid });
      return;
    }
    case 'failed':
      to.metrics?.keyReload(FAILURE_LABELS[outcome.code]);
      if (outcome.repeated && trigger === 'interval') return;
      to.log.error(
        { trigger, code: outcome.code, problems: outcome.problems },
        'key files not reloaded: the keys in use stay until a check finds files that load',
      );
  }
}
