import type { SecurityEventSink } from '../audit/security-events.js';
import type { Metrics } from './create-metrics.js';

/**
 * Counts security events as they are emitted, so whoever emits one (the
 * login guard, token rotation, abuse detectors) is counted without knowing
 * about metrics.
 */
export function createSecurityEventMetricsSink(metrics: Metrics): SecurityEventSink {
  return {
    record(event) {
      metrics.securityEvents.inc({ type: event.type });
      switch (event.type) {
        case 'login.failed':
          metrics.loginFailures.inc();
          break;
        case 'login.blocked':
          metrics.blocks.inc({ kind: 'login' });
          break;
        case 'token.reuse_detected':
          metrics.tokenReuseDetections.inc();
          break;
        case 'abuse.credential_stuffing':
          metrics.abuseEvents.inc({ pattern: 'credential_stuffing' });
          break;
        case 'abuse.enumeration':
          metrics.abuseEvents.inc({ pattern: 'enumeration' });
          metrics.blocks.inc({ kind: 'enumeration' });
          break;
        default:
          break;
      }
    },
  };
}
