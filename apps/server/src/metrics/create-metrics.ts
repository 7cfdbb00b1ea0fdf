import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TalliedCounter } from './tallied-counter.js';
import { TalliedHistogram } from './tallied-histogram.js';

/**
 * Gatehouse's Prometheus metrics. One registry per server instance, never
 * prom-client's global one: a process may run several servers (the tests
 * do), and each must count only its own traffic.
 */
export interface Metrics {
  readonly registry: Registry;
  /** Every procedure call (each call of a batch), by procedure and outcome (`ok` or the tRPC error code). */
  readonly calls: Counter<'procedure' | 'outcome'>;
  readonly callDuration: Histogram<'procedure' | 'outcome'>;
  /** Every HTTP response, tRPC or not (413s and malformed JSON never reach a procedure). */
  readonly httpResponses: Counter<'status'>;
  /** 401 and 403 answers by their `data.auth.reason`. */
  readonly authFailures: Counter<'status' | 'reason'>;
  /** 429 answers by the policy that refused. */
  readonly rateLimited: Counter<'policy'>;
  readonly loginFailures: Counter;
  /** Callers refused for a while: login blocks, enumeration blocks, strict-policy refusals. */
  readonly blocks: Counter<'kind'>;
  readonly tokenReuseDetections: Counter;
  readonly abuseEvents: Counter<'pattern'>;
  readonly securityEvents: Counter<'type'>;
  /** A store operation that failed (Redis down, timeouts); the request saw its defined fallback. */
  readonly storeErrors: Counter<'store' | 'operation'>;
  /** Audit records removed, by reason (`retention`: age; `capacity`: the development store's bound). */
  readonly auditRecordsTrimmed: Counter<'reason'>;
  /** Repeated refusals folded into a counted audit record instead of a record each. */
  readonly auditEventsAggregated: Counter<'type'>;
  /** Presented credentials that went on to verification (signature or key lookup): what a failed-auth block saves. */
  readonly credentialChecks: Counter<'credential'>;
  /** Access tokens used from another network than they were issued to, every one (the log line is rate-limited per token). */
  readonly tokenNetworkChanges: Counter<'pinned'>;
  /** Reports a live condition as a 0/1 gauge, read at scrape time. */
  gaugeFlag(name: string, help: string, read: () => Promise<boolean>): void;
}

/** Latency buckets in seconds: bcrypt-bound logins sit near the top, cached lookups at the bottom. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: 'gatehouse_process_' });
  return {
    registry,
    calls: new TalliedCounter({ name: 'gatehouse_calls_total', help: 'Procedure calls by procedure and outcome', labelNames: ['procedure', 'outcome'], registers }),
    callDuration: new TalliedHistogram({
      name: 'gatehouse_call_duration_seconds',
      help: 'Procedure call latency by procedure and outcome',
      labelNames: ['procedure', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    httpResponses: new TalliedCounter({ name: 'gatehouse_http_responses_total', help: 'HTTP responses by status', labelNames: ['status'], registers }),
    authFailures: new Counter({ name: 'gatehouse_auth_failures_total', help: '401 and 403 answers by status and reason', labelNames: ['status', 'reason'], registers }),
    rateLimited: new Counter({ name: 'gatehouse_rate_limited_total', help: '429 answers by policy', labelNames: ['policy'], registers }),
    loginFailures: new Counter({ name: 'gatehouse_login_failures_total', help: 'Failed logins (login.failed events)', registers }),
    blocks: new Counter({ name: 'gatehouse_blocks_total', help: 'Callers blocked for a while, by kind', labelNames: ['kind'], registers }),
    tokenReuseDetections: new Counter({ name: 'gatehouse_token_reuse_detections_total', help: 'Refresh tokens presented twice (token.reuse_detected events)', registers }),
    abuseEvents: new Counter({ name: 'gatehouse_abuse_events_total', help: 'Abuse patterns detected, by pattern', labelNames: ['pattern'], registers }),
    securityEvents: new Counter({ name: 'gatehouse_security_events_total', help: 'Security events by type', labelNames: ['type'], registers }),
    storeErrors: new Counter({ name: 'gatehouse_store_errors_total', help: 'Failed store operations by store and operation', labelNames: ['store', 'operation'], registers }),
    auditRecordsTrimmed: new Counter({ name: 'gatehouse_audit_records_trimmed_total', help: 'Audit records removed, by reason', labelNames: ['reason'], registers }),
    auditEventsAggregated: new Counter({
      name: 'gatehouse_audit_events_aggregated_total',
      help: 'Repeated refusals folded into a counted audit record, by type',
      labelNames: ['type'],
      registers,
    }),
    tokenNetworkChanges: new Counter({
      name: 'gatehouse_token_network_changes_total',
      help: 'Access tokens used from another network than they were issued to (possible theft), by whether the token was pinned (refused)',
      labelNames: ['pinned'],
      registers,
    }),
    credentialChecks: new TalliedCounter({
      name: 'gatehouse_credential_checks_total',
      help: 'Presented credentials verified (token signature or API key lookup), by credential type',
      labelNames: ['credential'],
      registers,
    }),
    gaugeFlag(name, help, read) {
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.set((await read().catch(() => false)) ? 1 : 0);
        },
      });
    },
  };
}
