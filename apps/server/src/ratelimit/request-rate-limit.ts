import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { ResolvedPolicy } from './policies.js';
import { isLimitHit, isTighter, snapshotOf, type RateLimitSnapshot } from './rate-limit-snapshot.js';

/** The outcome of counting a call: allowed or refused, with where its budget stands. */
export interface ChargeOutcome {
  readonly allowed: boolean;
  readonly snapshot: RateLimitSnapshot;
  /** True for exactly one call of a refused group, so a refused batch logs one event, not ten. */
  readonly firstRefusal: boolean;
}

/**
 * A request's rate-limit state, shared by every call of a tRPC batch.
 *
 * Batch pre-check: the first call that reaches a policy reserves, in one
 * atomic consume, the cost of every call in the request that runs under the
 * same policy (tRPC tells createContext every call's path before any runs).
 * The group then passes or fails together, so a batch that would exceed a
 * budget part-way runs none of its calls instead of half of them. A refused
 * batch that found room for some of its calls is refunded, so asking for too
 * much at once does not burn what was left.
 */
export interface RequestRateLimit {
  charge(policy: ResolvedPolicy, key: string): Promise<ChargeOutcome>;
  /** Keeps the tightest snapshot of the request; true when `snapshot` is now it (its headers should be sent). */
  consider(snapshot: RateLimitSnapshot): boolean;
}

export interface RequestRateLimitOptions {
  /** Procedure paths of every call in the request, in batch order. */
  readonly calls: readonly string[];
  readonly policyForPath: (path: string) => ResolvedPolicy | undefined;
  readonly limiterFor: (policy: ResolvedPolicy) => RateLimiterAbstract;
}

export function createRequestRateLimit(options: RequestRateLimitOptions): RequestRateLimit {
  const groups = new Map<string, Promise<{ allowed: boolean; snapshot: RateLimitSnapshot }>>();
  const refusalsReported = new Set<string>();
  let tightest: RateLimitSnapshot | undefined;

  const costOfGroup = (policy: ResolvedPolicy): number => {
    const batched = options.calls.reduce((sum, path) => sum + (options.policyForPath(path)?.name === policy.name ? policy.cost : 0), 0);
    return Math.max(batched, policy.cost);
  };

  const reserve = async (policy: ResolvedPolicy, key: string) => {
    const limiter = options.limiterFor(policy);
    const cost = costOfGroup(policy);
    try {
      return { allowed: true, snapshot: snapshotOf(policy, await limiter.consume(key, cost), false) };
    } catch (rejection) {
      // A store failure is not a spent budget: it surfaces as a 500, never as a 429 or a pass.
      if (!isLimitHit(rejection)) throw rejection;
      const hadRoom = rejection.consumedPoints - cost < policy.points;
      if (hadRoom && cost > 1 && policy.blockDurationSeconds === 0) await limiter.reward(key, cost);
      return { allowed: false, snapshot: snapshotOf(policy, rejection, true) };
    }
  };

  return {
    async charge(policy, key) {
      const groupId = `${policy.name}\u0000${key}`;
      let group = groups.get(groupId);
      if (group === undefined) {
        group = reserve(policy, key);
        groups.set(groupId, group);
      }
      const outcome = await group;
      const firstRefusal = !outcome.allowed && !refusalsReported.has(groupId);
      if (firstRefusal) refusalsReported.add(groupId);
      return { ...outcome, firstRefusal };
    },
    consider(snapshot) {
      if (!isTighter(snapshot, tightest)) return false;
      tightest = snapshot;
      return true;
    },
  };
}
