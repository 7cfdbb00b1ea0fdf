import type { ProcedureContract } from '@gatehouse/contracts';
import { principalKey, type Principal } from '../auth/principal.js';
import { eventOrigin, type SecurityEvents } from '../audit/security-events.js';
import { clientKey } from './client-key.js';
import { writeRateLimitHeaders } from './rate-limit-headers.js';
import type { RateLimits } from './rate-limits.js';
import { refuseRateLimited, type RateLimitedResponse } from './refuse-rate-limited.js';

/** What charging a contract's budget reads of a request (a request context is one). */
export interface RateLimitedCall extends RateLimitedResponse {
  readonly ip: string;
  readonly requestId: string;
  readonly deps: {
    readonly rateLimits: Pick<RateLimits, 'policyFor'>;
    readonly events: Pick<SecurityEvents, 'emit'>;
  };
}

/**
 * Enforces a contract's rate limit (or the default for public /
 * authenticated procedures), from the procedure's resolver
 * (routers/contract-resolver.ts): after authentication, so a
 * principal-keyed budget is always the authenticated principal's; before
 * authorization, so denied calls (403) are paid for too; and before input
 * parsing, so malformed floods are counted too. Every limited response carries the
 * rate-limit headers; a spent budget is a 429 whose cause carries the wire's
 * `rateLimit` data. `principal` is the authenticated caller, undefined on
 * public procedures.
 */
export async function chargeRateLimit(
  ctx: RateLimitedCall,
  contract: ProcedureContract,
  principal: Principal | undefined,
  path: string,
): Promise<void> {
  const policy = ctx.deps.rateLimits.policyFor(contract);
  if (policy === undefined) return;
  // A public procedure keyed by principal falls back to the IP for anonymous callers.
  const key = policy.key === 'principal' && principal !== undefined ? principalKey(principal) : `ip:${clientKey(ctx.ip)}`;
  const outcome = await ctx.rateLimit.charge(policy, key);
  if (!outcome.allowed) {
    if (outcome.firstRefusal) {
      ctx.deps.events.emit('ratelimit.exceeded', eventOrigin(ctx, principal === undefined ? undefined : principalKey(principal)), {
        path,
        policy: policy.name,
      });
    }
    refuseRateLimited(ctx, outcome.snapshot);
  }
  if (ctx.rateLimit.consider(outcome.snapshot)) writeRateLimitHeaders(ctx.responseHeaders, outcome.snapshot);
}
