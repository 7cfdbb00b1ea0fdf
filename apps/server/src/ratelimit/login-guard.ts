import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import { eventOrigin, type SecurityEvents } from '../audit/security-events.js';
import { clientKey } from './client-key.js';
import { createLimiter, type LimiterBackend, type LimiterSpec } from './create-limiter.js';
import { writeRateLimitHeaders } from './rate-limit-headers.js';
import { isLimitHit, isTighter, snapshotOf, type RateLimitSnapshot } from './rate-limit-snapshot.js';
import type { GuardAdmission } from './guard-admission.js';
import { refuseRateLimited, type RateLimitedResponse } from './refuse-rate-limited.js';

/** Policy names of the three layers, as 429 data and headers show them. */
export const LOGIN_POLICY_NAMES = {
  emailAndIp: 'auth.login:email+ip',
  email: 'auth.login:email',
  ip: 'auth.login:ip',
} as const;

/**
 * The layered brute-force defence of auth.login (docs/rate-limits.md):
 * - consecutive failures per email and client IP (5, then the pair is blocked 15 min);
 * - failures per email from any IP (10 per hour, then the email is locked 15 min);
 * - failures per client IP (100 per day, then the IP is blocked a day).
 *
 * Each attempt reserves one failure on every layer *before* the password is
 * compared, in one atomic increment per layer. That is what makes the limit
 * exact under concurrency: ten parallel guesses (or a batch) get at most five
 * compares, because the sixth increment already sees the budget spent. A
 * success hands the reservation back. A refused attempt never reaches bcrypt,
 * so it costs an attacker's target no CPU and a right password is refused too.
 */
export interface LoginGuard {
  admit(email: string, ip: string): Promise<GuardAdmission>;
}

interface Layer {
  readonly spec: LimiterSpec;
  readonly limiter: RateLimiterAbstract;
  readonly keyOf: (email: string, ip: string) => string;
  /** How a success treats this layer's count: the consecutive count starts over; the others drop the reservation. */
  readonly onSuccess: 'reset' | 'refund';
}

export function createLoginGuard(limits: Config['loginLimits'], backend: LimiterBackend): LoginGuard {
  const layer = (name: string, budget: Config['loginLimits']['email'], keyOf: Layer['keyOf'], onSuccess: Layer['onSuccess']): Layer => {
    const spec: LimiterSpec = { name, ...budget };
    return { spec, limiter: createLimiter(spec, backend), keyOf, onSuccess };
  };
  const layers: readonly Layer[] = [
    layer(LOGIN_POLICY_NAMES.emailAndIp, limits.emailAndIp, (email, ip) => `${ip}|${email}`, 'reset'),
    layer(LOGIN_POLICY_NAMES.email, limits.email, (email) => email, 'refund'),
    layer(LOGIN_POLICY_NAMES.ip, limits.ip, (_email, ip) => ip, 'refund'),
  ];

  return {
    async admit(rawEmail, ip) {
      const email = rawEmail.trim().toLowerCase();
      const ipKey = clientKey(ip);
      const settled = await Promise.all(
        layers.map(async (entry) => {
          const key = entry.keyOf(email, ipKey);
          try {
            return { entry, key, res: await entry.limiter.consume(key, 1), refused: false };
          } catch (rejection) {
            if (!isLimitHit(rejection)) throw rejection; // a store failure is never a block
            return { entry, key, res: rejection as RateLimiterRes, refused: true };
          }
        }),
      );
      let tightest: RateLimitSnapshot | undefined;
      for (const { entry, res, refused } of settled) {
        const snapshot = snapshotOf(entry.spec, res, refused);
        if (isTighter(snapshot, tightest)) tightest = snapshot;
      }
      const snapshot = tightest as RateLimitSnapshot;
      if (settled.some((result) => result.refused)) {
        // A blocked attempt checked no password: it must not count as a failure on the layers that let it through.
        await Promise.all(settled.filter((result) => !result.refused).map(({ entry, key }) => entry.limiter.reward(key, 1)));
        return { admitted: false, snapshot };
      }
      return {
        admitted: true,
        snapshot,
        async succeeded() {
          await Promise.all(
            settled.map(({ entry, key }) => (entry.onSuccess === 'reset' ? entry.limiter.delete(key) : entry.limiter.reward(key, 1))),
          );
        },
      };
    },
  };
}

/** What guardLogin reads of a request (a request context is one): the caller's IP, and the guard and events it uses. */
export interface LoginAttemptContext extends RateLimitedResponse {
  readonly ip: string;
  readonly requestId: string;
  readonly deps: {
    readonly rateLimits: { readonly login: LoginGuard };
    readonly events: Pick<SecurityEvents, 'emit'>;
  };
}

/**
 * Runs the guard for a login attempt, before any password work: a blocked
 * attempt becomes a 429 with Retry-After, logged as `login.blocked` (with the
 * email and the policy, never the password).
 */
export async function guardLogin(ctx: LoginAttemptContext, email: string): Promise<{ succeeded(): Promise<void> }> {
  const admission = await ctx.deps.rateLimits.login.admit(email, ctx.ip);
  if (!admission.admitted) {
    ctx.deps.events.emit('login.blocked', eventOrigin(ctx), { email, policy: admission.snapshot.policy });
    refuseRateLimited(ctx, admission.snapshot);
  }
  if (ctx.rateLimit.consider(admission.snapshot)) writeRateLimitHeaders(ctx.responseHeaders, admission.snapshot);
  return admission;
}
