import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { LoginBudget } from '../config.js';
import { createLimiter, type LimiterBackend } from './create-limiter.js';
import { isLimitHit, snapshotOf } from './rate-limit-snapshot.js';
import type { GuardAdmission } from './guard-admission.js';

/** The policy a 429 of a blocked second factor names (`data.rateLimit.policy`, RateLimit-Policy). */
export const SECOND_FACTOR_POLICY_NAME = 'auth.secondFactor:user';

/**
 * The brute-force budget of second-factor codes, per user and from any IP:
 * a password thief who got past the first step has a million six-digit codes
 * to try, and this budget (GATEHOUSE_SECOND_FACTOR_LIMIT, 5 per 15 minutes
 * by default, then the factor is refused 15 minutes) is what makes that
 * hopeless. Like the login guard, each attempt reserves a failure before the
 * code is compared, so parallel guesses get no more compares than the budget.
 */
export interface SecondFactorGuard {
  admit(userId: string): Promise<GuardAdmission>;
}

export function createSecondFactorGuard(budget: LoginBudget, backend: LimiterBackend): SecondFactorGuard {
  const spec = { name: SECOND_FACTOR_POLICY_NAME, ...budget };
  const limiter: RateLimiterAbstract = createLimiter(spec, backend);
  return {
    async admit(userId) {
      let res: RateLimiterRes;
      try {
        res = await limiter.consume(userId, 1);
      } catch (rejection) {
        if (!isLimitHit(rejection)) throw rejection; // a store failure is never a block
        return { admitted: false, snapshot: snapshotOf(spec, rejection as RateLimiterRes, true) };
      }
      return {
        admitted: true,
        snapshot: snapshotOf(spec, res, false),
        async succeeded() {
          await limiter.reward(userId, 1);
        },
      };
    },
  };
}
