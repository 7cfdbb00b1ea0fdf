import type { ProcedureContract } from '@gatehouse/contracts';
import { refuseQueryCredential } from '../auth/refuse-query-credentials.js';
import { authorize } from '../auth/require-auth.js';
import { chargeRateLimit } from '../ratelimit/enforce-rate-limit.js';
import { t } from '../trpc.js';

export interface GuardChecks {
  /** False when refuseQueryCredentials already ran as its own step (before detectEnumeration). */
  readonly queryCredentials: boolean;
}

/**
 * refuseQueryCredentials, requireAuth and enforceRateLimit as one middleware
 * step, in that order and with the same checks, chosen for the contract when
 * the router is built: a public procedure never looks for a principal, and a
 * procedure declared `rateLimit: 'none'` never reaches the limiter. tRPC
 * copies the call's options for every middleware step (about 10 µs each with
 * Babel's spread helper), so three steps became one. A throw here is turned
 * into the call's failed result by tRPC exactly as before.
 */
export function guardCall(contract: ProcedureContract, checks: GuardChecks) {
  const requirement = contract.auth;
  // Declared 'none' is the only way out of a limit: no declaration means the default policy.
  const limited = contract.rateLimit !== 'none';
  if (requirement === 'public') {
    return t.middleware(async function guardPublicCall({ ctx, path, next }) {
      if (checks.queryCredentials) refuseQueryCredential(ctx);
      if (limited) await chargeRateLimit(ctx, contract, undefined, path);
      return next();
    });
  }
  return t.middleware(async function guardProtectedCall({ ctx, path, next }) {
    if (checks.queryCredentials) refuseQueryCredential(ctx);
    const principal = await authorize(ctx, requirement, path);
    if (limited) await chargeRateLimit(ctx, contract, principal, path);
    // tRPC merges this into the call's context: handlers see the principal.
    return next({ ctx: { principal } });
  });
}
