import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import type { SecurityEvents } from '../audit/security-events.js';
import { clientKey } from './client-key.js';
import { createLimiter, type LimiterBackend, type LimiterSpec } from './create-limiter.js';
import { writeRateLimitHeaders } from './rate-limit-headers.js';
import { isLimitHit, snapshotOf, type RateLimitSnapshot } from './rate-limit-snapshot.js';
import { refuseRateLimited, type RateLimitedResponse } from './refuse-rate-limited.js';

/** Policy names of the refusal budgets, as 429 data and headers show them. */
export const REFUSAL_POLICY_NAMES = {
  failedAuth: 'auth.failed:ip',
  denied: 'authz.denied:ip',
} as const;

/** IPs whose failed-auth budget this process knows to be spent, at most: oldest forgotten first. */
const MAX_KNOWN_BLOCKS = 10_000;

/**
 * Refusals cost the caller too (docs/rate-limits.md). Two per-IP budgets,
 * besides the principal's own (which a denied call is charged to as well):
 * - failed authentication: each bad, forged, expired or revoked credential;
 * - denied calls: each 403.
 */
export interface RefusalBudgets {
  /**
   * Whether the IP's failed-auth budget is known to be spent, answered from
   * this process's memory without a store round trip: it is asked before
   * every credential is verified, so a flood of forged tokens costs a map
   * lookup, not an ES256 verification each. Each process learns of a block
   * from its own first failure after the budget ran out.
   */
  failedAuthSpent(ip: string): RateLimitSnapshot | undefined;
  chargeFailedAuth(ip: string): Promise<RateLimitSnapshot>;
  chargeDenied(ip: string): Promise<RateLimitSnapshot>;
}

export function createRefusalBudgets(limits: Config['refusalLimits'], backend: LimiterBackend, now: () => number = Date.now): RefusalBudgets {
  const failedAuthSpec: LimiterSpec = { name: REFUSAL_POLICY_NAMES.failedAuth, ...limits.failedAuth, blockDurationSeconds: 0 };
  const deniedSpec: LimiterSpec = { name: REFUSAL_POLICY_NAMES.denied, ...limits.denied, blockDurationSeconds: 0 };
  const failedAuth = createLimiter(failedAuthSpec, backend);
  const denied = createLimiter(deniedSpec, backend);
  const blocked = new Map<string, RateLimitSnapshot>();

  async function charge(spec: LimiterSpec, limiter: RateLimiterAbstract, ip: string): Promise<RateLimitSnapshot> {
    try {
      return snapshotOf(spec, await limiter.consume(clientKey(ip), 1), false, now());
    } catch (rejection) {
      if (!isLimitHit(rejection)) throw rejection; // a store failure is never a block (the insurance limiter answers first)
      return snapshotOf(spec, rejection, true, now());
    }
  }

  return {
    failedAuthSpent(ip) {
      const key = clientKey(ip);
      const snapshot = blocked.get(key);
      if (snapshot === undefined) return undefined;
      if (snapshot.resetAtMs > now()) return snapshot;
      blocked.delete(key);
      return undefined;
    },
    async chargeFailedAuth(ip) {
      const snapshot = await charge(failedAuthSpec, failedAuth, ip);
      if (snapshot.refused) {
        const key = clientKey(ip);
        blocked.delete(key);
        blocked.set(key, snapshot);
        for (const oldest of blocked.keys()) {
          if (blocked.size <= MAX_KNOWN_BLOCKS) break;
          blocked.delete(oldest);
        }
      }
      return snapshot;
    },
    chargeDenied: (ip) => charge(deniedSpec, denied, ip),
  };
}

/**
 * The request facts the refusal budgets need: whose IP, where a 429's headers
 * and event go, and the two services they charge and report through (a
 * request context is one).
 */
export interface RefusalContext extends RateLimitedResponse {
  readonly ip: string;
  readonly requestId: string;
  readonly deps: {
    readonly events: Pick<SecurityEvents, 'emit'>;
    readonly rateLimits: { readonly refusals: RefusalBudgets };
  };
}

function refuse(ctx: RefusalContext, snapshot: RateLimitSnapshot, principal: string | undefined, path: string | undefined): never {
  ctx.deps.events.emit('ratelimit.exceeded', { ip: ctx.ip, requestId: ctx.requestId, principal }, { path: path ?? null, policy: snapshot.policy });
  refuseRateLimited(ctx, snapshot);
}

/**
 * Runs the verification of a presented credential under the failed-auth
 * budget: refused with 429 before verifying anything once the IP's budget is
 * spent, and a failure charged to it. The failure that spends the budget is
 * answered 429 as well, so an IP never gets more 401s than its budget.
 */
export async function withFailedAuthBudget<T>(ctx: RefusalContext, verify: () => Promise<T>, isFailure: (error: unknown) => boolean): Promise<T> {
  const budgets = ctx.deps.rateLimits.refusals;
  const spent = budgets.failedAuthSpent(ctx.ip);
  if (spent !== undefined) refuse(ctx, spent, undefined, undefined);
  try {
    return await verify();
  } catch (error) {
    if (isFailure(error)) {
      const snapshot = await budgets.chargeFailedAuth(ctx.ip);
      if (snapshot.refused) refuse(ctx, snapshot, undefined, undefined);
    }
    throw error;
  }
}

/**
 * Charges a denied call (403) to the caller's IP; once that budget is spent
 * the call is refused with 429 instead, so a flood of denials from one IP,
 * however many principals it signs in as, ends in 429s.
 */
export async function chargeDenial(ctx: RefusalContext, principal: string, path: string): Promise<void> {
  const snapshot = await ctx.deps.rateLimits.refusals.chargeDenied(ctx.ip);
  if (snapshot.refused) refuse(ctx, snapshot, principal, path);
  if (ctx.rateLimit.consider(snapshot)) writeRateLimitHeaders(ctx.responseHeaders, snapshot);
}
