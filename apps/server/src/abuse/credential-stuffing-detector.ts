import { createHash } from 'node:crypto';
import type { AbuseConfig } from '../config.js';
import { snapshotOf, type RateLimitSnapshot } from '../ratelimit/rate-limit-snapshot.js';
import type { SecurityEvent, SecurityEventSink, SecurityEvents } from '../audit/security-events.js';
import { clientKey } from '../ratelimit/client-key.js';
import { consumePoint, createAbuseCounter, type CounterBackend } from './abuse-counter.js';

/** What login does while stuffing is (or is not) under way. */
export type LoginPolicy =
  | { readonly mode: 'normal' }
  | { readonly mode: 'strict'; readonly perIp: { readonly points: number; readonly durationSeconds: number } };

export const STRICT_LOGIN_POLICY_NAME = 'auth.login:credential-stuffing';

/**
 * Credential stuffing: many failed logins, for many different emails, from
 * many IPs, within one window. Each signal alone is ordinary (one user
 * mistyping, one office behind NAT); together they are a list of leaked
 * passwords being tried. Counts are fixed windows in the rate-limit store,
 * so all processes add to the same totals.
 *
 * Integration: it listens to `login.failed` events (a security event sink),
 * and the login code asks {@link CredentialStuffingDetector.loginPolicy} or
 * calls {@link CredentialStuffingDetector.admitLogin} before checking a password.
 */
export interface CredentialStuffingDetector extends SecurityEventSink {
  /** Whether the strict login policy holds right now (on any process). */
  isStuffingActive(): Promise<boolean>;
  loginPolicy(): Promise<LoginPolicy>;
  /** Under the strict policy, spends one of the IP's attempts; once they are gone, returns the refused budget's snapshot. */
  admitLogin(ip: string): Promise<RateLimitSnapshot | undefined>;
}

const UNBOUNDED = Number.MAX_SAFE_INTEGER;
const GLOBAL_KEY = 'all';

export function createCredentialStuffingDetector(options: {
  readonly config: AbuseConfig['stuffing'];
  readonly backend: CounterBackend;
  readonly events: SecurityEvents;
}): CredentialStuffingDetector {
  const { config, backend, events } = options;
  const window = { points: UNBOUNDED, durationSeconds: config.windowSeconds };
  const failures = createAbuseCounter(backend, { name: 'stuffing:failures', ...window });
  const emailSeen = createAbuseCounter(backend, { name: 'stuffing:email-seen', ...window });
  const ipSeen = createAbuseCounter(backend, { name: 'stuffing:ip-seen', ...window });
  const distinctEmails = createAbuseCounter(backend, { name: 'stuffing:emails', ...window });
  const distinctIps = createAbuseCounter(backend, { name: 'stuffing:ips', ...window });
  // One point for the whole strict period: the consume that takes it is the one (on any process) that raises the event.
  const strictMode = createAbuseCounter(backend, { name: 'stuffing:strict', points: 1, durationSeconds: config.strictSeconds });
  const strictPerIp = createAbuseCounter(backend, {
    name: 'stuffing:strict-ip',
    points: config.strictLimit.points,
    durationSeconds: config.strictLimit.durationSeconds,
  });

  /** Counts `value` once per window into `distinct`; returns the distinct count. */
  async function countDistinct(seen: typeof failures, distinct: typeof failures, value: string): Promise<number> {
    const first = await seen.consume(fingerprint(value));
    if (first.consumedPoints === 1) return (await distinct.consume(GLOBAL_KEY)).consumedPoints;
    return (await distinct.get(GLOBAL_KEY))?.consumedPoints ?? 0;
  }

  async function isStuffingActive(): Promise<boolean> {
    const state = await strictMode.get(GLOBAL_KEY);
    return state !== null && state.consumedPoints >= 1 && state.msBeforeNext > 0;
  }

  async function recordFailure(event: SecurityEvent): Promise<void> {
    const email = typeof event.details['email'] === 'string' ? event.details['email'] : '';
    const [total, emails, ips] = await Promise.all([
      failures.consume(GLOBAL_KEY).then((res) => res.consumedPoints),
      countDistinct(emailSeen, distinctEmails, email),
      countDistinct(ipSeen, distinctIps, event.ip),
    ]);
    if (total < config.failures || emails < config.distinctEmails || ips < config.distinctIps) return;
    const { exceeded } = await consumePoint(strictMode, GLOBAL_KEY);
    if (exceeded) return; // already under the strict policy
    events.emit('abuse.credential_stuffing', { ip: event.ip, requestId: event.requestId, principal: undefined }, {
      failures: total,
      distinctEmails: emails,
      distinctIps: ips,
      windowSeconds: config.windowSeconds,
      strictSeconds: config.strictSeconds,
    });
  }

  return {
    async record(event) {
      if (event.type === 'login.failed') await recordFailure(event);
    },
    isStuffingActive,
    async loginPolicy() {
      return (await isStuffingActive()) ? { mode: 'strict', perIp: config.strictLimit } : { mode: 'normal' };
    },
    async admitLogin(ip) {
      if (!(await isStuffingActive())) return undefined;
      // Keyed like every IP budget (IPv6 by its /64), so one host cannot rotate through its addresses.
      const { exceeded, res } = await consumePoint(strictPerIp, clientKey(ip));
      if (!exceeded) return undefined;
      const policy = { name: STRICT_LOGIN_POLICY_NAME, ...config.strictLimit, blockDurationSeconds: 0 };
      return snapshotOf(policy, res, true);
    },
  };
}

/** Counter keys never hold an email or IP in clear: Redis is not the audit log. */
function fingerprint(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}
