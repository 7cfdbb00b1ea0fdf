import type { Logger } from 'pino';
import type { Metrics } from '../metrics/create-metrics.js';
import type { AuditLogStore, AuditTrim } from '../stores/audit-log-store.js';
import { SERVER_ORIGIN, type SecurityEvents } from './security-events.js';

/** Why records left the log: age (GATEHOUSE_AUDIT_LOG_RETENTION) or the development store's memory bound. */
export type TrimReason = 'retention' | 'capacity';

/**
 * Makes a trim visible: counted in `gatehouse_audit_records_trimmed_total`
 * and recorded as an `audit.trimmed` event, itself a record of the chain.
 */
export function reportTrim(deps: { events: SecurityEvents; metrics: Pick<Metrics, 'auditRecordsTrimmed'> }, reason: TrimReason, trim: AuditTrim): void {
  if (trim.removed === 0) return;
  deps.metrics.auditRecordsTrimmed.inc({ reason }, trim.removed);
  deps.events.emit('audit.trimmed', SERVER_ORIGIN, { reason, removed: trim.removed, trimmedBefore: trim.trimmedBefore });
}

export interface AuditRetentionOptions {
  readonly store: AuditLogStore;
  readonly retentionSeconds: number;
  readonly now: () => number;
  readonly events: SecurityEvents;
  readonly metrics: Pick<Metrics, 'auditRecordsTrimmed' | 'storeErrors'>;
  readonly logger: Logger;
}

export interface AuditRetention {
  /** Removes what is older than the retention now; the timer calls it, tests may too. */
  runOnce(): Promise<AuditTrim>;
  stop(): void;
}

/**
 * Age retention of the audit log: every tenth of the retention (at least a
 * second, at most a minute) the records older than it are removed and the
 * trim reported. Every process runs it; the store lets one of them trim a
 * given range. The timer never holds the process open.
 */
export function startAuditRetention(options: AuditRetentionOptions): AuditRetention {
  const { store, retentionSeconds, now } = options;
  let running: Promise<AuditTrim> | undefined;
  const runOnce = (): Promise<AuditTrim> => {
    running ??= store
      .trimBefore(new Date(now() - retentionSeconds * 1000))
      .then((trim) => {
        reportTrim(options, 'retention', trim);
        return trim;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const intervalMs = Math.min(Math.max((retentionSeconds * 1000) / 10, 1000), 60_000);
  const timer = setInterval(() => {
    runOnce().catch((error: unknown) => {
      options.metrics.storeErrors.inc({ store: 'audit_log', operation: 'trim' });
      options.logger.error({ err: error }, 'audit log retention failed');
    });
  }, intervalMs);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}
