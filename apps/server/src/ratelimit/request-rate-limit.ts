import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { ResolvedPolicy } from './resolve-policy.js';
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
  return new BatchRateLimit(options);
}


/**
 * A class, not an object of closures: one is built for every request, and
 * its maps only when a call is charged (a request to an unlimited procedure
 * never allocates them).
 */
class BatchRateLimit implements RequestRateLimit {
  readonly #options: RequestRateLimitOptions;
  #groups: Map<string, Promise<ChargeOutcome>> | undefined;
  #refusalsReported: Set<string> | undefined;
  #tightest: RateLimitSnapshot | undefined;

  constructor(options: RequestRateLimitOptions) {
    this.#options = options;
  }

  async charge(policy: ResolvedPolicy, key: string): Promise<ChargeOutcome> {
    const groupId = `${policy.name}\u0000${key}`;
    this.#groups ??= new Map();
    let group = this.#groups.get(groupId);
    if (group === undefined) {
      group = this.#reserve(policy, key);
      this.#groups.set(groupId, group);
    }
    const outcome = await group;
    // Allowed outcomes are shared by the group as they are; only a refusal says which call saw it first.
    if (outcome.allowed) return outcome;
    this.#refusalsReported ??= new Set();
    const firstRefusal = !this.#refusalsReported.has(groupId);
    if (firstRefusal) this.#refusalsReported.add(groupId);
    return { ...outcome, firstRefusal };
  }

  consider(snapshot: RateLimitSnapshot): boolean {
    if (!isTighter(snapshot, this.#tightest)) return false;
    this.#tightest = snapshot;
    return true;
  }

  #costOfGroup(policy: ResolvedPolicy): number {
    let batched = 0;
    for (const path of this.#options.calls) if (this.#options.policyForPath(path)?.name === policy.name) batched += policy.cost;
    return Math.max(batched, policy.cost);
  }

  async #reserve(policy: ResolvedPolicy, key: string): Promise<ChargeOutcome> {
    const limiter = this.#options.limiterFor(policy);
    const cost = this.#costOfGroup(policy);
    try {
      return { allowed: true, snapshot: snapshotOf(policy, await limiter.consume(key, cost), false), firstRefusal: false };
    } catch (rejection) {
      // A store failure is not a spent budget: it surfaces as a 500, never as a 429 or a pass.
      if (!isLimitHit(rejection)) throw rejection;
      const hadRoom = rejection.consumedPoints - cost < policy.points;
      if (hadRoom && cost > 1 && policy.blockDurationSeconds === 0) await limiter.reward(key, cost);
      return { allowed: false, snapshot: snapshotOf(policy, rejection, true), firstRefusal: false };
    }
  }
}
