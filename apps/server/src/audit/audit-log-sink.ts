import type { Metrics } from '../metrics/create-metrics.js';
import type { AuditLogStore } from '../stores/audit-log-store.js';
import type { SecurityEventSink } from './security-events.js';

/**
 * Appends every security event to the audit log. A failed append (Redis
 * down) is counted here and logged by the emitter; the request that caused
 * the event is not failed for it, and the event's JSON log line stands.
 */
export function createAuditLogSink(store: AuditLogStore, metrics: Pick<Metrics, 'storeErrors'>): SecurityEventSink {
  return {
    async record(event) {
      try {
        await store.append(event);
      } catch (error) {
        metrics.storeErrors.inc({ store: 'audit_log', operation: 'append' });
        throw error;
      }
    },
  };
}
